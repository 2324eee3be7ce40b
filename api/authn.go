package api

import (
	"crypto/subtle"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
)

// principal is who is calling, resolved once per request by guard.
type principal struct {
	TenantID   uuid.UUID
	UserID     uuid.UUID // the person, or the API key's creator
	Role       auth.Role
	Session    *store.Session         // set for cookie sessions
	APIKey     *store.APIKey          // set for API keys
	Agent      *store.Agent           // set for agent tokens
	Enrollment *store.EnrollmentToken // set for enrollment tokens
}

const localPrincipal = "principal"

func principalOf(c *fiber.Ctx) *principal {
	p, _ := c.Locals(localPrincipal).(*principal)
	return p
}

// guard authenticates the caller as the route demands and checks the role.
// It answers 401 when no acceptable credential is present or it is not
// valid, and 403 when a person's role is too low or a cookie request fails
// the CSRF check.
func (s *Server) guard(r route) fiber.Handler {
	var limiter counter
	if r.Limit != nil {
		limiter = s.limiterFor(r.Limit)
	}
	// Limits by IP count before authentication, so floods of bad
	// credentials are limited too; the others need the principal.
	early := limiter != nil && r.Limit.Key == byIP
	return func(c *fiber.Ctx) error {
		c.Locals(localRoute, r.Path)
		// The account routes anyone may call (login, reset, invitations)
		// still change state: a browser must not be made to call them
		// from another site (login CSRF, planted invitations).
		if r.Access == public && !safeMethod(c.Method()) && s.crossSite(c) {
			return forbidden("cross-site requests cannot change state")
		}
		if early {
			if err := s.applyLimit(c, r.Limit, limiter, nil); err != nil {
				return err
			}
		}
		var p *principal
		if r.Access != public {
			var err error
			if p, err = s.authenticate(c, r.Access); err != nil {
				return err
			}
			if p.Agent == nil && (r.Access == person || r.Access == writer || r.Access == signedIn) && !p.Role.AtLeast(r.MinRole) {
				return forbidden("this action needs the " + string(r.MinRole) + " role or higher")
			}
			c.Locals(localPrincipal, p)
		}
		if limiter != nil && !early {
			if err := s.applyLimit(c, r.Limit, limiter, p); err != nil {
				return err
			}
		}
		if r.Access == ownAgent {
			if err := isOwnAgent(c, p); err != nil {
				return err
			}
		}
		if err := checkRequestText(c); err != nil {
			return err
		}
		return c.Next()
	}
}

// isOwnAgent checks that the path's :id is the calling agent: an agent
// reaches only its own resources, and any other id, whoever it belongs
// to, answers 404.
func isOwnAgent(c *fiber.Ctx, p *principal) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if id != p.Agent.ID {
		return notFound("this token belongs to another agent")
	}
	return nil
}

func (s *Server) authenticate(c *fiber.Ctx, a access) (*principal, error) {
	if token, ok := bearer(c); ok && a != signedIn {
		return s.authenticateBearer(c, a, token)
	}
	if a == person || a == signedIn {
		if secret := c.Cookies(s.sessionCookieName()); secret != "" {
			return s.authenticateSession(c, secret)
		}
	}
	return nil, unauthorized(credentialHint(a))
}

func credentialHint(a access) string {
	switch a {
	case agentOnly, ownAgent:
		return "send the agent token as Authorization: Bearer msa_…"
	case enrollment:
		return "send an enrollment token (mse_…) or the agent's token (msa_…) as Authorization: Bearer"
	case writer:
		return "send an agent token (msa_…) or an API key (msk_…) as Authorization: Bearer"
	case signedIn:
		return "sign in: this route takes a session cookie, not an API key"
	}
	return "sign in (session cookie) or send an API key as Authorization: Bearer msk_…"
}

func bearer(c *fiber.Ctx) (string, bool) {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	return strings.TrimSpace(h[7:]), true
}

