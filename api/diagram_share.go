package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/store"
)

// Share links: a 256-bit random token, shown once, stored only as its
// SHA-256. The public route answers 404 alike for a wrong, expired or
// revoked token, and is rate-limited per client address so tokens cannot
// be guessed (2^256 of them would not be anyway).
const (
	shareTokenBytes   = 32
	defaultShareHours = 24 * 7
	maxShareHours     = 24 * 365
	maxShareTokenLen  = 64
)

type shareRequest struct {
	ExpiresInHours int `json:"expires_in_hours"` // 1 to 8760; 168 (a week) when 0
}

type shareReply struct {
	Token     string    `json:"token"`   // shown once
	APIURL    string    `json:"api_url"` // the public, read-only answer (JSON: name and Mermaid source)
	ExpiresAt time.Time `json:"expires_at"`
}

func shareHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

func (s *Server) shareDiagram(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req shareRequest
	if err := s.decodeOptionalJSON(c, &req); err != nil {
		return err
	}
	if req.ExpiresInHours == 0 {
		req.ExpiresInHours = defaultShareHours
	}
	if req.ExpiresInHours < 1 || req.ExpiresInHours > maxShareHours {
		return invalid([]FieldError{{Field: "expires_in_hours", Message: "1 to 8760 hours"}})
	}
	raw := make([]byte, shareTokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return fmt.Errorf("make share token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	expires := time.Now().Add(time.Duration(req.ExpiresInHours) * time.Hour).UTC().Truncate(time.Second)
	if err := s.store.ShareDiagram(c.UserContext(), principalOf(c).TenantID, id, shareHash(token), expires, s.auditEvent(c, "diagram_shared")); err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(shareReply{Token: token, APIURL: "/api/v1/diagrams/share/" + token, ExpiresAt: expires})
}

func (s *Server) unshareDiagram(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.UnshareDiagram(c.UserContext(), principalOf(c).TenantID, id, s.auditEvent(c, "diagram_unshared")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// sharedDiagramReply is all a share link shows: no ids, no tenant.
type sharedDiagramReply struct {
	Name      string    `json:"name"`
	Source    string    `json:"source"`
	UpdatedAt time.Time `json:"updated_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// sharedDiagram is the public, read-only view of a shared diagram.
func (s *Server) sharedDiagram(c *fiber.Ctx) error {
	c.Set("X-Robots-Tag", "noindex, nofollow, noarchive")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	c.Set("Cache-Control", "no-store")
	c.Set("Referrer-Policy", "no-referrer")
	token := c.Params("token")
	if len(token) == 0 || len(token) > maxShareTokenLen {
		return notFound("no such shared diagram, or its link was revoked or expired")
	}
	d, err := s.store.SharedDiagram(c.UserContext(), shareHash(token), time.Now())
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("no such shared diagram, or its link was revoked or expired")
		}
		return err
	}
	return c.JSON(sharedDiagramReply{Name: d.Name, Source: d.Source, UpdatedAt: utc(d.UpdatedAt), ExpiresAt: utc(*d.ShareExpiresAt)})
}
