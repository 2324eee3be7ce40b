package api

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/wire"
)

type registerRequest = wire.RegisterRequest
type registerReply = wire.RegisterResponse
type heartbeatRequest = wire.Heartbeat

type heartbeatReply struct {
	Status     string    `json:"status"`
	ServerTime time.Time `json:"server_time"`
}

// registerAgent enrolls a machine or re-registers it (see
// store.RegisterAgent for the key-pinning rules). New agents answer 201,
// known ones 200; both carry a fresh agent token.
func (s *Server) registerAgent(c *fiber.Ctx) error {
	p := principalOf(c)
	var req registerRequest
	if err := s.decodeJSON(c, &req, false); err != nil {
		return err
	}
	pub, errs := validateRegistration(&req)
	if len(errs) > 0 {
		return invalid(errs)
	}
	token, hash, err := auth.NewToken(auth.KindAgent)
	if err != nil {
		return err
	}
	body := rawBody(c)
	tsHeader, sigHeader := c.Get(wire.HeaderTimestamp), c.Get(wire.HeaderSignature)
	reg := store.Registration{
		TenantID: p.TenantID, MachineID: req.MachineID, Hostname: req.Hostname, OS: req.OS, Arch: req.Arch,
		AgentVersion: req.AgentVersion, Pubkey: pub, NewTokenHash: hash, SourceIP: c.IP(),
		Audit: s.auditEvent(c, ""),
		SignedBy: func(key []byte) bool {
			_, err := wire.Verify(key, wire.PurposeRegister, req.MachineID, tsHeader, sigHeader, body, time.Now(), nil)
			return err == nil
		},
	}
	if p.Enrollment != nil {
		reg.EnrollmentTokenID = &p.Enrollment.ID
	}
	if p.Agent != nil {
		reg.CallerAgentID = &p.Agent.ID
	}
	res, err := s.store.RegisterAgent(c.UserContext(), reg)
	if err != nil {
		return answerAs(err, store.ErrConflict, conflict("the agent token belongs to another machine"))
	}
	s.agentTokens.forget(res.Agent.ID) // its old token no longer works
	status := fiber.StatusOK
	if res.Created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(registerReply{AgentID: res.Agent.ID.String(), AgentToken: token, Created: res.Created, HubKey: s.hubKey()})
}

// validateRegistration checks the fields and decodes the signing key.
func validateRegistration(req *registerRequest) ([]byte, []FieldError) {
	var errs []FieldError
	check := func(field, v string, min, max int) string {
		v = strings.TrimSpace(v)
		if n := len(v); n < min || n > max || !utf8.ValidString(v) {
			errs = append(errs, FieldError{Field: field, Message: lengthMessage(min, max)})
		}
		return v
	}
	req.MachineID = check("machine_id", req.MachineID, 1, 256)
	req.Hostname = check("hostname", req.Hostname, 1, 255)
	req.OS = check("os", req.OS, 0, 64)
	req.Arch = check("arch", req.Arch, 0, 64)
	req.AgentVersion = check("agent_version", req.AgentVersion, 0, 64)
	var pub []byte
	if req.SigningPubkey != "" {
		b, err := base64.StdEncoding.DecodeString(req.SigningPubkey)
		if err != nil || len(b) != ed25519.PublicKeySize {
			errs = append(errs, FieldError{Field: "signing_pubkey", Message: "must be a base64 Ed25519 public key (32 bytes)"})
		} else {
			pub = b
		}
	}
	return pub, errs
}

func lengthMessage(min, max int) string {
	if min == 0 {
		return "must be valid UTF-8, at most " + itoa(max) + " bytes"
	}
	return "is required: valid UTF-8, " + itoa(min) + " to " + itoa(max) + " bytes"
}

// heartbeat records that the calling agent is alive (the route's access
// is ownAgent: the path id is the token's agent).
func (s *Server) heartbeat(c *fiber.Ctx) error {
	p := principalOf(c)
	id := p.Agent.ID
	var req heartbeatRequest
	if err := s.decodeJSON(c, &req, false); err != nil {
		return err
	}
	if req.UptimeS < 0 || len(req.AgentVersion) > 64 || req.IntervalS < 0 || req.IntervalS > 86400 || !wire.ValidBinarySHA256(req.BinarySHA256) {
		return invalid([]FieldError{{Field: "heartbeat", Message: "uptime_s ≥ 0, agent_version ≤ 64 bytes, interval_s 0 to 86400, binary_sha256 64 lowercase hex digits"}})
	}
	var interval *int32
	if req.IntervalS > 0 {
		v := int32(req.IntervalS)
		interval = &v
	}
	if err := s.store.Heartbeat(c.UserContext(), p.TenantID, id, req, interval); err != nil {
		return err
	}
	return c.JSON(heartbeatReply{Status: "ok", ServerTime: time.Now().UTC()})
}

// hubKey is the public key agents pin to verify emergency grants ("" when
// the hub runs without the console service).
func (s *Server) hubKey() string {
	if s.console == nil {
		return ""
	}
	return s.console.PublicKey()
}
