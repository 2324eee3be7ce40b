package main

import (
	"time"

	"github.com/spf13/cobra"
)

// newStandardCommand is `make bench`: the hub at its maximum and at half
// of it, the ceiling, and a short query run, in about 5 minutes here.
func newStandardCommand() *cobra.Command {
	var c common
	var in ingestFlags
	var q queryFlags
	cmd := &cobra.Command{
		Use:   "standard",
		Short: "The standard scenario (make bench): ingest at max and at half, the ceiling, a short query run",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := c.start("standard", q.settings(in.settings()))
			if err != nil {
				return err
			}
			defer r.cleanup()
			if err := in.runIngest(cmd.Context(), r); err != nil {
				return err
			}
			if err := q.runQuery(cmd.Context(), r); err != nil {
				return err
			}
			return c.finish(r)
		},
	}
	c.register(cmd.Flags())
	in.register(cmd.Flags(), 200, 10, "max,0.5x", time.Minute)
	q.register(cmd.Flags(), "query-", 20, 20, 2, 20)
	return cmd
}
