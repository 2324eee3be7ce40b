package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/monsys/monsys/client"
	"github.com/monsys/monsys/output"
)

// inventoryColumns are the item fields each kind shows as a table, in the
// agent's field names (wire types); -o json shows every field.
var inventoryColumns = map[string][]string{
	"packages":   {"name", "version", "arch", "manager"},
	"containers": {"name", "image", "state", "status", "ports"},
	"systemd":    {"name", "active_state", "sub_state", "load_state", "enabled", "description"},
	"users":      {"name", "uid", "gid", "shell", "home", "system", "locked"},
	"groups":     {"name", "gid", "members"},
	"sudo":       {"principal", "run_as", "nopasswd", "commands", "hosts", "source"},
	"ssh-keys":   {"user", "type", "fingerprint", "comment", "file"},
	"sockets":    {"proto", "state", "local_addr", "local_port", "remote_addr", "remote_port", "process"},
	"backups":    {"tool", "name", "schedule", "last_status", "last_run_at", "repository"},
	"processes":  {"pid", "name", "user", "cpu_ratio", "rss_bytes", "cmdline"},
}

// unixSecondsFields are item fields holding Unix seconds.
var unixSecondsFields = []string{"last_run_at", "started_at", "created", "boot_time"}

func (c *cli) inventoryCommand() *cobra.Command {
	var iq client.InventoryQuery
	var filters []string
	var sortBy string
	kinds := append(slices.Clone(client.InventoryKinds), "processes")
	cmd := &cobra.Command{
		Use:   "inventory HOST [KIND]",
		Short: "Show what a host runs: the kinds it reported, or the latest items of one (" + strings.Join(kinds, ", ") + ")",
		Args:  args(1, 2),
		ValidArgsFunction: func(cmd *cobra.Command, a []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(a) == 1 {
				return kinds, cobra.ShellCompDirectiveNoFileComp
			}
			return c.completeHosts(0)(cmd, a, toComplete)
		},
		RunE: func(cmd *cobra.Command, a []string) error {
			pr, err := c.printer(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			if len(a) == 2 {
				a[1] = strings.ReplaceAll(a[1], "_", "-") // the wire name ssh_keys is the route's ssh-keys
			}
			if len(a) == 2 && !slices.Contains(kinds, a[1]) {
				return usagef("inventory kind %q: want one of %s", a[1], strings.Join(kinds, ", "))
			}
			if iq.Filters, err = parseFilters(filters); err != nil {
				return err
			}
			hub, err := c.client()
			if err != nil {
				return err
			}
			ag, err := hub.FindAgent(cmd.Context(), a[0])
			if err != nil {
				return err
			}
			switch {
			case len(a) == 1:
				return c.inventorySummary(cmd, pr, hub, ag)
			case a[1] == "processes":
				procs, err := hub.Processes(cmd.Context(), ag.ID, sortBy)
				if err != nil {
					return err
				}
				return pr.Print(procs.JSON(), func(w io.Writer, color bool) error {
					return c.itemTable(w, "processes", procs.Items, procs.CollectedAt, procs.Error, false, color)
				})
			}
			inv, err := hub.Inventory(cmd.Context(), ag.ID, a[1], iq)
			if err != nil {
				return err
			}
			return pr.Print(inv.JSON(), func(w io.Writer, color bool) error {
				return c.itemTable(w, a[1], inv.Items, inv.CollectedAt, inv.Error, inv.More, color)
			})
		},
	}
	cmd.Flags().StringVar(&iq.Name, "name", "", "only items whose name contains this")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, "FIELD=VALUE on the kind's filter fields (manager=dpkg, active_state=failed …); repeatable")
	cmd.Flags().IntVar(&iq.Limit, "limit", 0, "at most this many items (0: all)")
	cmd.Flags().StringVar(&sortBy, "sort", "cpu", "processes: cpu or memory")
	cmd.AddCommand(c.inventorySearchCommand())
	return c.command(cmd, output.JSON, output.YAML)
}

