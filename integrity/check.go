package integrity

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/wire"
)

// Store is what the check reads and writes; *store.Store is one.
type Store interface {
	IntegritySubjects(ctx context.Context, limit int) ([]store.IntegritySubject, error)
	IdentitySharers(ctx context.Context, tenantID, agentID uuid.UUID, k store.IdentityKeys, liveWithin time.Duration) ([]store.IdentitySharer, error)
	RecordIntegrityVerdict(ctx context.Context, v store.IntegrityVerdict) error
}

// liveWithin is how recently another agent must have reported for a
// shared identity to be a duplicate rather than a re-registration.
const liveWithin = time.Hour

// batchSize is how many agents one pass judges at most; the next pass
// (the job runs every minute) takes the rest.
const batchSize = 500

// Checker is the integrity check.
type Checker struct {
	st     Store
	builds *Builds // nil: binaries are not checked
	log    *slog.Logger
}

// New is a check over st; builds (nil when the hub serves no agent
// binaries) are the hashes an agent's binary must match.
func New(st Store, builds *Builds, log *slog.Logger) *Checker {
	return &Checker{st: st, builds: builds, log: log}
}

// Run judges every agent whose version, binary or DNA moved since it was
// last judged (a worker job).
func (c *Checker) Run(ctx context.Context) error {
	subjects, err := c.st.IntegritySubjects(ctx, batchSize)
	if err != nil {
		return err
	}
	var served map[string]string
	if c.builds != nil {
		if served, err = c.builds.Hashes(); err != nil {
			c.log.Warn("integrity check: cannot read the agent builds; binaries are not judged this pass", "err", err)
		}
	}
	for _, sub := range subjects {
		v, err := c.judge(ctx, sub, served)
		if err != nil {
			return err
		}
		if err := c.st.RecordIntegrityVerdict(ctx, v); err != nil {
			return err
		}
		for _, a := range v.Anomalies {
			c.log.Warn("integrity anomaly", "kind", a.Kind, "agent_id", sub.AgentID, "hostname", sub.Hostname)
		}
	}
	return nil
}

// judge applies doc.go's rules to one agent.
func (c *Checker) judge(ctx context.Context, sub store.IntegritySubject, served map[string]string) (store.IntegrityVerdict, error) {
	v := store.IntegrityVerdict{Subject: sub}
	if sub.Version != "" && sub.Version != sub.PrevVersion {
		v.VersionSeen = true
		if lowerVersion(sub.Version, sub.PrevVersion) {
			v.Anomalies = append(v.Anomalies, store.IntegrityAnomaly{Kind: "agent_version_downgrade",
				Detail: map[string]any{"from": sub.PrevVersion, "to": sub.Version}})
		}
	}
	if len(served) > 0 && sub.BinarySHA256 != "" && sub.BinarySHA256 != sub.PrevBinary {
		if _, ok := served[sub.BinarySHA256]; !ok {
			v.Anomalies = append(v.Anomalies, store.IntegrityAnomaly{Kind: "agent_binary_unknown",
				Detail: map[string]any{"binary_sha256": sub.BinarySHA256, "version": sub.Version}})
		}
	}
	cur, prev := decodeDNA(sub.DNA), decodeDNA(sub.PrevDNA)
	v.Keys = keysOf(cur)
	if reasons := unexplainedChanges(prev, cur); reasons != nil {
		v.Anomalies = append(v.Anomalies, store.IntegrityAnomaly{Kind: "dna_changed",
			Detail: map[string]any{"changed": reasons, "before": prev, "after": cur}})
	}
	if fresh := newKeys(keysOf(prev), v.Keys); fresh != (store.IdentityKeys{}) {
		sharers, err := c.st.IdentitySharers(ctx, sub.TenantID, sub.AgentID, fresh, liveWithin)
		if err != nil {
			return v, err
		}
		v.Anomalies = append(v.Anomalies, sharingAnomalies(sub, sharers)...)
	}
	return v, nil
}

// newKeys are the keys of cur that prev did not have.
func newKeys(prev, cur store.IdentityKeys) store.IdentityKeys {
	keep := func(p, c string) string {
		if c == p {
			return ""
		}
		return c
	}
	return store.IdentityKeys{ProductUUID: keep(prev.ProductUUID, cur.ProductUUID),
		CloudInstanceID: keep(prev.CloudInstanceID, cur.CloudInstanceID),
		SSHKeys:         keep(prev.SSHKeys, cur.SSHKeys), Disks: keep(prev.Disks, cur.Disks)}
}

// sharingAnomalies: a live agent sharing an identity is a duplicate; one
// that is gone, under another machine id, is a re-registration.
func sharingAnomalies(sub store.IntegritySubject, sharers []store.IdentitySharer) []store.IntegrityAnomaly {
	var out []store.IntegrityAnomaly
	for _, o := range sharers {
		detail := map[string]any{"other_agent_id": o.AgentID.String(), "other_hostname": o.Hostname,
			"other_machine_id": o.MachineID, "machine_id": sub.MachineID, "shared": o.Shared}
		switch {
		case o.Live:
			out = append(out, store.IntegrityAnomaly{Kind: "dna_duplicate", Detail: detail})
		case o.MachineID != sub.MachineID:
			out = append(out, store.IntegrityAnomaly{Kind: "dna_reregistered", Detail: detail})
		}
	}
	return out
}

func decodeDNA(raw json.RawMessage) *wire.HostDNA {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var d wire.HostDNA
	if json.Unmarshal(raw, &d) != nil {
		return nil // stored by the ingest decoder from the agent's JSON; unreadable is no DNA
	}
	return &d
}
