package main

import (
	"github.com/spf13/cobra"

	"github.com/monsys/monsys/bench"
)

func newWebCommand() *cobra.Command {
	var c common
	var hubBin string
	s := bench.WebScenario{}
	cmd := &cobra.Command{
		Use:   "web",
		Short: "Time the dashboard in headless Chromium: the fleet page of a large fleet, a host's 30 days, the bundle's size",
		Long: "Starts the hub, writes a fleet with an hour of host metrics per agent and one host with --days of them straight\n" +
			"into its database, rolls them up, then times the fleet page's requests on loopback and, in headless Chromium\n" +
			"(MONSYS_CHROMIUM or chromium on PATH), the fleet page's first paint and rows and the host page's charts.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := c.start("web", map[string]any{"agents": s.Agents, "days": s.Days, "reps": s.Reps})
			if err != nil {
				return err
			}
			defer r.cleanup()
			if s.Bin, err = hubBinary(cmd.Context(), hubBin, r.dir, r.log); err != nil {
				return err
			}
			s.Dir, s.Log = r.dir, r.log
			rep, err := s.Run(cmd.Context())
			if err != nil {
				return err
			}
			r.result.Web = &rep
			return c.finish(r)
		},
	}
	c.register(cmd.Flags())
	cmd.Flags().StringVar(&hubBin, "hub-bin", "", "the monsys binary (default: build ./cmd/monsys, which embeds web/dist as it is: run `make assets` first)")
	cmd.Flags().IntVar(&s.Agents, "agents", 1000, "agents in the fleet")
	cmd.Flags().IntVar(&s.Days, "days", 30, "days of host metrics for the one long host")
	cmd.Flags().IntVar(&s.Reps, "reps", 20, "repetitions of each timing (the fleet page alternates cleared and warm cache)")
	return cmd
}
