package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/monsys/monsys/client"
	"github.com/monsys/monsys/output"
)

func (c *cli) agentsCommand() *cobra.Command {
	var q client.AgentQuery
	cmd := &cobra.Command{
		Use:   "agents",
		Short: "List agents by hostname, with status and last seen",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			pr, hub, err := c.connect(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			list, err := hub.Agents(cmd.Context(), q)
			if err != nil {
				return err
			}
			return pr.Print(list.JSON(), func(w io.Writer, color bool) error {
				t := output.NewTable("HOSTNAME", "STATUS", "OS", "ARCH", "VERSION", "LAST SEEN", "ID")
				t.ColorColumn("STATUS", output.StateColor)
				for _, a := range list.Items {
					t.Row(a.Hostname, a.Status, a.OS, a.Arch, a.AgentVersion, output.Age(a.LastSeenAt, c.now()), a.ID)
				}
				return c.writeList(w, t, list.More, color)
			})
		},
	}
	cmd.Flags().StringVar(&q.Status, "status", "", "pending, online or offline")
	cmd.Flags().StringVar(&q.Tag, "tag", "", "only agents with this governance tag")
	cmd.Flags().StringVar(&q.OS, "os", "", "only agents on this operating system (linux …)")
	cmd.Flags().StringVar(&q.Hostname, "host", "", "only hostnames containing this")
	cmd.Flags().IntVar(&q.Limit, "limit", 0, "at most this many (0: all)")
	_ = cmd.RegisterFlagCompletionFunc("status", cobra.FixedCompletions([]string{"pending", "online", "offline"}, cobra.ShellCompDirectiveNoFileComp))
	return c.command(cmd, output.JSON, output.YAML)
}

// writeList writes a table, or says there is nothing to list, and notes
// rows left out by --limit.
func (c *cli) writeList(w io.Writer, t *output.TableWriter, more, color bool) error {
	if t.Len() == 0 {
		_, err := fmt.Fprintln(w, "Nothing found.")
		return err
	}
	if err := t.Write(w, color); err != nil {
		return err
	}
	if more {
		fmt.Fprintln(c.stderr, "(more on the hub: raise --limit)")
	}
	return nil
}

func (c *cli) agentCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:               "agent HOST",
		Short:             "Show one agent: facts, status and last seen, governance, inventory kinds (HOST: hostname or id)",
		Args:              args(1, 1),
		ValidArgsFunction: c.completeHosts(0),
		RunE: func(cmd *cobra.Command, a []string) error {
			pr, hub, err := c.connect(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			ag, err := hub.FindAgent(ctx, a[0])
			if err != nil {
				return err
			}
			gov, err := hub.Governance(ctx, ag.ID)
			if err != nil {
				return err
			}
			inv, err := hub.InventorySummary(ctx, ag.ID)
			if err != nil {
				return err
			}
			raw, err := json.Marshal(map[string]json.RawMessage{"agent": ag.JSON(), "governance": gov.JSON(), "inventory": inv.JSON()})
			if err != nil {
				return err
			}
			return pr.Print(raw, func(w io.Writer, color bool) error {
				return agentDetails(ag, gov, inv, c.now()).Write(w, color)
			})
		},
	}
	cmd = c.command(cmd, output.JSON, output.YAML)
	cmd.AddCommand(c.agentResetKeyCommand())
	return cmd
}

// agentResetKeyCommand clears an agent's pinned signing key: the one admin
// step a reinstalled machine (state directory wiped, so a new key) needs
// before it can register again.
func (c *cli) agentResetKeyCommand() *cobra.Command {
	return &cobra.Command{
		Use:               "reset-key HOST",
		Short:             "Let a reinstalled machine register with a new signing key: clears the pinned one (admin, audited)",
		Args:              args(1, 1),
		ValidArgsFunction: c.completeHosts(0),
		RunE: func(cmd *cobra.Command, a []string) error {
			hub, err := c.client()
			if err != nil {
				return err
			}
			ag, err := hub.FindAgent(cmd.Context(), a[0])
			if err != nil {
				return err
			}
			if err := hub.ResetSigningKey(cmd.Context(), ag.ID); err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.stdout, "Cleared the signing key of %s (%s): its next registration pins the key it brings.\n", ag.Hostname, ag.ID)
			return err
		},
	}
}

