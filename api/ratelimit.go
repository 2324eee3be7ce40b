package api

import (
	"strconv"

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

// limiters holds one limiter per policy name, built once in New.
type limiters map[string]*ratelimit.Limiter

func (s *Server) limiterFor(rl *rateLimit) *ratelimit.Limiter {
	l, ok := s.limiters[rl.Policy.Name]
	if !ok {
		l = ratelimit.New(rl.Policy, nil)
		s.limiters[rl.Policy.Name] = l
	}
	return l
}

// applyLimit counts the request against the route's limit and sets the
// RateLimit-Policy and RateLimit headers; over the limit it answers 429
// with Retry-After.
func (s *Server) applyLimit(c *fiber.Ctx, rl *rateLimit, l *ratelimit.Limiter, p *principal) error {
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
	d := l.Allow(key)
	pol := rl.Policy
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
