package ingest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/monsys/monsys/wire"
)

// validate checks a decoded batch's sample times against the accepted
// window — no older than the raw retention, no further ahead than
// MaxFuture — and decodes its small optional parts into item, each against
// its schema (parts_schema.go).
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
		errs = appendErr(errs, validateHeartbeat(b.Heartbeat, item))
	}
	if b.Inventory != nil {
		errs = appendErr(errs, validateInventory(b.Inventory, item))
	}
	if b.Alerts != nil {
		errs = appendErr(errs, validateAlerts(b.Alerts, item))
	}
	if b.Events != nil {
		errs = appendErr(errs, validateEvents(b.Events, item))
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func appendErr(errs FieldErrors, err *FieldError) FieldErrors {
	if err != nil {
		errs = append(errs, *err)
	}
	return errs
}

func validateHeartbeat(raw []byte, item *Pending) *FieldError {
	if err := checkText(raw, "heartbeat"); err != nil {
		return err
	}
	item.Heartbeat = new(wire.Heartbeat)
	if err := json.Unmarshal(raw, item.Heartbeat); err != nil || item.Heartbeat.UptimeS < 0 ||
		item.Heartbeat.IntervalS < 0 || item.Heartbeat.IntervalS > 86400 || len(item.Heartbeat.AgentVersion) > 64 ||
		!wire.ValidBinarySHA256(item.Heartbeat.BinarySHA256) {
		return &FieldError{Field: "heartbeat", Msg: "want {uptime_s ≥ 0, agent_version ≤ 64 bytes, interval_s 0..86400, binary_sha256: 64 hex digits}"}
	}
	return nil
}

func validateInventory(raw []byte, item *Pending) *FieldError {
	if err := checkText(raw, "inventory"); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &item.Inventory); err != nil {
		return &FieldError{Field: "inventory", Msg: "want [{kind, items, collected_at?, error?}]"}
	}
	if len(item.Inventory) > MaxInventoryParts {
		return &FieldError{Field: "inventory", Msg: fmt.Sprintf("more than %d parts", MaxInventoryParts)}
	}
	seen := make(map[string]bool, len(item.Inventory))
	for i, part := range item.Inventory {
		field := fmt.Sprintf("inventory[%d]", i)
		schema, known := inventoryKinds[part.Kind]
		switch {
		case !known:
			return &FieldError{Field: field + ".kind", Msg: "must be one of " + strings.Join(KnownInventoryKinds(), ", ")}
		case seen[part.Kind]:
			return &FieldError{Field: field + ".kind", Msg: "appears twice in the batch"}
		case len(part.Error) > MaxPartError:
			return &FieldError{Field: field + ".error", Msg: fmt.Sprintf("longer than %d bytes", MaxPartError)}
		case part.CollectedAt < 0:
			return &FieldError{Field: field + ".collected_at", Msg: "must not be negative"}
		}
		seen[part.Kind] = true
		if err := schema(part.Items, field+".items"); err != nil {
			if fe, ok := err.(*FieldError); ok {
				return fe
			}
			return &FieldError{Field: field + ".items", Msg: err.Error()}
		}
	}
	return nil
}

func validateAlerts(raw []byte, item *Pending) *FieldError {
	if err := checkText(raw, "alerts"); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &item.Alerts); err != nil {
		return &FieldError{Field: "alerts", Msg: "want [{key, severity, summary, state}]"}
	}
	if len(item.Alerts) > MaxAlerts {
		return &FieldError{Field: "alerts", Msg: fmt.Sprintf("more than %d alerts", MaxAlerts)}
	}
	for i, a := range item.Alerts {
		field := fmt.Sprintf("alerts[%d]", i)
		switch {
		case len(a.Key) == 0 || len(a.Key) > MaxAlertKey:
			return &FieldError{Field: field + ".key", Msg: fmt.Sprintf("must be 1 to %d bytes", MaxAlertKey)}
		case len(a.Summary) > MaxAlertSummary:
			return &FieldError{Field: field + ".summary", Msg: fmt.Sprintf("longer than %d bytes", MaxAlertSummary)}
		case len(a.Severity) > 16:
			return &FieldError{Field: field + ".severity", Msg: "must be info, warning or critical"}
		case a.State != "firing" && a.State != "resolved":
			return &FieldError{Field: field + ".state", Msg: "must be firing or resolved"}
		case a.State == "firing" && a.Severity != "info" && a.Severity != "warning" && a.Severity != "critical":
			return &FieldError{Field: field + ".severity", Msg: "must be info, warning or critical"}
		}
	}
	return nil
}
