package main

import (
	"context"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/monsys/monsys/bench"
)

// queryFlags are the flags of `query` (and the query half of `standard`).
type queryFlags struct {
	agents, series, days, reps int
	dbURL                      string
}

func (f *queryFlags) register(fs *pflag.FlagSet, prefix string, agents, series, days, reps int) {
	fs.IntVar(&f.agents, prefix+"agents", agents, "agents loaded straight into storage")
	fs.IntVar(&f.series, prefix+"series", series, "series per agent (the first 4 are cpu_usage_ratio)")
	fs.IntVar(&f.days, prefix+"days", days, "days of samples at 60 s")
	fs.IntVar(&f.reps, prefix+"reps", reps, "repetitions of each query")
	fs.StringVar(&f.dbURL, prefix+"database-url", "", "a PostgreSQL or TimescaleDB database to load into: it is migrated and gets a synthetic tenant, so use a scratch one (default: a private cluster in the scratch folder)")
}

func (f *queryFlags) settings(into map[string]any) map[string]any {
	for k, v := range map[string]any{"query_agents": f.agents, "query_series": f.series, "query_days": f.days, "query_reps": f.reps} {
		into[k] = v
	}
	return into
}

func (f *queryFlags) runQuery(ctx context.Context, r *run) error {
	s := &bench.QueryScenario{Database: f.dbURL, Dir: r.dir, Agents: f.agents, Series: f.series, Days: f.days,
		Reps: f.reps, Progress: r.progress, Log: r.log}
	rep, err := s.Run(ctx)
	if err != nil {
		return err
	}
	r.result.Query = &rep
	return nil
}

func newQueryCommand() *cobra.Command {
	var c common
	var f queryFlags
	cmd := &cobra.Command{
		Use:   "query",
		Short: "Load a fleet straight into storage, catch the rollups up, time the dashboard queries (rollup vs raw)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := c.start("query", f.settings(map[string]any{}))
			if err != nil {
				return err
			}
			defer r.cleanup()
			if err := f.runQuery(cmd.Context(), r); err != nil {
				return err
			}
			return c.finish(r)
		},
	}
	c.register(cmd.Flags())
	f.register(cmd.Flags(), "", 100, 20, 7, 30)
	return cmd
}
