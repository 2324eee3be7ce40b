package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/monsys/monsys/client"
	"github.com/monsys/monsys/output"
)

func (c *cli) rulesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List alert rules; create, enable, disable and delete them",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			pr, hub, err := c.connect(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			list, err := hub.Rules(cmd.Context())
			if err != nil {
				return err
			}
			return pr.Print(list.JSON(), func(w io.Writer, color bool) error {
				t := output.NewTable("ID", "NAME", "STATE", "CONDITION", "WINDOW", "FOR", "SEVERITY", "SCOPE")
				t.ColorColumn("STATE", output.StateColor)
				for _, r := range list.Items {
					t.Row(r.ID, r.Name, enabledWord(r.Enabled), condition(r), r.Window, r.For, r.Severity, scope(r))
				}
				return c.writeList(w, t, false, color)
			})
		},
	}
	cmd.AddCommand(c.ruleCreateCommand(), c.ruleToggleCommand("enable", true), c.ruleToggleCommand("disable", false), c.ruleDeleteCommand())
	return c.command(cmd, output.JSON, output.YAML)
}

func enabledWord(on bool) string {
	if on {
		return "enabled"
	}
	return "disabled"
}

// condition says a rule's test in one line: avg cpu_usage_ratio{cpu="all"} > 0.9.
// A silent rule reads: silent >= 3 intervals.
func condition(r client.Rule) string {
	if r.Agg == "silent" {
		return "silent " + r.Op + " " + strconv.FormatFloat(r.Threshold, 'g', -1, 64) + " intervals"
	}
	agg := r.Agg
	if r.Predict != "" {
		agg += " " + r.Predict + " ahead"
	}
	return agg + " " + r.Metric + r.Match + " " + r.Op + " " + strconv.FormatFloat(r.Threshold, 'g', -1, 64)
}

func scope(r client.Rule) string {
	switch r.Scope {
	case "agent":
		return "agent " + r.AgentID
	case "tag":
		return "tag " + r.Tag
	}
	return r.Scope
}

func (c *cli) ruleCreateCommand() *cobra.Command {
	var spec client.RuleSpec
	var file, host string
	var threshold float64
	var disabled bool
	cmd := &cobra.Command{
		Use:   "create (--name N --metric M --op OP --threshold X … | -f FILE)",
		Short: "Create an alert rule from flags, or from a YAML or JSON file with the API's fields (- reads stdin)",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			pr, err := c.printer(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			if file != "" {
				if cmd.Flags().NFlag() > countSet(cmd, "filename", "output", "context") {
					return usagef("give the rule either as flags or in --filename, not both")
				}
				if spec, err = c.readRuleFile(file); err != nil {
					return err
				}
			} else {
				for _, name := range []string{"name", "metric", "op", "threshold"} {
					if !cmd.Flags().Changed(name) && (name != "metric" || spec.Agg != "silent") {
						return usagef("--%s is needed (or give the rule in a file with -f)", name)
					}
				}
				spec.Threshold = &threshold
				switch {
				case spec.Scope != "":
				case host != "":
					spec.Scope = "agent"
				case spec.Tag != "":
					spec.Scope = "tag"
				default:
					spec.Scope = "fleet"
				}
				if disabled {
					off := false
					spec.Enabled = &off
				}
			}
			hub, err := c.client()
			if err != nil {
				return err
			}
			if spec.AgentID, err = hub.AgentIDOf(cmd.Context(), host); err != nil {
				return err
			}
			r, err := hub.CreateRule(cmd.Context(), spec)
			if err != nil {
				return err
			}
			return pr.Sentence(r.JSON(), "Created rule %s %q: %s, %s.", r.ID, r.Name, condition(r), enabledWord(r.Enabled))
		},
	}
	f := cmd.Flags()
	f.StringVarP(&file, "filename", "f", "", "read the rule from this YAML or JSON file (- for stdin)")
	f.StringVar(&spec.Name, "name", "", "the rule's name")
	f.StringVar(&spec.Metric, "metric", "", "metric to watch, e.g. filesystem_used_ratio")
	f.StringVar(&spec.Match, "match", "", `label selector, e.g. {mount="/"}`)
	f.StringVar(&spec.Agg, "agg", "avg", "avg, min, max, last, sum, increase or predict_linear over the window; silent: --threshold is the allowance in reporting intervals (no --metric)")
	f.StringVar(&spec.Predict, "predict", "", "with --agg predict_linear: how far past now to read the trend, e.g. 24h")
	f.StringVar(&spec.Op, "op", "", "comparison: > >= < <= == !=")
	f.Float64Var(&threshold, "threshold", 0, "value the aggregate is compared with")
	f.StringVar(&spec.Window, "window", "", "window the aggregate covers (default 5m)")
	f.StringVar(&spec.For, "for", "", "how long the condition must hold before it fires (default 0s)")
	f.StringVar(&spec.Severity, "severity", "warning", "info, warning or critical")
	f.StringVar(&spec.Scope, "scope", "", "fleet, agent or tag (default: agent with --host, tag with --tag, else fleet)")
	f.StringVar(&host, "host", "", "watch this host only (hostname or id; scope agent)")
	f.StringVar(&spec.Tag, "tag", "", "watch agents with this tag (scope tag)")
	f.BoolVar(&disabled, "disabled", false, "create it switched off")
	_ = cmd.RegisterFlagCompletionFunc("host", c.completeHosts(0))
	return cmd
}

// countSet is how many of the named flags were given.
func countSet(cmd *cobra.Command, names ...string) int {
	n := 0
	for _, name := range names {
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
			n++
		}
	}
	return n
}

// readRuleFile reads a rule in YAML or JSON (JSON is YAML) with the API's
// field names; an unknown field is refused, so a typo does not pass silently.
func (c *cli) readRuleFile(path string) (client.RuleSpec, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(io.LimitReader(c.stdin, 1<<20))
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return client.RuleSpec{}, usagef("read the rule: %v", err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return client.RuleSpec{}, usagef("%s is neither YAML nor JSON: %v", path, err)
	}
	asJSON, err := json.Marshal(doc)
	if err != nil {
		return client.RuleSpec{}, usagef("%s: %v", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(asJSON))
	dec.DisallowUnknownFields()
	var spec client.RuleSpec
	if err := dec.Decode(&spec); err != nil {
		return client.RuleSpec{}, usagef("%s: %v (fields: name, metric, match, agg, op, threshold, window, for, severity, scope, agent_id, tag, enabled)", path, err)
	}
	return spec, nil
}

func (c *cli) ruleToggleCommand(verb string, on bool) *cobra.Command {
	return &cobra.Command{
		Use:   verb + " ID",
		Short: "Switch an alert rule " + map[bool]string{true: "on", false: "off"}[on] + " (member role)",
		Args:  args(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			pr, hub, err := c.connect(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			r, err := hub.SetRuleEnabled(cmd.Context(), a[0], on)
			if err != nil {
				return err
			}
			return pr.Sentence(r.JSON(), "Rule %s %q is %s.", r.ID, r.Name, enabledWord(r.Enabled))
		},
	}
}

func (c *cli) ruleDeleteCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Delete an alert rule; its open alerts are resolved (member role)",
		Args:  args(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			hub, err := c.client()
			if err != nil {
				return err
			}
			if err := hub.DeleteRule(cmd.Context(), a[0]); err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.stdout, "Deleted rule %s.\n", a[0])
			return err
		},
	}
}
