package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/monsys/monsys/client"
	"github.com/monsys/monsys/output"
)

func (c *cli) tokensCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tokens",
		Short: "Enrollment tokens for agents, through the API (admin role)",
		Args:  args(0, 0),
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var n client.NewEnrollmentToken
	var ttl time.Duration
	var maxUses int32
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an enrollment token and print the command that installs and enrolls an agent",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			pr, err := c.printer(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			if ttl < 0 || maxUses < 0 {
				return usagef("--ttl and --max-uses cannot be negative")
			}
			if ttl > 0 {
				exp := c.now().Add(ttl).UTC()
				n.ExpiresAt = &exp
			}
			if maxUses > 0 {
				n.MaxUses = &maxUses
			}
			hub, err := c.client()
			if err != nil {
				return err
			}
			tok, err := hub.CreateEnrollmentToken(cmd.Context(), n)
			if err != nil {
				return err
			}
			return pr.Print(tok.JSON(), func(w io.Writer, _ bool) error {
				limits := "no expiry"
				if tok.ExpiresAt != nil {
					limits = "expires " + output.Timestamp(*tok.ExpiresAt)
				}
				if tok.MaxUses != nil {
					limits += fmt.Sprintf(", enrolls at most %d machines", *tok.MaxUses)
				}
				_, err := fmt.Fprintf(w, "Enrollment token %q (%s); it is shown only now:\n  %s\n\n"+
					"Install and enroll an agent on a Linux machine, as root:\n  %s\n\nOr with the agent already installed:\n  %s\n",
					tok.Name, limits, tok.Token, tok.InstallCommand, tok.Command)
				return err
			})
		},
	}
	create.Flags().StringVar(&n.Name, "name", "cli", "name shown in the token list")
	create.Flags().DurationVar(&ttl, "ttl", 24*time.Hour, "lifetime of the token (0: no expiry)")
	create.Flags().Int32Var(&maxUses, "max-uses", 0, "machines it may enroll (0: unlimited)")
	cmd.AddCommand(create)
	return c.command(cmd, output.JSON, output.YAML)
}
