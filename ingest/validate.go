package ingest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/monsys/monsys/wire"
)

// validate checks a decoded batch's sample times against the accepted
// window — no older than the raw retention, no further ahead than
// MaxFuture — and decodes its small optional parts into item.
func (s *Service) validate(now time.Time, item *Pending) error {
	b := item.Batch
	if b.SampleCount() > 0 {
		oldest := now.Add(-s.cfg.MaxSampleAge).UnixMilli()
		newest := now.Add(s.cfg.MaxFuture).UnixMilli()
		if b.MinTimeMs < oldest || b.MaxTimeMs > newest {
			return FieldErrors{{Field: "metrics[].samples", Msg: fmt.Sprintf(
				"sample times must lie between %s and %s (unix ms %d..%d); this batch spans %d..%d",
				time.UnixMilli(oldest).UTC().Format(time.RFC3339), time.UnixMilli(newest).UTC().Format(time.RFC3339),
				oldest, newest, b.MinTimeMs, b.MaxTimeMs)}}
		}
	}
	var errs FieldErrors
	if b.Heartbeat != nil {
		item.Heartbeat = new(wire.Heartbeat)
		if err := json.Unmarshal(b.Heartbeat, item.Heartbeat); err != nil || item.Heartbeat.UptimeS < 0 ||
			item.Heartbeat.IntervalS < 0 || item.Heartbeat.IntervalS > 86400 || len(item.Heartbeat.AgentVersion) > 64 {
			errs = append(errs, FieldError{Field: "heartbeat", Msg: "want {uptime_s ≥ 0, agent_version ≤ 64 bytes, interval_s 0..86400}"})
		}
	}
	if b.Inventory != nil {
		if err := json.Unmarshal(b.Inventory, &item.Inventory); err != nil {
			errs = append(errs, FieldError{Field: "inventory", Msg: "want [{kind, items, collected_at?, error?}]"})
		}
		for i, part := range item.Inventory {
			if n := len(part.Kind); n == 0 || n > 64 {
				errs = append(errs, FieldError{Field: fmt.Sprintf("inventory[%d].kind", i), Msg: "must be 1 to 64 bytes"})
			}
		}
	}
	if b.Alerts != nil {
		if err := json.Unmarshal(b.Alerts, &item.Alerts); err != nil {
			errs = append(errs, FieldError{Field: "alerts", Msg: "want [{key, severity, summary, state}]"})
		}
		for i, a := range item.Alerts {
			if n := len(a.Key); n == 0 || n > 512 {
				errs = append(errs, FieldError{Field: fmt.Sprintf("alerts[%d].key", i), Msg: "must be 1 to 512 bytes"})
			}
			if a.State != "firing" && a.State != "resolved" {
				errs = append(errs, FieldError{Field: fmt.Sprintf("alerts[%d].state", i), Msg: "must be firing or resolved"})
			}
			if a.State == "firing" && a.Severity != "info" && a.Severity != "warning" && a.Severity != "critical" {
				errs = append(errs, FieldError{Field: fmt.Sprintf("alerts[%d].severity", i), Msg: "must be info, warning or critical"})
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
