package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/monsys/monsys/agent/console"
	"github.com/monsys/monsys/agent/decoy"
	"github.com/monsys/monsys/agent/enroll"
	"github.com/monsys/monsys/agent/inventory"
	"github.com/monsys/monsys/agent/push"
	"github.com/monsys/monsys/agent/sender"
	"github.com/monsys/monsys/agent/spool"
)

// Agent is one run of the agent.
type Agent struct {
	cfg     Config
	log     *slog.Logger
	version string
	binSum  string // SHA-256 of the running binary, hex; "" when unreadable
	client  *http.Client

	creds    atomic.Pointer[sender.Credentials]
	interval atomic.Int64 // nanoseconds; a config update may change it
	reset    chan struct{}

	decoys *decoy.Queue // honeypot and canary events for the next batch

	invMu      sync.Mutex
	invPending []pendingPart // collected, waiting for the next batch
	started    time.Time

	console *console.Manager // set when the push channel runs
	grants  *console.Grants
}

// New returns an agent; Run starts it.
func New(cfg Config, log *slog.Logger, version string) *Agent {
	a := &Agent{cfg: cfg, log: log, version: version, client: &http.Client{Timeout: 30 * time.Second},
		reset: make(chan struct{}, 1), started: time.Now(), binSum: ownBinarySHA256(), decoys: &decoy.Queue{}}
	a.interval.Store(int64(cfg.Interval))
	return a
}

// Enroll loads or creates the agent's identity and registers it. It fails
// when the hub refuses the agent or cannot be reached on a first start.
func (a *Agent) Enroll(ctx context.Context) (enroll.Identity, error) {
	if err := enroll.OpenDir(a.cfg.StateDir); err != nil {
		return enroll.Identity{}, err
	}
	machineID, err := a.machineID()
	if err != nil {
		return enroll.Identity{}, err
	}
	host, _ := os.Hostname() // empty hostname is refused by the hub with a clear problem
	id, err := enroll.Ensure(ctx, a.client, enroll.Options{
		Dir: a.cfg.StateDir, HubURL: a.cfg.Hub, EnrollmentToken: a.cfg.Token,
		Request: enroll.Request{MachineID: machineID, Hostname: host, OS: runtime.GOOS, Arch: runtime.GOARCH, AgentVersion: a.version},
	}, a.log)
	if err != nil {
		return id, err
	}
	a.creds.Store(&sender.Credentials{AgentID: id.State.AgentID, Token: id.State.AgentToken, Key: id.Key})
	return id, nil
}

// machineID is the host's machine id, or one generated once and kept in
// the state directory when the host has none.
func (a *Agent) machineID() (string, error) {
	if id := inventory.MachineID(a.cfg.Root); id != "" {
		return id, nil
	}
	path := filepath.Join(a.cfg.StateDir, "machine-id")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return string(b[:32]), nil
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("generate machine id: %w", err)
	}
	id := hex.EncodeToString(raw[:])
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("save machine id: %w", err)
	}
	return id, nil
}

// Run enrolls, then collects and sends until ctx ends. It returns after
// every goroutine it started has stopped.
func (a *Agent) Run(ctx context.Context) error {
	id, err := a.Enroll(ctx)
	if err != nil {
		return err
	}
	sp, err := spool.Open(filepath.Join(a.cfg.StateDir, "spool"), a.cfg.SpoolMaxBytes)
	if err != nil {
		return err
	}
	st := sp.Stats()
	a.log.Info("monsys-agent running", "version", a.version, "agent_id", id.State.AgentID, "hub", id.State.HubURL,
		"interval", a.cfg.Interval.String(), "spool_batches", st.Batches, "spool_bytes", st.Bytes,
		"spool_max_bytes", a.cfg.SpoolMaxBytes, "spool_sync", a.cfg.SpoolSync.String())
	snd := sender.New(id.State.HubURL, a.client, func() sender.Credentials { return *a.creds.Load() }, a.log)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	var errMu sync.Mutex
	var errs []error
	goRun := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil {
				errMu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				errMu.Unlock()
				cancel(err)
			}
		}()
	}
	goRun("sender", func(ctx context.Context) error { return snd.Run(ctx, sp) })
	goRun("spool sync", func(ctx context.Context) error { return a.syncLoop(ctx, sp) })
	goRun("inventory", a.inventoryLoop)
	goRun("collector", func(ctx context.Context) error { return a.collectLoop(ctx, sp, snd) })
	if err := a.startDecoys(goRun); err != nil {
		cancel(err)
		errs = append(errs, err)
	}
	if a.cfg.Push {
		a.console = a.newConsole(id)
		defer a.console.Wait()
		pc := push.New(id.State.HubURL, id.State.AgentID, func() string { return a.creds.Load().Token }, a.handlePush, a.log)
		goRun("push", pc.Run)
	}
	wg.Wait()
	if err := sp.Sync(); err != nil {
		errs = append(errs, fmt.Errorf("final spool sync: %w", err))
	}
	a.log.Info("monsys-agent stopped", "spool_batches", sp.Stats().Batches)
	return errors.Join(errs...)
}

func (a *Agent) syncLoop(ctx context.Context, sp *spool.Spool) error {
	t := time.NewTicker(a.cfg.SpoolSync)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := sp.Sync(); err != nil {
				a.log.Warn("spool fsync failed", "err", err)
			}
		}
	}
}
