package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/monsys/monsys/api"
	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/config"
	"github.com/monsys/monsys/store"
)

func newTokenCommand(environ []string, stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage agent enrollment tokens from the server's shell"}
	flags := config.RegisterFlags(cmd.PersistentFlags())
	var tenant, name string
	var ttl time.Duration
	var maxUses int
	create := &cobra.Command{
		Use: "create", Short: "Create an enrollment token and print the command that enrolls a machine", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd.Context(), environ, flags, func(ctx context.Context, cfg config.Config, st *store.Store) error {
				t, err := st.TenantBySlug(ctx, tenant)
				if err != nil {
					return fmt.Errorf("tenant %q: %w", tenant, err)
				}
				token, hash, err := auth.NewToken(auth.KindEnrollment)
				if err != nil {
					return err
				}
				n := store.NewEnrollmentToken{TenantID: t.ID, Name: name, TokenHash: hash,
					Audit: audit.Event{TenantID: t.ID.String(), ActorType: audit.ActorSystem, Type: "enrollment_token_created"}}
				if ttl > 0 {
					exp := time.Now().Add(ttl)
					n.ExpiresAt = &exp
				}
				if maxUses > 0 {
					mu := int32(maxUses)
					n.MaxUses = &mu
				}
				if _, err := st.CreateEnrollmentToken(ctx, n); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "%s\n\nenroll a machine with:\n  %s\n", token, api.EnrollCommand(cfg.PublicURL, token))
				return nil
			})
		},
	}
	create.Flags().StringVar(&tenant, "tenant", "default", "slug of the tenant the agents join")
	create.Flags().StringVar(&name, "name", "cli", "name shown in the token list")
	create.Flags().DurationVar(&ttl, "ttl", 24*time.Hour, "lifetime of the token (0: no expiry)")
	create.Flags().IntVar(&maxUses, "max-uses", 0, "agents it may enroll (0: unlimited)")
	cmd.AddCommand(create)
	return cmd
}
