package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/monsys/monsys/store"
)

// Config tunes delivery. Zero fields take the defaults in doc.go.
type Config struct {
	Policy       Policy
	Schedule     []time.Duration // delay before each retry
	DisableAfter time.Duration
	Timeout      time.Duration // per attempt, 15 to 30 s in production
	Batch        int           // deliveries claimed per pass (default 50)
	Concurrency  int           // attempts in flight (default 8)
	Metrics      *Metrics      // nil: not counted
}

// DefaultSchedule is the Standard Webhooks retry schedule after the first
// attempt.
var DefaultSchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Outbox is the storage a Deliverer works on; *store.Store is the real one.
type Outbox interface {
	ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]store.DueDelivery, error)
	RecordAttempt(ctx context.Context, d store.DueDelivery, a store.Attempt, disableAfter time.Duration) error
}

// Deliverer sends due deliveries from the outbox.
type Deliverer struct {
	out    Outbox
	cfg    Config
	client *http.Client
	log    *slog.Logger
}

// New returns a Deliverer.
func New(out Outbox, cfg Config, log *slog.Logger) *Deliverer {
	if cfg.Schedule == nil {
		cfg.Schedule = DefaultSchedule
	}
	if cfg.DisableAfter <= 0 {
		cfg.DisableAfter = 5 * 24 * time.Hour
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 20 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 50
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	return &Deliverer{out: out, cfg: cfg, client: newClient(cfg.Policy, cfg.Timeout), log: log.With("component", "webhooks")}
}

// Run delivers everything due now, one claimed batch after another, and
// returns when nothing is due (the worker runs it every few seconds).
func (d *Deliverer) Run(ctx context.Context) error {
	// The lease outlives an attempt: a claimed delivery is not sent twice
	// at once, and one whose hub died is retried when the lease ends.
	lease := 2*d.cfg.Timeout + 10*time.Second
	for ctx.Err() == nil {
		due, err := d.out.ClaimDeliveries(ctx, d.cfg.Batch, lease)
		if err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		sem := make(chan struct{}, d.cfg.Concurrency)
		var wg sync.WaitGroup
		for _, dl := range due {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				start := time.Now()
				a := d.attempt(ctx, dl)
				d.cfg.Metrics.observe(outcome(a), time.Since(start).Seconds())
				if err := d.out.RecordAttempt(context.WithoutCancel(ctx), dl, a, d.cfg.DisableAfter); err != nil {
					d.log.Warn("cannot record webhook attempt", "delivery", dl.ID, "err", err)
				}
			}()
		}
		wg.Wait()
		if len(due) < d.cfg.Batch {
			return nil
		}
	}
	return nil
}

// attempt sends one delivery and says what happened and when to retry.
func (d *Deliverer) attempt(ctx context.Context, dl store.DueDelivery) store.Attempt {
	status, err := d.send(ctx, dl)
	if err == nil && status >= 200 && status < 300 {
		return store.Attempt{OK: true, Status: status}
	}
	a := store.Attempt{Status: status}
	if err != nil {
		a.Error = describe(err)
	} else {
		a.Error = "answered HTTP " + strconv.Itoa(status)
	}
	if n := int(dl.Attempts); n < len(d.cfg.Schedule) {
		delay := d.cfg.Schedule[n]
		delay += time.Duration((rand.Float64()*0.4 - 0.2) * float64(delay)) // ±20 %
		next := time.Now().Add(delay)
		a.Next = &next
	}
	return a
}

func outcome(a store.Attempt) result {
	switch {
	case a.OK:
		return resultDelivered
	case a.Next != nil:
		return resultRetry
	}
	return resultFailed
}

// MessageID is the webhook-id of a delivery: the same on every retry.
func MessageID(deliveryID int64) string { return "msg_" + strconv.FormatInt(deliveryID, 10) }

func (d *Deliverer) send(ctx context.Context, dl store.DueDelivery) (int, error) {
	body, err := json.Marshal(newPayload(dl))
	if err != nil {
		return 0, fmt.Errorf("encode payload: %w", err)
	}
	id := MessageID(dl.ID)
	ts := time.Now().Unix()
	sig, err := Sign(dl.Secret, id, ts, body)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dl.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "monsys-webhooks/1")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // drain a little so the connection can be reused
	return resp.StatusCode, nil
}
