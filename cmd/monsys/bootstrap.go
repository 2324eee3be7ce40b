package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/monsys/monsys/api"
	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/config"
	"github.com/monsys/monsys/store"
)

// bootstrap creates the first tenant and owner on an empty database and
// prints how to sign in and enroll the first agent. Later starts change
// nothing.
func bootstrap(ctx context.Context, st *store.Store, cfg config.Config, out io.Writer, log *slog.Logger) error {
	password, generated := cfg.AdminPassword, false
	if password == "" {
		password, generated = rand.Text(), true // 26 base32 characters, 130 bits
	} else if err := auth.CheckPasswordPolicy(password); err != nil {
		return fmt.Errorf("MONSYS_ADMIN_PASSWORD: %w", err)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	b, created, err := st.BootstrapFirstOwner(ctx, "Default", "default", cfg.AdminEmail, hash)
	if err != nil || !created {
		return err
	}
	log.Info("first start: created tenant and owner", "tenant", b.Tenant.Slug, "email", b.Owner.Email)
	token, tokHash, err := auth.NewToken(auth.KindEnrollment)
	if err != nil {
		return err
	}
	expires := time.Now().Add(7 * 24 * time.Hour)
	if _, err := st.CreateEnrollmentToken(ctx, store.NewEnrollmentToken{TenantID: b.Tenant.ID, Name: "first start",
		CreatedBy: &b.Owner.ID, TokenHash: tokHash, ExpiresAt: &expires,
		Audit: audit.Event{TenantID: b.Tenant.ID.String(), ActorType: audit.ActorSystem, Type: "enrollment_token_created"}}); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nmonsys first start\n  sign in at %s as %s\n", cfg.PublicURL, b.Owner.Email)
	if generated {
		fmt.Fprintf(out, "  one-time password: %s\n  (shown once; set MONSYS_ADMIN_PASSWORD to choose your own)\n", password)
	}
	fmt.Fprintf(out, "  enroll an agent (token valid 7 days):\n    %s\n", agentCommand(api.EnrollCommand(cfg.PublicURL, token)))
	if cfg.AgentDistDir != "" {
		fmt.Fprintf(out, "  or install it as a service on another machine:\n    %s\n", api.InstallCommand(cfg.PublicURL, token))
	}
	fmt.Fprintln(out)
	return nil
}

// agentCommand points the enroll command at the agent binary that make
// build left in ./bin when there is one, so that it runs as printed; else
// it names monsys-agent on the PATH.
func agentCommand(enroll string) string {
	if st, err := os.Stat(filepath.Join("bin", "monsys-agent")); err == nil && st.Mode().IsRegular() {
		return "./bin/" + enroll
	}
	return enroll
}