// agentDetails is the detail view of `monsys agent`.
func agentDetails(a client.Agent, g client.Governance, inv client.InventorySummary, now time.Time) *output.Details {
	var d output.Details
	d.Field("Hostname", a.Hostname)
	d.Field("ID", a.ID)
	d.ColorField("Status", a.Status, output.StateColor(a.Status))
	seen := output.Age(a.LastSeenAt, now)
	if a.LastSeenAt != nil {
		seen += " (" + output.Timestamp(*a.LastSeenAt) + ")"
	}
	d.Field("Last seen", seen)
	d.Field("OS", a.OS+"/"+a.Arch)
	d.Field("Agent version", a.AgentVersion)
	d.Field("Machine ID", a.MachineID)
	if a.UptimeS != nil {
		d.Field("Uptime", output.Duration(time.Duration(*a.UptimeS)*time.Second))
	} else {
		d.Field("Uptime", "")
	}
	d.Field("Reports every", interval(a.HeartbeatIntervalS))
	d.Field("Registered", output.Timestamp(a.RegisteredAt))
	key := "not pinned"
	if a.SigningKeyFingerprint != "" {
		key = a.SigningKeyFingerprint
		if a.SigningKeyPinnedAt != nil {
			key += " (pinned " + output.Timestamp(*a.SigningKeyPinnedAt) + ")"
		}
	}
	d.Field("Signing key", key)

	d.Section("Governance")
	d.Field("Owner", g.Owner)
	d.Field("Environment", g.Environment)
	d.Field("Criticality", g.Criticality)
	d.Field("Data classification", g.DataClassification)
	d.Field("Tags", strings.Join(g.Tags, ", "))
	windows := make([]string, 0, len(g.MaintenanceWindows))
	for _, w := range g.MaintenanceWindows {
		windows = append(windows, describeWindow(w))
	}
	d.Field("Maintenance", strings.Join(windows, "; "))

	d.Section("Inventory")
	if len(inv.Kinds) == 0 {
		d.Field("Kinds", "none reported yet")
	}
	for _, k := range inv.Kinds {
		v := strconv.Itoa(k.Items) + " items, collected " + output.Age(&k.CollectedAt, now)
		if k.Error != "" {
			v += ", error: " + k.Error
		}
		d.Field(k.Kind, v)
	}
	return &d
}

// describeWindow says a maintenance window in one line.
func describeWindow(w client.MaintenanceWindow) string {
	var s string
	if w.Type == "weekly" {
		s = fmt.Sprintf("weekly %s %s–%s %s", strings.Join(w.Days, ","), w.Start, w.End, w.TimeZone)
	} else if w.StartsAt != nil && w.EndsAt != nil {
		s = fmt.Sprintf("once %s – %s", output.Timestamp(*w.StartsAt), output.Timestamp(*w.EndsAt))
	} else {
		s = w.Type
	}
	if w.Comment != "" {
		s += " (" + w.Comment + ")"
	}
	return s
}

// completeHosts completes the argument at position pos with hostnames
// from the hub that start with what was typed.
func (c *cli) completeHosts(pos int) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) != pos {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		hub, err := c.client()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
		defer cancel()
		names, err := hub.Hostnames(ctx, toComplete, 200)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// interval says a number of seconds in the largest unit that divides it.
func interval(seconds int32) string {
	switch {
	case seconds != 0 && seconds%3600 == 0:
		return strconv.Itoa(int(seconds/3600)) + "h"
	case seconds != 0 && seconds%60 == 0:
		return strconv.Itoa(int(seconds/60)) + "m"
	}
	return strconv.Itoa(int(seconds)) + "s"
}
