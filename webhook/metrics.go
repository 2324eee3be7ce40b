package webhook

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics count delivery attempts in /metrics under monsys_webhook_.
type Metrics struct {
	attempts *prometheus.CounterVec // result: delivered, retry, failed
	duration prometheus.Histogram
}

// NewMetrics registers the delivery metrics with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "monsys_webhook_attempts_total",
			Help: "Webhook delivery attempts, by result: delivered, retry (failed, will be retried) or failed (given up)."},
			[]string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "monsys_webhook_attempt_duration_seconds",
			Help: "Time one delivery attempt took, answered or not.", Buckets: prometheus.ExponentialBuckets(0.01, 3, 8)}),
	}
	for _, c := range []prometheus.Collector{m.attempts, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register webhook metrics: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) observe(a result, seconds float64) {
	if m == nil {
		return
	}
	m.attempts.WithLabelValues(string(a)).Inc()
	m.duration.Observe(seconds)
}

type result string

const (
	resultDelivered result = "delivered"
	resultRetry     result = "retry"
	resultFailed    result = "failed"
)
