package api

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/ratelimit"
)

// limitKey says what a route's rate limit counts by (reference/API.md).
type limitKey int

const (
	byAgent limitKey = iota + 1
	byUser
	byIP
	byTenant
)

// rateLimit is a route's limit: the policy and what it is keyed by.
type rateLimit struct {
	Policy ratelimit.Policy
	Key    limitKey
}

// The limits of reference/API.md, by policy name. Config.RateQuotas may
// change a quota (tests raise them); ingest's comes from the ingest config.
func limitPolicy(name string, quota int, window time.Duration, key limitKey) *rateLimit {
	return &rateLimit{Policy: ratelimit.Policy{Name: name, Quota: quota, Window: window}, Key: key}
}

var (
	loginLimit         = func() *rateLimit { return limitPolicy("login", 10, time.Minute, byIP) }
	totpChallengeLimit = func() *rateLimit { return limitPolicy("totp_challenge", 10, time.Minute, byIP) }
	forgotLimit        = func() *rateLimit { return limitPolicy("forgot_password", 5, time.Hour, byIP) }
	inviteLimit        = func() *rateLimit { return limitPolicy("invitations", 20, time.Hour, byTenant) }
	rotateTokenLimit   = func() *rateLimit { return limitPolicy("rotate_token", 10, time.Hour, byUser) }
	rotateKeyLimit     = func() *rateLimit { return limitPolicy("rotate_signing_key", 10, time.Hour, byUser) }
	userLimit          = func() *rateLimit { return limitPolicy("user", 1000, time.Minute, byIP) }
	diagramShareLimit  = func() *rateLimit { return limitPolicy("diagram_share", 60, time.Minute, byIP) }
)

// counter is a rate limiter: in memory, or shared through PostgreSQL when
// the hub runs in a cluster.
type counter interface {
	Take(ctx context.Context, key string) (ratelimit.Decision, error)
	Peek(ctx context.Context, key string) (ratelimit.Decision, error)
}

// limiters holds one counter per policy name, built in New and only read
// after it (handlers run concurrently).
type limiters map[string]counter

// limiterFor returns the policy's counter, creating it on first use, with
// the quota Config.RateQuotas sets for it, if any.
func (s *Server) limiterFor(rl *rateLimit) counter {
	if q, ok := s.cfg.RateQuotas[rl.Policy.Name]; ok {
		rl.Policy.Quota = q
	}
	l, ok := s.limiters[rl.Policy.Name]
	if !ok {
		if s.sharedLimits != nil {
			l = ratelimit.NewShared(rl.Policy, s.sharedLimits)
		} else {
			l = ratelimit.New(rl.Policy, s.cfg.RateClock)
		}
		s.limiters[rl.Policy.Name] = l
	}
	return l
}

// applyLimit counts the request against the route's limit and sets the
// RateLimit-Policy and RateLimit headers; over the limit it answers 429
// with Retry-After.
func (s *Server) applyLimit(c *fiber.Ctx, rl *rateLimit, l counter, p *principal) error {
	var key string
	switch rl.Key {
	case byAgent:
		if p != nil && p.Agent != nil {
			key = "agent:" + p.Agent.ID.String()
		}
	case byUser:
		if p != nil {
			key = "user:" + p.UserID.String()
		}
	case byTenant:
		if p != nil {
			key = "tenant:" + p.TenantID.String()
		}
	}
	if key == "" {
		key = "ip:" + c.IP()
	}
	d, err := l.Take(c.UserContext(), key)
	if err != nil {
		return err
	}
	return limitAnswer(c, rl.Policy, d)
}

// limitAnswer sets the RateLimit headers of a decision and turns a refusal
// into a 429 problem with Retry-After.
func limitAnswer(c *fiber.Ctx, pol ratelimit.Policy, d ratelimit.Decision) error {
	c.Set("RateLimit-Policy", `"`+pol.Name+`";q=`+strconv.Itoa(pol.Quota)+`;w=`+strconv.Itoa(int(pol.Window.Seconds())))
	c.Set("RateLimit", `"`+pol.Name+`";r=`+strconv.Itoa(d.Remaining)+`;t=`+strconv.Itoa(d.RetryAfterSeconds()))
	if !d.Allowed {
		p := newProblem(fiber.StatusTooManyRequests, "rate-limited",
			"more than "+strconv.Itoa(pol.Quota)+" requests in "+pol.Window.String()+" ("+pol.Name+"); retry after the window")
		p.RetryAfter = d.RetryAfterSeconds()
		return p
	}
	return nil
}

func limitKeyName(k limitKey) string {
	switch k {
	case byAgent:
		return "agent"
	case byUser:
		return "user"
	case byTenant:
		return "tenant"
	}
	return "ip"
}
