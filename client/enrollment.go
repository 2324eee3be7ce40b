package client

import (
	"context"
	"net/http"
	"time"
)

// EnrollmentToken is a new enrollment token (POST /enrollment-tokens): the
// token itself is shown once.
type EnrollmentToken struct {
	Raw
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	CreatedAt      time.Time  `json:"created_at"`
	ExpiresAt      *time.Time `json:"expires_at"`
	MaxUses        *int32     `json:"max_uses"`
	Uses           int32      `json:"uses"`
	Token          string     `json:"token"`
	Command        string     `json:"command"`         // monsys-agent --hub … --token …
	InstallCommand string     `json:"install_command"` // curl … install.sh … | sudo sh
}

// NewEnrollmentToken is what a token is made with.
type NewEnrollmentToken struct {
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	MaxUses   *int32     `json:"max_uses,omitempty"`
}

// CreateEnrollmentToken makes a token that enrolls agents into the tenant.
func (c *Client) CreateEnrollmentToken(ctx context.Context, n NewEnrollmentToken) (EnrollmentToken, error) {
	var t EnrollmentToken
	err := c.send(ctx, http.MethodPost, "/enrollment-tokens", nil, n, &t)
	return t, err
}
