// Command monsys-agent collects a Linux server's metrics and inventory and
// sends them to a monsys hub. See the agent package.
//
//	monsys-agent --hub https://monsys.example.com --token mse_… --state-dir /var/lib/monsys-agent
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/monsys/monsys/agent"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(Main{Args: os.Args[1:], Environ: os.Environ(), Stdout: os.Stdout, Stderr: os.Stderr}.Run(context.Background()))
}

// Main is one run of the agent binary, so tests can run the real program.
type Main struct {
	Args    []string
	Environ []string
	Stdout  io.Writer
	Stderr  io.Writer
}

// Run parses the configuration, runs the agent until SIGINT or SIGTERM and
// returns the exit code: 0 after a clean stop, 2 for bad usage, 1 when the
// agent could not start or failed.
func (m Main) Run(ctx context.Context) int {
	if len(m.Args) == 1 && (m.Args[0] == "version" || m.Args[0] == "--version") {
		fmt.Fprintln(m.Stdout, "monsys-agent", version)
		return 0
	}
	cfg, err := agent.Load(m.Args, m.Environ, m.Stdout) // --help to stdout, so it pages
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(m.Stderr, "monsys-agent: invalid configuration:\n%v\n(monsys-agent --help lists the flags)\n", err)
		return 2
	}
	log := newLogger(m.Stderr, cfg.LogLevel)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := agent.New(cfg, log, version).Run(ctx); err != nil {
		fmt.Fprintf(m.Stderr, "monsys-agent: %v\n", err) // once: the log would repeat it
		return 1
	}
	return 0
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(strings.ToUpper(level))) // validated by Config.Validate
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
