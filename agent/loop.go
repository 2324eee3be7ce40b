package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/klauspost/compress/zstd"

	"github.com/monsys/monsys/agent/collect"
	"github.com/monsys/monsys/agent/inventory"
	"github.com/monsys/monsys/agent/sender"
	"github.com/monsys/monsys/agent/spool"
	"github.com/monsys/monsys/wire"
)

// pendingPart is an inventory part waiting for the next batch.
type pendingPart struct{ part wire.InventoryPart }

// maxPending bounds the parts waiting for a batch: more than one pass of
// every kind means batches are not being built, and the newest matter.
const maxPending = 64

// collectLoop builds one batch per interval, on interval boundaries, and
// appends it to the spool.
func (a *Agent) collectLoop(ctx context.Context, sp *spool.Spool, snd *sender.Sender) error {
	col := collect.New(collect.Paths{Proc: a.rootPath("/proc"), Sys: a.rootPath("/sys"), Etc: a.rootPath("/etc")}, a.cfg.TopProcesses)
	a.withContainers(col)
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithWindowSize(1<<20), zstd.WithLowerEncoderMem(true))
	if err != nil {
		return fmt.Errorf("create zstd encoder: %w", err)
	}
	defer enc.Close()
	var jsonBuf, zBuf []byte
	var lost uint64 // intervals the spool could not take
	var decoysDropped uint64
	// The agent's own /proc, wherever the host is mounted.
	self := newSelfStats("/proc")
	// The first reading is the base of the CPU and process deltas.
	if _, err := col.Collect(ctx, time.Now()); err != nil {
		a.log.Warn("some metrics cannot be read", "err", err)
	}
	var next time.Time
	for {
		// One batch per interval boundary: a late pass (busy machine) is
		// caught up at once rather than skipped, so no interval is lost;
		// only after a long stall (suspend) does the schedule realign.
		iv := time.Duration(a.interval.Load())
		next = next.Add(iv)
		if now := time.Now(); next.IsZero() || next.Sub(now) > iv || now.Sub(next) > 10*iv {
			next = now.Truncate(iv).Add(iv)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-a.reset:
			next = time.Time{}
			continue
		case <-time.After(time.Until(next)):
		}
		reading, err := col.Collect(ctx, next)
		if err != nil {
			a.log.Debug("some metrics cannot be read", "err", err)
		}
		b := wire.Batch{BatchID: uuid.NewString(), Seq: sp.NextSeq(), Metrics: reading.Metrics,
			Heartbeat: &wire.Heartbeat{UptimeS: uptimeOf(reading.Metrics), AgentVersion: a.version, IntervalS: int(iv / time.Second),
				BinarySHA256: a.binSum}}
		b.Metrics = append(b.Metrics, self.metrics(next.UnixMilli(), sp.Stats(), snd.Stats(), lost)...)
		if procs, err := json.Marshal(reading.Processes); err == nil {
			b.Inventory = append(b.Inventory, wire.InventoryPart{Kind: wire.KindProcesses, CollectedAt: next.UnixMilli(), Items: procs})
		}
		b.Inventory = append(b.Inventory, a.takeInventory()...)
		b.SecurityEvents = a.decoys.Take()
		if d := a.decoys.Dropped(); d > decoysDropped {
			a.log.Warn("decoy events dropped: more arrived between two batches than the agent keeps", "dropped_total", d)
			decoysDropped = d
		}
		jsonBuf = wire.AppendBatchJSON(jsonBuf[:0], &b)
		zBuf = enc.EncodeAll(jsonBuf, zBuf[:0])
		dropped, err := sp.Append(b.Seq, b.BatchID, zBuf)
		if err != nil {
			// A full or failing disk loses this interval; stopping the
			// agent would lose every later one too.
			lost++
			a.log.Error("cannot spool the batch; this interval is lost", "seq", b.Seq, "lost_total", lost, "err", err)
			continue
		}
		if dropped > 0 {
			a.log.Warn("spool full: dropped the oldest batches", "dropped", dropped, "dropped_total", sp.Stats().Dropped)
		}
		if cap(jsonBuf) > 4<<20 { // an inventory pass made it large: do not keep it for ever
			jsonBuf, zBuf = nil, nil
		}
	}
}

