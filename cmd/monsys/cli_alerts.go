package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/monsys/monsys/client"
	"github.com/monsys/monsys/output"
)

func (c *cli) alertsCommand() *cobra.Command {
	var q client.AlertQuery
	var host, sinceFlag string
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "List alerts, newest first (open ones unless --state says otherwise)",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			pr, hub, err := c.connect(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			if q.AgentID, err = hub.AgentIDOf(cmd.Context(), host); err != nil {
				return err
			}
			q.Since = since(sinceFlag)
			list, err := hub.Alerts(cmd.Context(), q)
			if err != nil {
				return err
			}
			return pr.Print(list.JSON(), func(w io.Writer, color bool) error {
				t := output.NewTable("ID", "STATE", "SEVERITY", "HOSTNAME", "SOURCE", "SUMMARY", "STARTED")
				t.ColorColumn("STATE", output.StateColor)
				t.ColorColumn("SEVERITY", output.StateColor)
				for _, a := range list.Items {
					t.Row(a.ID, a.State, a.Severity, a.Hostname, a.Source, a.Summary, output.Age(&a.StartedAt, c.now()))
				}
				return c.writeList(w, t, list.More, color)
			})
		},
	}
	cmd.Flags().StringVar(&q.State, "state", "", "pending, firing or resolved (default: all states)")
	cmd.Flags().StringVar(&q.Severity, "severity", "", "info, warning or critical")
	cmd.Flags().StringVar(&q.Source, "source", "", "agent, rule or system")
	cmd.Flags().StringVar(&host, "host", "", "only this host's alerts (hostname or id)")
	cmd.Flags().StringVar(&sinceFlag, "since", "", "started within this duration (24h, 7d) or after this time")
	cmd.Flags().IntVar(&q.Limit, "limit", 100, "at most this many (0: all)")
	_ = cmd.RegisterFlagCompletionFunc("state", cobra.FixedCompletions([]string{"pending", "firing", "resolved"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("host", c.completeHosts(0))

	var note string
	resolve := &cobra.Command{
		Use:   "resolve ID",
		Short: "Resolve an open alert by hand, with a note (member role)",
		Args:  args(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			pr, hub, err := c.connect(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			al, err := hub.ResolveAlert(cmd.Context(), a[0], note)
			if err != nil {
				return err
			}
			return pr.Sentence(al.JSON(), "Resolved alert %s (%s on %s).", al.ID, al.Summary, firstSet(al.Hostname, "the hub"))
		},
	}
	resolve.Flags().StringVar(&note, "note", "", "why it was resolved (kept with the alert)")
	cmd.AddCommand(resolve)
	return c.command(cmd, output.JSON, output.YAML)
}
