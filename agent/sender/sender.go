package sender

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/monsys/monsys/agent/spool"
	"github.com/monsys/monsys/wire"
)

// Backoff limits.
const (
	MinBackoff     = time.Second
	MaxBackoff     = 60 * time.Second
	MaxRetryAfter  = 10 * time.Minute
	requestTimeout = 30 * time.Second
)

// Credentials are what a request is sent with.
type Credentials struct {
	AgentID string
	Token   string
	Key     ed25519.PrivateKey
}

// Sender posts batches to one hub.
type Sender struct {
	url    string
	client *http.Client
	creds  func() Credentials
	log    *slog.Logger
	now    func() time.Time

	delivered, rejected, retries atomic.Uint64
}

// New returns a Sender for the hub at hubURL. creds is called for every
// attempt, so a re-registration's new token is used at once.
func New(hubURL string, client *http.Client, creds func() Credentials, log *slog.Logger) *Sender {
	if client == nil {
		client = &http.Client{Timeout: requestTimeout}
	}
	return &Sender{url: strings.TrimRight(hubURL, "/") + "/api/v1/ingest", client: client, creds: creds,
		log: log.With("component", "sender"), now: time.Now}
}

// Outcome is what became of one attempt.
type Outcome int

// Outcomes of Send.
const (
	Delivered Outcome = iota // 2xx: the hub has it
	Rejected                 // 4xx but 429: sending again cannot help
	Retry                    // 429, 5xx, timeout or network error
)

// Result is one attempt's outcome.
type Result struct {
	Outcome    Outcome
	Status     int           // 0 for network errors
	RetryAfter time.Duration // from the answer, 0 when absent
	Detail     string        // problem detail or error text, for the log
}

// Send makes one attempt at delivering e.
func (s *Sender) Send(ctx context.Context, e spool.Entry) Result {
	c := s.creds()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(e.Body))
	if err != nil {
		return Result{Outcome: Rejected, Detail: err.Error()}
	}
	ts, sig := wire.Sign(c.Key, wire.PurposeIngest, c.AgentID, s.now(), e.Body)
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "zstd")
	req.Header.Set(wire.HeaderTimestamp, ts)
	req.Header.Set(wire.HeaderSignature, sig)
	resp, err := s.client.Do(req)
	if err != nil {
		return Result{Outcome: Retry, Detail: err.Error()}
	}
	defer resp.Body.Close()                                  // drained below
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10)) // the detail is only for the log
	r := Result{Status: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), s.now()),
		Detail: problemDetail(body)}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		r.Outcome = Delivered
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout:
		r.Outcome = Retry
	default:
		r.Outcome = Rejected
	}
	return r
}

// parseRetryAfter reads delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		if n > int(MaxRetryAfter/time.Second) { // before multiplying: a huge value would overflow
			return MaxRetryAfter
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), MaxRetryAfter)
	}
	return 0
}

func problemDetail(body []byte) string {
	var p struct{ Title, Detail string }
	if json.Unmarshal(body, &p) == nil && (p.Detail != "" || p.Title != "") {
		return strings.TrimSpace(p.Title + ": " + p.Detail)
	}
	if len(body) > 200 {
		body = body[:200]
	}
	return string(body)
}

// Backoff is the wait before attempt number attempt+1 of a batch: the
// hub's Retry-After plus up to 5 % when it sent one, else 1 s doubling
// per failed attempt up to 60 s, plus up to half again of jitter, capped
// at 60 s.
func Backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return max(retryAfter+time.Duration(rand.Int64N(int64(retryAfter/20)+1)), MinBackoff)
	}
	base := MinBackoff << min(attempt, 6)
	d := base + time.Duration(rand.Int64N(int64(base/2)+1))
	return min(d, MaxBackoff)
}

// Run delivers the spool's batches until ctx ends.
func (s *Sender) Run(ctx context.Context, sp *spool.Spool) error {
	attempt := 0
	for {
		e, ok, err := sp.Oldest()
		if err != nil {
			return fmt.Errorf("read spool: %w", err)
		}
		if !ok {
			select {
			case <-ctx.Done():
				return nil
			case <-sp.Notify():
				continue
			}
		}
		r := s.Send(ctx, e)
		if ctx.Err() != nil {
			return nil
		}
		switch r.Outcome {
		case Delivered:
			s.delivered.Add(1)
			attempt = 0
			if err := sp.Remove(e.Seq, e.BatchID); err != nil {
				return err
			}
		case Rejected:
			s.rejected.Add(1)
			attempt = 0
			s.log.Warn("hub refused a batch; dropped it", "batch_id", e.BatchID, "seq", e.Seq, "status", r.Status, "detail", r.Detail)
			if err := sp.Remove(e.Seq, e.BatchID); err != nil {
				return err
			}
		case Retry:
			s.retries.Add(1)
			d := Backoff(attempt, r.RetryAfter)
			attempt++
			if attempt == 1 || attempt%10 == 0 {
				s.log.Warn("hub unavailable; batch kept for retry", "batch_id", e.BatchID, "status", r.Status,
					"detail", r.Detail, "attempt", attempt, "retry_in", d.String())
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(d):
			}
		}
	}
}

// Stats are the sender's counters since start.
type Stats struct {
	Delivered, Rejected, Retries uint64
}

// Stats returns the counters.
func (s *Sender) Stats() Stats {
	return Stats{Delivered: s.delivered.Load(), Rejected: s.rejected.Load(), Retries: s.retries.Load()}
}