func (a *Agent) rootPath(p string) string {
	if a.cfg.Root == "" || a.cfg.Root == "/" {
		return p
	}
	return a.cfg.Root + p
}

func uptimeOf(ms []wire.Metric) int64 {
	for _, m := range ms {
		if m.Name == "system_uptime_seconds" && len(m.Samples) > 0 {
			return int64(m.Samples[0].Value)
		}
	}
	return 0
}

// inventoryLoop collects inventory on start and every InventoryCheck and
// queues the kinds that are due for the next batch.
func (a *Agent) inventoryLoop(ctx context.Context) error {
	r := inventory.NewRunner(inventory.Source{Root: a.cfg.Root}, a.cfg.InventoryInterval, a.log)
	t := time.NewTicker(a.cfg.InventoryCheck)
	defer t.Stop()
	for {
		started := time.Now()
		parts := r.Collect(ctx, started)
		for _, p := range parts {
			if p.Error != "" {
				a.log.Info("inventory kind incomplete", "kind", p.Kind, "reason", p.Error)
			}
		}
		a.log.Debug("inventory pass", "kinds_due", len(parts), "took_ms", time.Since(started).Milliseconds())
		a.invMu.Lock()
		for _, p := range parts {
			a.invPending = append(a.invPending, pendingPart{part: p})
		}
		if n := len(a.invPending); n > maxPending {
			a.invPending = append(a.invPending[:0], a.invPending[n-maxPending:]...)
		}
		a.invMu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (a *Agent) takeInventory() []wire.InventoryPart {
	a.invMu.Lock()
	defer a.invMu.Unlock()
	out := make([]wire.InventoryPart, 0, len(a.invPending))
	for _, p := range a.invPending {
		out = append(out, p.part)
	}
	a.invPending = a.invPending[:0]
	return out
}

// handlePush applies the hub's messages other than ping.
func (a *Agent) handlePush(ctx context.Context, msg wire.PushMessage) *wire.PushMessage {
	switch msg.Type {
	case wire.PushConfigUpdate:
		if msg.Config == nil {
			return &wire.PushMessage{Type: wire.PushError, ID: msg.ID, Error: "config_update without config"}
		}
		if s := msg.Config.IntervalS; s != 0 {
			if s < 1 || s > 3600 {
				return &wire.PushMessage{Type: wire.PushError, ID: msg.ID, Error: "interval_s must be 1 to 3600"}
			}
			a.interval.Store(int64(time.Duration(s) * time.Second))
			select {
			case a.reset <- struct{}{}:
			default:
			}
			a.log.Info("interval changed by the hub", "interval_s", s)
		}
		return &wire.PushMessage{Type: wire.PushAck, ID: msg.ID}
	case wire.PushPong, wire.PushAck:
		return nil
	}
	return a.handleConsolePush(ctx, msg)
}

// withContainers adds per-container series to col unless --containers=off
// or the host has no cgroup v2 (then it says so once).
func (a *Agent) withContainers(col *collect.Collector) {
	if a.cfg.Containers == "off" {
		return
	}
	root := a.rootPath("/sys/fs/cgroup")
	if !collect.CgroupV2(root) {
		a.log.Info("no container metrics: no cgroup v2 hierarchy", "cgroup_root", root)
		return
	}
	col.WithContainers(collect.ContainerOptions{CgroupRoot: root, Proc: a.rootPath("/proc"), Logger: a.log,
		Sockets: []string{a.rootPath("/var/run/docker.sock"), a.rootPath("/run/podman/podman.sock")}})
}
