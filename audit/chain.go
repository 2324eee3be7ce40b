package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"time"
)

// Row is one stored audit record. Details is the JSON object as
// PostgreSQL renders it (jsonb text), the form the hash covers.
type Row struct {
	ID         int64     `json:"id"`
	TenantID   string    `json:"tenant_id"`
	Seq        int64     `json:"seq"`
	OccurredAt time.Time `json:"occurred_at"`
	ActorType  string    `json:"actor_type"`
	ActorID    string    `json:"actor_id"`
	Type       string    `json:"event_type"`
	TargetType string    `json:"target_type"`
	TargetID   string    `json:"target_id"`
	IP         string    `json:"ip"`
	Details    string    `json:"-"`
	PrevHash   []byte    `json:"-"`
	Hash       []byte    `json:"-"`
}

// canonicalTag starts every row's canonical bytes; a new layout gets a new
// tag.
const canonicalTag = "monsys-audit-v1"

// canonical appends the row's canonical bytes to dst: the tag, then each
// field as a 4-byte big-endian length and its bytes.
func (r *Row) canonical(dst []byte) []byte {
	field := func(s string) {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
		dst = append(dst, s...)
	}
	field(canonicalTag)
	field(r.TenantID)
	field(strconv.FormatInt(r.Seq, 10))
	field(strconv.FormatInt(r.OccurredAt.UnixMicro(), 10))
	field(r.ActorType)
	field(r.ActorID)
	field(r.Type)
	field(r.TargetType)
	field(r.TargetID)
	field(r.IP)
	field(r.Details)
	return dst
}

// computeHash is sha256(prev_hash || canonical bytes).
func (r *Row) computeHash() []byte {
	buf := make([]byte, 0, 256+len(r.Details))
	buf = append(buf, r.PrevHash...)
	buf = r.canonical(buf)
	sum := sha256.Sum256(buf)
	return sum[:]
}
