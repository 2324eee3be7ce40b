package notify

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics count what the deliverer does, in /metrics under
// monsys_notification_.
type Metrics struct {
	attempts *prometheus.CounterVec // kind, result: delivered, retry, failed
	grouped  prometheus.Counter
}

// NewMetrics registers the notification metrics with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "monsys_notification_attempts_total",
			Help: "Attempts to send a notification message, by channel kind and result: delivered, retry (failed, will be retried) or failed (given up)."},
			[]string{"kind", "result"}),
		grouped: prometheus.NewCounter(prometheus.CounterOpts{Name: "monsys_notification_events_grouped_total",
			Help: "Alert events taken from the outbox into notification messages."}),
	}
	for _, c := range []prometheus.Collector{m.attempts, m.grouped} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register notification metrics: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) attempt(kind, result string) {
	if m != nil {
		m.attempts.WithLabelValues(kind, result).Inc()
	}
}

func (m *Metrics) took(events int) {
	if m != nil {
		m.grouped.Add(float64(events))
	}
}
