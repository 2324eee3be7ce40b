package ingest

import (
	"encoding/json"
	"fmt"
	"net/netip"

	"github.com/monsys/monsys/wire"
)

// Bounds of a batch's security events. A flood of connections to a decoy
// is bounded by the agent (it drops past its own queue); these stop a
// hostile batch.
const (
	MaxEvents         = 500
	MaxEventString    = 2048 // bytes of a path or of first_bytes (256 bytes quoted)
	maxEventProtoKind = 16
)

func validateEvents(raw []byte, item *Pending) *FieldError {
	if err := checkText(raw, "security_events"); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &item.Events); err != nil {
		return &FieldError{Field: "security_events", Msg: "want [{kind, at, …}]"}
	}
	if len(item.Events) > MaxEvents {
		return &FieldError{Field: "security_events", Msg: fmt.Sprintf("more than %d events", MaxEvents)}
	}
	for i, e := range item.Events {
		if msg := eventProblem(e); msg != "" {
			return &FieldError{Field: fmt.Sprintf("security_events[%d]", i), Msg: msg}
		}
	}
	return nil
}

func eventProblem(e wire.SecurityEvent) string {
	switch {
	case e.At <= 0:
		return "at must be a unix ms time"
	case len(e.Proto) > maxEventProtoKind || len(e.Access) > maxEventProtoKind:
		return "proto and access are short words"
	case len(e.FirstBytes) > MaxEventString || len(e.Path) > MaxEventString:
		return fmt.Sprintf("path and first_bytes are at most %d bytes", MaxEventString)
	case e.Port < 0 || e.Port > 65535 || e.SourcePort < 0 || e.SourcePort > 65535:
		return "ports are 0 to 65535"
	}
	switch e.Kind {
	case wire.EventHoneypot:
		if e.Port == 0 {
			return "a honeypot event needs its port"
		}
		if _, err := netip.ParseAddr(e.SourceIP); err != nil {
			return "a honeypot event needs source_ip, an IP address"
		}
	case wire.EventCanary:
		if e.Path == "" {
			return "a canary event needs its path"
		}
	default:
		return "kind must be honeypot or canary"
	}
	return ""
}
