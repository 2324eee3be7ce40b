package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/monsys/monsys/bench"
)

// common are the flags every scenario has.
type common struct {
	results string
	workDir string
	keep    bool
}

func (c *common) register(fs *pflag.FlagSet) {
	fs.StringVar(&c.results, "results", "bench/results", "folder the JSON result (and any hub profile) goes to")
	fs.StringVar(&c.workDir, "work-dir", "", "scratch folder for the hub's data and logs (default: a new temporary folder)")
	fs.BoolVar(&c.keep, "keep", false, "keep the scratch folder (the hub's log, the database) after the run")
}

// run is one benchmark run: its scratch folder, logger and progress.
type run struct {
	dir        string
	resultsDir string
	log        *slog.Logger
	progress   *bench.Progress
	result     *bench.Result
	cleanup    func()
}

func (c *common) start(scenario string, settings map[string]any) (*run, error) {
	dir := c.workDir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "monsys-bench-"); err != nil {
			return nil, fmt.Errorf("create scratch folder: %w", err)
		}
	}
	// As root the database runs as postgres, which must traverse the folder.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create scratch folder: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open scratch folder to postgres: %w", err)
	}
	tty := term.IsTerminal(int(os.Stderr.Fd()))
	r := &run{
		dir:        dir,
		resultsDir: c.results,
		log:        slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
		progress:   &bench.Progress{W: os.Stderr, TTY: tty},
		result:     &bench.Result{Scenario: scenario, Started: time.Now().UTC(), Machine: bench.DescribeMachine(), Settings: settings},
		cleanup:    func() {},
	}
	if !c.keep {
		r.cleanup = func() { _ = os.RemoveAll(dir) } // scratch only; a leftover costs disk, nothing else
	} else {
		r.log.Info("scratch folder kept", "dir", dir)
	}
	return r, nil
}

// finish writes the JSON and prints the table.
func (c *common) finish(r *run) error {
	r.result.Seconds = time.Since(r.result.Started).Seconds()
	r.result.Fill()
	path, err := r.result.WriteJSON(c.results)
	if err != nil {
		return err
	}
	fmt.Println(r.result.Markdown())
	if r.result.Profile != "" {
		fmt.Printf("hub CPU profile (go tool pprof -top):\n\n```\n%s\n```\n\n", r.result.Profile)
	}
	fmt.Println("result:", path)
	return nil
}

// hubBinary is --hub-bin, or ./cmd/monsys built into the scratch folder.
func hubBinary(ctx context.Context, flag, dir string, log *slog.Logger) (string, error) {
	if flag != "" {
		return filepath.Abs(flag)
	}
	out := filepath.Join(dir, "monsys")
	log.Info("building the hub", "package", "./cmd/monsys", "out", out)
	if err := bench.BuildHub(ctx, ".", out); err != nil {
		return "", err
	}
	return out, nil
}
