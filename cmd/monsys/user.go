package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/config"
	"github.com/monsys/monsys/store"
)

// newUserCommand manages people from the server's shell: the way back in
// when the owner's password is lost.
func newUserCommand(environ []string, stdin io.Reader, stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage people from the server's shell"}
	flags := config.RegisterFlags(cmd.PersistentFlags())
	var tenant, role string
	var fromStdin bool

	create := &cobra.Command{
		Use: "create EMAIL", Short: "Add a person to a tenant and print a one-time password (or read one with --password-stdin)",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := auth.ParseRole(role)
			if err != nil {
				return err
			}
			password, generated, err := readPassword(stdin, fromStdin)
			if err != nil {
				return err
			}
			return withStore(cmd.Context(), environ, flags, func(ctx context.Context, _ config.Config, st *store.Store) error {
				t, err := st.TenantBySlug(ctx, tenant)
				if err != nil {
					return fmt.Errorf("tenant %q: %w", tenant, err)
				}
				hash, err := auth.HashPassword(password)
				if err != nil {
					return err
				}
				if _, err := st.CreateUser(ctx, t.ID, args[0], "", hash, r); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "created %s as %s of %s\n", args[0], r, t.Slug)
				if generated {
					fmt.Fprintf(stdout, "one-time password: %s\n", password)
				}
				return nil
			})
		},
	}
	create.Flags().StringVar(&tenant, "tenant", "default", "slug of the tenant")
	create.Flags().StringVar(&role, "role", "member", "owner, admin, member or viewer")
	create.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input")

	setPassword := &cobra.Command{
		Use: "set-password EMAIL", Short: "Replace a person's password and end their sessions",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			password, generated, err := readPassword(stdin, fromStdin)
			if err != nil {
				return err
			}
			return withStore(cmd.Context(), environ, flags, func(ctx context.Context, _ config.Config, st *store.Store) error {
				hash, err := auth.HashPassword(password)
				if err != nil {
					return err
				}
				if err := st.SetPassword(ctx, args[0], hash); err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				fmt.Fprintf(stdout, "password of %s replaced; their sessions have ended\n", args[0])
				if generated {
					fmt.Fprintf(stdout, "one-time password: %s\n", password)
				}
				return nil
			})
		},
	}
	setPassword.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input")
	cmd.AddCommand(create, setPassword)
	return cmd
}

// readPassword takes the first line of stdin, or makes a random one.
func readPassword(stdin io.Reader, fromStdin bool) (string, bool, error) {
	if !fromStdin {
		return rand.Text(), true, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", false, fmt.Errorf("read password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := auth.CheckPasswordPolicy(pw); err != nil {
		return "", false, err
	}
	return pw, false, nil
}

// withStore runs fn with a migrated database for a one-shot CLI command.
func withStore(ctx context.Context, environ []string, flags *config.Flags, fn func(context.Context, config.Config, *store.Store) error) error {
	return withDatabase(ctx, environ, flags, func(ctx context.Context, cfg config.Config, db *database) error {
		if err := db.migrate(ctx); err != nil {
			return err
		}
		pool, err := db.pool(ctx, 4)
		if err != nil {
			return err
		}
		defer pool.Close()
		return fn(ctx, cfg, store.New(pool))
	})
}