func (s *Server) authenticateBearer(c *fiber.Ctx, a access, token string) (*principal, error) {
	kind, err := auth.ParseToken(token)
	if err != nil {
		return nil, unauthorized("the bearer token is malformed")
	}
	accepted := (a == person && kind == auth.KindAPIKey) ||
		(a == writer && (kind == auth.KindAPIKey || kind == auth.KindAgent)) ||
		((a == agentOnly || a == ownAgent) && kind == auth.KindAgent) ||
		(a == enrollment && (kind == auth.KindEnrollment || kind == auth.KindAgent))
	if !accepted {
		return nil, unauthorized("this route does not take that kind of token: " + credentialHint(a))
	}
	hash := auth.HashToken(token)
	ctx := c.UserContext()
	switch kind {
	case auth.KindAPIKey:
		k, err := s.store.UseAPIKey(ctx, hash)
		if err != nil {
			return nil, credentialErr(err, "the API key is unknown, revoked or expired")
		}
		p := &principal{TenantID: k.TenantID, Role: k.Role, APIKey: &k}
		if k.CreatedBy != nil {
			p.UserID = *k.CreatedBy
		}
		return p, nil
	case auth.KindAgent:
		ag, ok := s.agentTokens.get(hash)
		if !ok {
			var err error
			if ag, err = s.store.AgentByToken(ctx, hash); err != nil {
				return nil, credentialErr(err, "the agent token is unknown, rotated or revoked")
			}
			s.agentTokens.put(hash, ag)
		}
		return &principal{TenantID: ag.TenantID, Agent: &ag}, nil
	default:
		et, err := s.store.LiveEnrollmentToken(ctx, hash)
		if err != nil {
			return nil, credentialErr(err, "the enrollment token is unknown, revoked, expired or used up")
		}
		return &principal{TenantID: et.TenantID, Enrollment: &et}, nil
	}
}

// credentialErr answers 401 for an unknown credential and passes storage
// failures on as 500s.
func credentialErr(err error, detail string) error {
	return answerAs(err, store.ErrNotFound, unauthorized(detail))
}

func (s *Server) authenticateSession(c *fiber.Ctx, secret string) (*principal, error) {
	sess, err := s.store.TouchSession(c.UserContext(), auth.HashToken(secret), s.cfg.SessionIdle)
	if err != nil {
		return nil, credentialErr(err, "the session has ended; sign in again")
	}
	m, err := s.store.Membership(c.UserContext(), sess.TenantID, sess.UserID)
	if err != nil {
		return nil, credentialErr(err, "the session's tenant membership is gone; sign in again")
	}
	if !safeMethod(c.Method()) {
		if err := s.checkCSRF(c, sess.CSRFToken); err != nil {
			return nil, err
		}
	}
	return &principal{TenantID: sess.TenantID, UserID: sess.UserID, Role: m.Role, Session: &sess}, nil
}

func safeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// checkCSRF protects cookie-authenticated state changes. A request a
// browser marks as cross-site, or whose Origin is not the hub's, is refused
// outright; otherwise it needs the session's X-CSRF-Token or a browser's
// word that it is same-origin.
func (s *Server) checkCSRF(c *fiber.Ctx, want string) error {
	if s.crossSite(c) {
		return forbidden("cross-site requests cannot change state")
	}
	got := c.Get("X-CSRF-Token")
	if got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 {
		return nil
	}
	if c.Get("Sec-Fetch-Site") == "same-origin" || c.Get(fiber.HeaderOrigin) == s.publicOrigin() {
		return nil
	}
	return forbidden("a cookie-authenticated request that changes state needs the X-CSRF-Token header from login")
}

// publicOrigin is scheme://host[:port] of the configured public URL.
func (s *Server) publicOrigin() string {
	u := s.cfg.PublicURL
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			return u[:i+3+j]
		}
	}
	return u
}
