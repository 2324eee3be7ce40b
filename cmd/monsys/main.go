// Command monsys is the hub: it serves the API, ingests agent batches and
// runs the background workers. `monsys serve` is the default command.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand(os.Environ(), os.Stdin, os.Stdout).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "monsys:", err)
		os.Exit(1)
	}
}

func newRootCommand(environ []string, stdin io.Reader, stdout io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "monsys",
		Short:         "Self-hosted fleet telemetry and asset-intelligence hub",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	serve := newServeCommand(environ, stdout)
	root.AddCommand(serve, newMigrateCommand(environ, stdout), newTokenCommand(environ, stdout),
		newUserCommand(environ, stdin, stdout), newVersionCommand(stdout))
	// Bare `monsys` serves, with serve's flags.
	root.RunE = serve.RunE
	root.Flags().AddFlagSet(serve.Flags())
	return root
}
