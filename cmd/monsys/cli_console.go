package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/monsys/monsys/client"
	"github.com/monsys/monsys/output"
)

// errRecordingTampered is a verify that found a recording changed.
type errRecordingTampered struct{ r client.RecordingCheck }

func (e errRecordingTampered) Error() string {
	return fmt.Sprintf("the recording does not match the audit log: computed %s, audited %q", e.r.Computed, e.r.Audited)
}

func (c *cli) consoleCommand() *cobra.Command {
	var q client.ConsoleQuery
	var sinceFlag string
	cmd := &cobra.Command{
		Use:   "consoles",
		Short: "Emergency console sessions, newest first (admin role); open one from the dashboard",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			pr, hub, err := c.connect(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			if sinceFlag != "" {
				d, err := parseDuration(sinceFlag)
				if err != nil {
					return usageErr(err)
				}
				q.Since = c.now().Add(-d)
			}
			list, err := hub.ConsoleSessions(cmd.Context(), q)
			if err != nil {
				return err
			}
			return pr.Print(list.JSON(), func(w io.Writer, color bool) error {
				t := output.NewTable("OPENED", "SESSION", "AGENT", "STATE", "EXIT", "IN", "OUT", "REASON")
				for _, s := range list.Items {
					exit := ""
					if s.ExitStatus != nil {
						exit = fmt.Sprint(*s.ExitStatus)
					}
					t.Row(output.Timestamp(s.CreatedAt), s.ID, s.AgentID, s.State, exit, fmt.Sprint(s.BytesIn), fmt.Sprint(s.BytesOut), s.Reason)
				}
				return c.writeList(w, t, list.More, color)
			})
		},
	}
	cmd.Flags().StringVar(&sinceFlag, "since", "", "only sessions opened within this duration (24h, 7d)")
	cmd.Flags().StringVar(&q.AgentID, "agent-id", "", "only this agent's sessions")
	cmd.Flags().StringVar(&q.State, "state", "", "pending, active, ended, terminated or failed")
	cmd.Flags().IntVar(&q.Limit, "limit", 50, "at most this many")

	verify := &cobra.Command{
		Use:   "verify SESSION_ID",
		Short: "Have the hub rehash a session's recording against the audit log; exits 1 when it does not match",
		Args:  args(1, 1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			pr, hub, err := c.connect(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			r, err := hub.VerifyRecording(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			if err := pr.Print(r.JSON(), func(w io.Writer, color bool) error {
				if !r.OK {
					return nil // said by the error below
				}
				_, err := fmt.Fprintf(w, "%s: the recording's SHA-256 %s matches the audit log.\n", output.Paint("ok", output.Green, color), r.Computed)
				return err
			}); err != nil {
				return err
			}
			if !r.OK {
				return errRecordingTampered{r}
			}
			return nil
		},
	}
	terminate := &cobra.Command{
		Use:   "terminate SESSION_ID",
		Short: "End a live session: the agent kills the shell and everything it started (admin role)",
		Args:  args(1, 1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			_, hub, err := c.connect()
			if err != nil {
				return err
			}
			if err := hub.TerminateConsole(cmd.Context(), argv[0]); err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), "terminating", argv[0])
			return err
		},
	}
	cmd.AddCommand(verify, terminate)
	return c.command(cmd, output.JSON, output.YAML)
}
