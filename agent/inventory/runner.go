package inventory

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/monsys/monsys/wire"
)

// Source says where collectors look.
type Source struct {
	Root       string // host root directory, "/" in production
	Proc       string // proc filesystem, Root/proc when empty
	DockerSock string // Docker Engine socket, Root/var/run/docker.sock when empty
}

// collector gathers one kind's items.
type collector struct {
	kind string
	fn   func(ctx context.Context, src Source) (any, error)
}

// collectors lists every kind but processes, which travels with metrics.
func collectors() []collector {
	return []collector{
		{wire.KindHost, collectHost},
		{wire.KindPackages, collectPackages},
		{wire.KindSystemd, collectSystemd},
		{wire.KindUsers, collectUsers},
		{wire.KindGroups, collectGroups},
		{wire.KindSudo, collectSudo},
		{wire.KindSSHKeys, collectSSHKeys},
		{wire.KindContainers, collectContainers},
		{wire.KindSockets, collectSockets},
		{wire.KindBackups, collectBackups},
		{wire.KindUpdates, collectUpdates},
	}
}

// Runner runs the collectors and decides what to send; see the package comment.
type Runner struct {
	src      Source
	interval time.Duration
	log      *slog.Logger
	sent     map[string]sentKind
	timeout  time.Duration
}

type sentKind struct {
	hash [32]byte
	at   time.Time
}

// NewRunner returns a Runner that resends every kind after interval.
func NewRunner(src Source, interval time.Duration, log *slog.Logger) *Runner {
	if src.Root == "" {
		src.Root = "/"
	}
	return &Runner{src: src, interval: interval, log: log, sent: map[string]sentKind{}, timeout: 30 * time.Second}
}

// Collect runs every collector once and returns the parts that are due
// at now. A part's hash counts as sent once Collect returns it: the spool
// delivers it or counts it as dropped.
func (r *Runner) Collect(ctx context.Context, now time.Time) []wire.InventoryPart {
	var parts []wire.InventoryPart
	for _, c := range collectors() {
		part := r.run(ctx, c, now)
		sum := sha256.Sum256(append([]byte(part.Error+"\x00"), part.Items...))
		prev, ok := r.sent[c.kind]
		if ok && prev.hash == sum && now.Sub(prev.at) < r.interval {
			continue
		}
		r.sent[c.kind] = sentKind{hash: sum, at: now}
		parts = append(parts, part)
	}
	return parts
}

// CollectAll runs every collector and returns every part, due or not.
func (r *Runner) CollectAll(ctx context.Context, now time.Time) []wire.InventoryPart {
	parts := make([]wire.InventoryPart, 0, len(collectors()))
	for _, c := range collectors() {
		parts = append(parts, r.run(ctx, c, now))
	}
	return parts
}

func (r *Runner) run(ctx context.Context, c collector, now time.Time) wire.InventoryPart {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	part := wire.InventoryPart{Kind: c.kind, CollectedAt: now.UnixMilli(), Items: json.RawMessage("[]")}
	if c.kind == wire.KindHost {
		part.Items = json.RawMessage("{}") // one object, not a list
	}
	items, err := c.fn(ctx, r.src)
	if err != nil {
		part.Error = err.Error()
		r.log.Debug("inventory collector failed", "kind", c.kind, "err", err)
	}
	if items != nil {
		b, merr := json.Marshal(items)
		if merr != nil {
			part.Error = fmt.Sprintf("encode items: %v", merr)
		} else if string(b) != "null" {
			part.Items = b
		}
	}
	return part
}