func parseFilters(raw []string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range raw {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, usagef("--filter %q: want FIELD=VALUE", f)
		}
		if k == "q" || k == "limit" || k == "cursor" {
			return nil, usagef("--filter %s: use --name and --limit", k)
		}
		out[k] = v
	}
	return out, nil
}

func (c *cli) inventorySummary(cmd *cobra.Command, pr output.Printer, hub *client.Client, ag client.Agent) error {
	sum, err := hub.InventorySummary(cmd.Context(), ag.ID)
	if err != nil {
		return err
	}
	return pr.Print(sum.JSON(), func(w io.Writer, color bool) error {
		t := output.NewTable("KIND", "ITEMS", "COLLECTED", "LAST SENT", "ERROR")
		for _, k := range sum.Kinds {
			t.Row(k.Kind, strconv.Itoa(k.Items), output.Age(&k.CollectedAt, c.now()), output.Age(&k.SeenAt, c.now()), k.Error)
		}
		return c.writeList(w, t, false, color)
	})
}

// itemTable writes items of a kind with its columns, after a line saying
// when they were collected (or why not).
func (c *cli) itemTable(w io.Writer, kind string, items []client.Item, collected *time.Time, collectErr string, more, color bool) error {
	if collected == nil {
		_, err := fmt.Fprintf(w, "The agent has not reported %s.\n", kind)
		return err
	}
	fmt.Fprintf(w, "%s, collected %s (%s)\n", kind, output.Age(collected, c.now()), output.Timestamp(*collected))
	if collectErr != "" {
		fmt.Fprintf(w, "the agent could not collect everything: %s\n", collectErr)
	}
	cols := inventoryColumns[kind]
	header := make([]string, len(cols))
	for i, col := range cols {
		header[i] = strings.ToUpper(strings.ReplaceAll(col, "_", " "))
	}
	t := output.NewTable(header...)
	for _, it := range items {
		row := make([]string, len(cols))
		for i, col := range cols {
			row[i] = itemCell(col, it[col])
		}
		t.Row(row...)
	}
	return c.writeList(w, t, more, color)
}

// itemCell shows one field of an item: lists joined, units from the
// field's name, Unix seconds as times.
func itemCell(field string, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case float64:
		switch {
		case slices.Contains(unixSecondsFields, field):
			if x == 0 {
				return ""
			}
			return output.Timestamp(time.Unix(int64(x), 0))
		case x == float64(int64(x)) && !strings.HasSuffix(field, "_ratio") && !strings.HasSuffix(field, "_bytes"):
			return strconv.FormatInt(int64(x), 10)
		}
		return output.Value(field, x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = itemCell(field, e)
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}

func (c *cli) inventorySearchCommand() *cobra.Command {
	var q client.SearchQuery
	cmd := &cobra.Command{
		Use:   "search NAME",
		Short: "Find which hosts hold an item (a package by default) and in which version",
		Args:  args(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			pr, hub, err := c.connect(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			q.Name = a[0]
			hits, err := hub.SearchInventory(cmd.Context(), q)
			if err != nil {
				return err
			}
			return pr.Print(hits.JSON(), func(w io.Writer, color bool) error {
				t := output.NewTable("HOSTNAME", "KIND", "NAME", "VERSION", "COLLECTED", "AGENT ID")
				for _, h := range hits.Items {
					t.Row(h.Hostname, h.Kind, h.Name, h.Version, output.Age(&h.CollectedAt, c.now()), h.AgentID)
				}
				return c.writeList(w, t, hits.More, color)
			})
		},
	}
	cmd.Flags().StringVar(&q.Version, "version", "", "only this exact version (packages; image for containers)")
	cmd.Flags().StringVar(&q.Kind, "kind", "", "packages (default), systemd, users, groups, sudo, ssh_keys, containers, sockets, backups, host")
	cmd.Flags().BoolVar(&q.Prefix, "prefix", false, "NAME is a prefix")
	cmd.Flags().IntVar(&q.Limit, "limit", 0, "at most this many (0: all)")
	return cmd
}
