package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/monsys/monsys/client"
	"github.com/monsys/monsys/output"
)

func (c *cli) explainCommand() *cobra.Command {
	var host, lang string
	cmd := &cobra.Command{
		Use:   "explain LINE",
		Short: "What a log line means, its likely cause and what to do (from the hub's rule library, or its model)",
		Example: `  monsys explain 'kernel: Out of memory: Killed process 4711 (java)'
  journalctl -p err -n 1 -o cat | monsys explain - --agent web-1`,
		Args: args(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			line := a[0]
			if line == "-" {
				b, err := io.ReadAll(io.LimitReader(c.stdin, 8<<10))
				if err != nil {
					return err
				}
				line = strings.TrimSpace(string(b))
			}
			if strings.TrimSpace(line) == "" {
				return usageErr(errors.New("LINE is empty: give the log line, or - to read it from stdin"))
			}
			pr, hub, err := c.connect(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			agentID := ""
			if host != "" {
				ag, err := hub.FindAgent(cmd.Context(), host)
				if err != nil {
					return err
				}
				agentID = ag.ID
			}
			ex, err := hub.Explain(cmd.Context(), line, agentID, lang)
			if err != nil {
				return err
			}
			return pr.Print(ex.JSON(), func(w io.Writer, color bool) error {
				return explanationDetails(ex).Write(w, color)
			})
		},
	}
	cmd.Flags().StringVar(&host, "agent", "", "the agent the line came from (hostname or id): adds its metrics and alerts")
	cmd.Flags().StringVar(&lang, "lang", "", "language of the answer, e.g. de (the rule library is English; a model answers in any)")
	return c.command(cmd, output.JSON, output.YAML)
}

func explanationDetails(ex client.Explanation) *output.Details {
	d := &output.Details{}
	source := ex.Source
	if ex.Model != "" {
		source += " (" + ex.Model + ")"
	}
	if ex.Rule != nil {
		d.ColorField("Rule", fmt.Sprintf("%s (%s)", ex.Rule.ID, ex.Rule.Category), output.StateColor(ex.Rule.Severity))
		d.Field("Severity", ex.Rule.Severity)
	}
	d.Field("Source", source)
	d.Field("Meaning", ex.Meaning)
	d.Field("Cause", ex.Cause)
	d.Field("Action", ex.Action)
	if len(ex.Context.Metrics) > 0 || len(ex.Context.Alerts) > 0 {
		d.Section("On the agent")
		for _, m := range ex.Context.Metrics {
			d.Field(m.Name+labelText(m.Labels), output.Value(m.Name, m.Value))
		}
		for _, a := range ex.Context.Alerts {
			d.ColorField("Alert", a.Title, output.StateColor(a.Severity))
		}
	}
	for _, w := range ex.Warnings {
		d.ColorField("Warning", w, output.Yellow)
	}
	return d
}

func labelText(labels map[string]string) string {
	if len(labels) == 0 {
		return ""
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + labels[k]
	}
	return "{" + strings.Join(parts, ",") + "}"
}
