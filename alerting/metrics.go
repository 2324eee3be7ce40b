package alerting

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics count what the alert jobs did, in /metrics under monsys_alert_.
type Metrics struct {
	transitions *prometheus.CounterVec // state entered: pending, firing, resolved
	failures    prometheus.Counter
	silent      *prometheus.CounterVec // change: raised, recovered
}

// NewMetrics registers the alert job metrics with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "monsys_alert_rule_transitions_total",
			Help: "Alert rule transitions, by the state entered (pending, firing, resolved)."}, []string{"state"}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "monsys_alert_rule_failures_total",
			Help: "Alert rule evaluations that failed (logged with the rule id)."}),
		silent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "monsys_alert_silent_agents_total",
			Help: "Silent-agent alerts raised and recovered."}, []string{"change"}),
	}
	for _, c := range []prometheus.Collector{m.transitions, m.failures, m.silent} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register alert metrics: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) transition(state string) {
	if m != nil {
		m.transitions.WithLabelValues(state).Inc()
	}
}

func (m *Metrics) failure() {
	if m != nil {
		m.failures.Inc()
	}
}

func (m *Metrics) silentChange(raised, recovered int) {
	if m != nil {
		m.silent.WithLabelValues("raised").Add(float64(raised))
		m.silent.WithLabelValues("recovered").Add(float64(recovered))
	}
}
