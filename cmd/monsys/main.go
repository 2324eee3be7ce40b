// Command monsys is the hub and its command line: `monsys serve` serves the
// API, ingests agent batches and runs the background workers; the client
// commands (login, agents, metrics, alerts …) call a hub's public API.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand(os.Environ(), os.Stdin, os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		reportError(os.Stderr, err)
		os.Exit(exitCode(err))
	}
}

// serverGroup heads the server commands in `monsys --help`.
const serverGroup = "server"

func newRootCommand(environ []string, stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "monsys",
		Short: "Self-hosted fleet telemetry and asset-intelligence hub, and its command line",
		Long: "monsys is the hub (monsys serve) and its command line. Client commands call a hub's public API\n" +
			"with the credential `monsys login --hub URL` stores; server commands run on the hub's machine.",
		Args:          cobra.ArbitraryArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownCommand(cmd, args[0])
			}
			return cmd.Help()
		},
	}
	root.SuggestionsMinimumDistance = 2
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	root.AddGroup(
		&cobra.Group{ID: clientGroup, Title: "Client commands (through a hub's API, after monsys login):"},
		&cobra.Group{ID: serverGroup, Title: "Server commands (on the hub's machine, with its database):"},
	)
	for _, cmd := range []*cobra.Command{newServeCommand(environ, stdout), newMigrateCommand(environ, stdout),
		newTokenCommand(environ, stdout), newUserCommand(environ, stdin, stdout), newGrafanaCommand(environ, stdout), newCVECommand(environ, stdout)} {
		cmd.GroupID = serverGroup
		root.AddCommand(cmd)
	}
	root.AddCommand(newVersionCommand(stdout))
	newCLI(environ, stdin, stdout, stderr).addCommands(root)
	return root
}

// unknownCommand refuses a command that does not exist, with cobra's
// suggestions of what was meant.
func unknownCommand(cmd *cobra.Command, name string) error {
	msg := "unknown command " + name + ": see monsys --help"
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		msg += " (did you mean " + s[0] + "?)"
	}
	return usagef("%s", msg)
}
