package main

import (
	"context"
	"encoding/csv"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/monsys/monsys/client"
	"github.com/monsys/monsys/output"
)

// maxCharts bounds how many series `monsys metrics` draws; the rest are
// counted, and --match narrows.
const maxCharts = 8

func (c *cli) metricsCommand() *cobra.Command {
	var q client.MetricsQuery
	var sinceFlag string
	var rate bool
	var height int
	cmd := &cobra.Command{
		Use:   "metrics HOST METRIC",
		Short: "Chart a metric of one host with min, avg, max and last (or its points with -o json|yaml|csv)",
		Long: "Chart a metric of one host over a range, one chart per series (label set), with min, avg, max and\n" +
			"last of the points. Values are read by the hub from raw samples or its rollups as the interval asks.\n" +
			"HOST is a hostname or an agent id. --since takes a duration (6h, 7d) or a time (RFC 3339, Unix seconds).",
		Args:              args(2, 2),
		ValidArgsFunction: c.completeHostAndMetric(),
		RunE: func(cmd *cobra.Command, a []string) error {
			pr, hub, err := c.connect(output.JSON, output.YAML, output.CSV)
			if err != nil {
				return err
			}
			ag, err := hub.FindAgent(cmd.Context(), a[0])
			if err != nil {
				return err
			}
			q.Metric = a[1]
			if q.From == "" {
				q.From = since(sinceFlag)
			}
			if rate {
				q.Fn = "rate"
			}
			m, err := hub.Metrics(cmd.Context(), ag.ID, q)
			if err != nil {
				return err
			}
			if pr.Format == output.CSV {
				return writePointsCSV(c.stdout, m)
			}
			return pr.Print(m.JSON(), func(w io.Writer, color bool) error {
				return c.writeCharts(w, ag, m, height, color)
			})
		},
	}
	cmd.Flags().StringVar(&sinceFlag, "since", "6h", "start of the range: a duration back from now, or a time")
	cmd.Flags().StringVar(&q.From, "from", "", "start of the range, as the API takes it (overrides --since)")
	cmd.Flags().StringVar(&q.To, "to", "", "end of the range (default now)")
	cmd.Flags().StringVar(&q.Interval, "interval", "auto", "bucket width: 10s, 1m, 5m, 1h … or auto (about 300 points)")
	cmd.Flags().StringVar(&q.Agg, "agg", "", "avg (default), min, max, last or sum within each bucket")
	cmd.Flags().StringVar(&q.Match, "match", "", `label selector, e.g. {cpu="all"} or {mount=~"/|/home"}`)
	cmd.Flags().BoolVar(&rate, "rate", false, "per-second rate of a counter (a metric ending in _total)")
	cmd.Flags().IntVar(&height, "height", 10, "rows of each chart")
	_ = cmd.RegisterFlagCompletionFunc("agg", cobra.FixedCompletions([]string{"avg", "min", "max", "last", "sum"}, cobra.ShellCompDirectiveNoFileComp))
	return c.command(cmd, output.JSON, output.YAML, output.CSV)
}

// writeCharts draws one chart per series, up to maxCharts.
func (c *cli) writeCharts(w io.Writer, ag client.Agent, m client.Metrics, height int, color bool) error {
	if len(m.Series) == 0 {
		_, err := io.WriteString(w, "No data for this metric on "+ag.Hostname+" in this range.\n")
		return err
	}
	step, _ := parseDuration(m.Interval) // a gap shows as a gap; unknown: joined
	for i, s := range m.Series {
		if i == maxCharts {
			_, err := io.WriteString(w, strconv.Itoa(len(m.Series)-maxCharts)+" more series: narrow with --match or see them with -o json\n")
			return err
		}
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		pts := make([]output.Point, len(s.Points))
		for j, p := range s.Points {
			pts[j] = output.Point{Time: p.Time, Value: p.Value}
		}
		title := s.Metric + labelSet(s.Labels) + "  on " + ag.Hostname + "  (" + m.Interval + " buckets from " + source(m.Source) + ")"
		chart := output.Chart{Title: title, Metric: s.Metric, Points: pts, From: m.From, To: m.To, Step: step,
			Width: min(c.width(), 160), Height: height, Color: color}
		if err := chart.Write(w); err != nil {
			return err
		}
	}
	return nil
}

