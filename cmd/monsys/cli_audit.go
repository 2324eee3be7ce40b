package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/monsys/monsys/client"
	"github.com/monsys/monsys/output"
)

// errAuditBroken is a verify that found the chain edited, cut or missing rows.
type errAuditBroken struct{ r client.AuditReport }

func (e errAuditBroken) Error() string {
	b := e.r.FirstBroken
	return fmt.Sprintf("the audit log does not verify: at seq %d (row %d): %s", b.Seq, b.ID, b.Reason)
}

func (c *cli) auditCommand() *cobra.Command {
	var q client.AuditQuery
	var sinceFlag string
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "The tenant's audit log, newest first (admin role)",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			pr, err := c.printer(output.JSON, output.YAML)
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
			hub, err := c.client()
			if err != nil {
				return err
			}
			list, err := hub.AuditLog(cmd.Context(), q)
			if err != nil {
				return err
			}
			return pr.Print(list.JSON(), func(w io.Writer, color bool) error {
				t := output.NewTable("TIME", "EVENT", "ACTOR", "TARGET", "IP", "SEQ")
				for _, e := range list.Items {
					t.Row(output.Timestamp(e.OccurredAt), e.EventType, joinNonEmpty(e.ActorType, e.ActorID),
						joinNonEmpty(e.TargetType, e.TargetID), e.IP, fmt.Sprint(e.Seq))
				}
				return c.writeList(w, t, list.More, color)
			})
		},
	}
	cmd.Flags().StringVar(&sinceFlag, "since", "", "only events within this duration (24h, 7d)")
	cmd.Flags().StringVar(&q.Type, "type", "", "only this event type, e.g. login_failed")
	cmd.Flags().StringVar(&q.Actor, "actor", "", "only events by this actor id")
	cmd.Flags().StringVar(&q.Target, "target", "", "only events on this target id")
	cmd.Flags().IntVar(&q.Limit, "limit", 100, "at most this many (0: all)")

	verify := &cobra.Command{
		Use:   "verify",
		Short: "Have the hub recompute the audit hash chain; exits 1 when it does not hold",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			pr, hub, err := c.connect(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			r, err := hub.VerifyAuditLog(cmd.Context())
			if err != nil {
				return err
			}
			if err := pr.Print(r.JSON(), func(w io.Writer, color bool) error {
				if !r.OK {
					return nil // said by the error below
				}
				_, err := fmt.Fprintf(w, "%s: %d rows checked, the hash chain holds.\n", output.Paint("ok", output.Green, color), r.Checked)
				return err
			}); err != nil {
				return err
			}
			if !r.OK && r.FirstBroken != nil {
				return errAuditBroken{r}
			}
			return nil
		},
	}
	cmd.AddCommand(verify)
	return c.command(cmd, output.JSON, output.YAML)
}

// joinNonEmpty is "kind id", or whichever of them is set.
func joinNonEmpty(kind, id string) string {
	switch {
	case kind == "":
		return id
	case id == "":
		return kind
	}
	return kind + " " + id
}
