package api

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
)

const (
	headerRequestID = "X-Request-Id"
	localRequestID  = "request_id"
	localRoute      = "route"
)

// recoverPanic turns a handler panic into a 500 problem and a log line with
// the stack, instead of a dropped connection.
func (s *Server) recoverPanic(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("handler panicked", "path", c.Path(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return c.Next()
}

// assignRequestID keeps a caller's request id when it is short and
// printable, else makes one, and echoes it.
func (s *Server) assignRequestID(c *fiber.Ctx) error {
	id := c.Get(headerRequestID)
	if !validRequestID(id) {
		id = uuid.Must(uuid.NewV7()).String()
	} else {
		id = string([]byte(id)) // the header buffer is reused after the request
	}
	c.Locals(localRequestID, id)
	c.Set(headerRequestID, id)
	return c.Next()
}

func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if ch := id[i]; ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// httpMetrics counts requests by route pattern, never by raw path, so ids
// in paths do not explode the series count.
type httpMetrics struct {
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	inFlight  prometheus.Gauge
	pushConns prometheus.Gauge
}

func newHTTPMetrics(reg prometheus.Registerer) (*httpMetrics, error) {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monsys_http_requests_total", Help: "HTTP requests answered, by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "monsys_http_request_duration_seconds", Help: "Time to answer HTTP requests, by method and route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "monsys_http_requests_in_flight", Help: "HTTP requests being answered now.",
		}),
		pushConns: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "monsys_push_connections", Help: "Agents connected on the push WebSocket.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.inFlight, m.pushConns} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register http metrics: %w", err)
		}
	}
	return m, nil
}

// observe logs and measures every request after it is answered, errors
// included (it runs the error handler itself so the status is final).
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	s.metrics.inFlight.Inc()
	defer s.metrics.inFlight.Dec()
	if err := c.Next(); err != nil {
		if herr := s.errorHandler(c, err); herr != nil {
			return herr
		}
	}
	status := c.Response().StatusCode()
	route, _ := c.Locals(localRoute).(string)
	if route == "" {
		route = "unmatched"
	}
	elapsed := time.Since(start)
	method := methodLabel(c.Method())
	s.metrics.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	s.metrics.duration.WithLabelValues(method, route).Observe(elapsed.Seconds())
	if lvl := logLevelFor(status); s.log.Enabled(c.UserContext(), lvl) {
		s.log.Log(c.UserContext(), lvl, "http request", "method", method, "route", route, "path", c.Path(),
			"status", status, "duration_ms", elapsed.Milliseconds(), "ip", c.IP(), "request_id", requestID(c))
	}
	return nil
}

// methodLabel is the request's method as a label value that may outlive
// the request. c.Method() points into a buffer Fiber reuses for the next
// request on the connection, and a label value is kept for the life of
// the process: kept as it was, it read "GETT" a few requests later and
// /metrics then failed with duplicate series. Known methods map to
// constants, anything else to "other" (which also bounds the series).
func methodLabel(m string) string {
	switch m {
	case fiber.MethodGet:
		return fiber.MethodGet
	case fiber.MethodHead:
		return fiber.MethodHead
	case fiber.MethodPost:
		return fiber.MethodPost
	case fiber.MethodPut:
		return fiber.MethodPut
	case fiber.MethodPatch:
		return fiber.MethodPatch
	case fiber.MethodDelete:
		return fiber.MethodDelete
	case fiber.MethodOptions:
		return fiber.MethodOptions
	}
	return "other"
}