func source(s string) string {
	if s == "raw" {
		return "raw samples"
	}
	return "the " + s + " rollup"
}

// writePointsCSV writes time,metric,labels,value rows, oldest first per series.
func writePointsCSV(w io.Writer, m client.Metrics) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"time", "metric", "labels", "value"}) // errors surface at Flush
	for _, s := range m.Series {
		labels := labelSet(s.Labels)
		for _, p := range s.Points {
			_ = cw.Write([]string{p.Time.UTC().Format(time.RFC3339Nano), s.Metric, labels,
				strconv.FormatFloat(p.Value, 'g', -1, 64)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// labelSet writes labels as a Prometheus selector, keys sorted: {cpu="0"}.
func labelSet(labels map[string]string) string {
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
		parts[i] = k + "=" + strconv.Quote(labels[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func (c *cli) topCommand() *cobra.Command {
	var q client.TopQuery
	var sinceFlag string
	cmd := &cobra.Command{
		Use:               "top METRIC",
		Short:             "Rank the agents by a metric over a range (highest first)",
		Args:              args(1, 1),
		ValidArgsFunction: c.completeMetric(0),
		RunE: func(cmd *cobra.Command, a []string) error {
			pr, hub, err := c.connect(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			q.Metric = a[0]
			if q.From == "" {
				q.From = since(sinceFlag)
			}
			top, err := hub.Top(cmd.Context(), q)
			if err != nil {
				return err
			}
			return pr.Print(top.JSON(), func(w io.Writer, color bool) error {
				t := output.NewTable("RANK", "HOSTNAME", strings.ToUpper(top.Agg), "SERIES", "AGENT ID")
				for i, it := range top.Items {
					t.Row(strconv.Itoa(i+1), it.Hostname, output.Value(top.Metric, it.Value), top.Metric+labelSet(it.Labels), it.AgentID)
				}
				return c.writeList(w, t, false, color)
			})
		},
	}
	cmd.Flags().StringVar(&sinceFlag, "since", "1h", "start of the range: a duration back from now, or a time")
	cmd.Flags().StringVar(&q.From, "from", "", "start of the range, as the API takes it (overrides --since)")
	cmd.Flags().StringVar(&q.To, "to", "", "end of the range (default now)")
	cmd.Flags().StringVar(&q.Agg, "agg", "", "avg (default), min, max, last or sum over the range")
	cmd.Flags().StringVar(&q.Match, "match", "", `label selector, e.g. {cpu="all"}`)
	cmd.Flags().IntVar(&q.Limit, "limit", 10, "agents to show, 1 to 100")
	_ = cmd.RegisterFlagCompletionFunc("agg", cobra.FixedCompletions([]string{"avg", "min", "max", "last", "sum"}, cobra.ShellCompDirectiveNoFileComp))
	return c.command(cmd, output.JSON, output.YAML)
}

// completeHostAndMetric completes HOST, then METRIC among that host's.
func (c *cli) completeHostAndMetric() cobra.CompletionFunc {
	hosts := c.completeHosts(0)
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return hosts(cmd, args, toComplete)
		}
		return c.metricNames(cmd, args[0], toComplete)
	}
}

// completeMetric completes the argument at pos with the tenant's metrics.
func (c *cli) completeMetric(pos int) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) != pos {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return c.metricNames(cmd, "", toComplete)
	}
}

// metricNames completes metric names, of one host when host is set.
func (c *cli) metricNames(cmd *cobra.Command, host, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	fail := cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
	hub, err := c.client()
	if err != nil {
		return nil, fail
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
	defer cancel()
	agentID, err := hub.AgentIDOf(ctx, host)
	if err != nil {
		return nil, fail
	}
	names, err := hub.MetricNames(ctx, agentID)
	if err != nil {
		return nil, fail
	}
	var out []cobra.Completion
	for _, n := range names.Items {
		if strings.HasPrefix(n.Metric, prefix) {
			out = append(out, n.Metric)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
