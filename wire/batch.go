package wire

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// Batch is the body of POST /api/v1/ingest: one agent's metrics,
// heartbeat, inventory and alerts for one interval. Every part but BatchID
// is optional. The hub acknowledges a batch only after all of it is
// committed, and stores a BatchID once however often it is sent.
type Batch struct {
	BatchID   string          `json:"batch_id"`
	Seq       uint64          `json:"seq,omitempty"`
	Metrics   []Metric        `json:"metrics,omitempty"`
	Heartbeat *Heartbeat      `json:"heartbeat,omitempty"`
	Inventory []InventoryPart `json:"inventory,omitempty"`
	Alerts    []Alert         `json:"alerts,omitempty"`
	// SecurityEvents are what the agent's honeypots and canary files saw
	// since the last batch.
	SecurityEvents []SecurityEvent `json:"security_events,omitempty"`
}

// Metric is one series (name and label set) and its samples.
type Metric struct {
	Name    string            `json:"name"`
	Labels  map[string]string `json:"labels,omitempty"`
	Samples []Sample          `json:"samples"`
}

// Sample is one point; it travels as [unix_ms, value].
type Sample struct {
	TimeMs int64
	Value  float64
}

// MarshalJSON writes [unix_ms, value].
func (s Sample) MarshalJSON() ([]byte, error) { return appendSample(nil, s), nil }

// UnmarshalJSON reads [unix_ms, value].
func (s *Sample) UnmarshalJSON(b []byte) error {
	var pair [2]json.Number
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	t, err := pair[0].Int64()
	if err != nil {
		return err
	}
	v, err := pair[1].Float64()
	if err != nil {
		return err
	}
	s.TimeMs, s.Value = t, v
	return nil
}

// InventoryPart is one kind of inventory (packages, systemd, users, …) as
// collected at one time. Items are kept as sent.
type InventoryPart struct {
	Kind        string          `json:"kind"`
	CollectedAt int64           `json:"collected_at,omitempty"` // unix ms; the hub's clock when 0
	Items       json.RawMessage `json:"items"`
	Error       string          `json:"error,omitempty"` // why the collector failed, if it did
}

// Alert is an agent-raised alert, deduplicated by Key: "firing" opens or
// refreshes it, "resolved" closes it.
type Alert struct {
	Key      string `json:"key"`
	Severity string `json:"severity"` // info, warning or critical
	Summary  string `json:"summary"`
	State    string `json:"state"` // firing or resolved
}

// IngestResponse answers an accepted batch.
type IngestResponse struct {
	BatchID   string `json:"batch_id"`
	Samples   int    `json:"samples"`
	Duplicate bool   `json:"duplicate"`
}

// AppendBatchJSON appends b as JSON, metrics first, without reflection:
// agents and the benchmark encode every interval with it.
func AppendBatchJSON(dst []byte, b *Batch) []byte {
	dst = append(dst, `{"batch_id":`...)
	dst = appendString(dst, b.BatchID)
	if b.Seq != 0 {
		dst = append(dst, `,"seq":`...)
		dst = strconv.AppendUint(dst, b.Seq, 10)
	}
	if len(b.Metrics) > 0 {
		dst = append(dst, `,"metrics":[`...)
		for i := range b.Metrics {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendMetric(dst, &b.Metrics[i])
		}
		dst = append(dst, ']')
	}
	for _, part := range []struct {
		name string
		v    any
		set  bool
	}{
		{"heartbeat", b.Heartbeat, b.Heartbeat != nil},
		{"inventory", b.Inventory, len(b.Inventory) > 0},
		{"alerts", b.Alerts, len(b.Alerts) > 0},
		{"security_events", b.SecurityEvents, len(b.SecurityEvents) > 0},
	} {
		if !part.set {
			continue
		}
		raw, err := json.Marshal(part.v)
		if err != nil {
			continue // these types always marshal
		}
		dst = append(dst, ',', '"')
		dst = append(dst, part.name...)
		dst = append(dst, '"', ':')
		dst = append(dst, raw...)
	}
	return append(dst, '}')
}

func appendMetric(dst []byte, m *Metric) []byte {
	dst = append(dst, `{"name":`...)
	dst = appendString(dst, m.Name)
	if len(m.Labels) > 0 {
		dst = append(dst, `,"labels":{`...)
		first := true
		for k, v := range m.Labels {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = appendString(dst, v)
		}
		dst = append(dst, '}')
	}
	dst = append(dst, `,"samples":[`...)
	for i, s := range m.Samples {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendSample(dst, s)
	}
	return append(dst, ']', '}')
}

func appendSample(dst []byte, s Sample) []byte {
	dst = append(dst, '[')
	dst = strconv.AppendInt(dst, s.TimeMs, 10)
	dst = append(dst, ',')
	v := s.Value
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0 // JSON has no NaN or Inf; collectors never produce them
	}
	dst = strconv.AppendFloat(dst, v, 'g', -1, 64)
	return append(dst, ']')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping what JSON requires.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
	}
	return append(dst, '"')
}
