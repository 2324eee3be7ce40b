// Command monsys-bench is the load benchmark of the monsys hub: simulated
// agents against a real hub process, the raw-COPY ceiling on the same
// database, and the dashboard queries over a loaded fleet. The scenarios
// live in package bench; this is flags, output and the results file.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "monsys-bench:", err)
		os.Exit(1)
	}
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "monsys-bench",
		Short:         "Load benchmark of the monsys hub: ingest, its ceiling, dashboard queries",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newIngestCommand(), newQueryCommand(), newStandardCommand(), newWebCommand())
	return root
}
