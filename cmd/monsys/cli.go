package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/monsys/monsys/cliconfig"
	"github.com/monsys/monsys/client"
	"github.com/monsys/monsys/output"
)

// cli is what every client command shares: the process's environment and
// streams, and the flags that pick the hub and the output format. Client
// commands reach the hub only through its public HTTP API (package
// client), with the credential `monsys login` stored (package cliconfig).
type cli struct {
	environ []string
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	now     func() time.Time

	context string // --context: a stored context other than the current one
	format  string // -o
}

func newCLI(environ []string, stdin io.Reader, stdout, stderr io.Writer) *cli {
	return &cli{environ: environ, stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
}

// clientGroup heads the client commands in `monsys --help`.
const clientGroup = "client"

// command wires a client command: its group, the --context flag and, when
// it offers formats beyond the table, -o.
func (c *cli) command(cmd *cobra.Command, formats ...output.Format) *cobra.Command {
	cmd.GroupID = clientGroup
	c.flags(cmd, formats...)
	return cmd
}

// flags adds --context and -o to cmd (and its subcommands).
func (c *cli) flags(cmd *cobra.Command, formats ...output.Format) {
	cmd.PersistentFlags().StringVar(&c.context, "context", "", "stored hub to use instead of the current one (MONSYS_CONTEXT)")
	if len(formats) > 0 {
		names := make([]string, len(formats)+1)
		names[0] = string(output.Table)
		for i, f := range formats {
			names[i+1] = string(f)
		}
		cmd.PersistentFlags().StringVarP(&c.format, "output", "o", "", "output format: "+strings.Join(names, ", ")+" (default table)")
	}
}

// env reads one variable of the process's environment.
func (c *cli) env(name string) string {
	for _, kv := range c.environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

// config loads the stored contexts.
func (c *cli) config() (string, cliconfig.File, error) {
	path, err := cliconfig.Path(c.environ)
	if err != nil {
		return "", cliconfig.File{}, err
	}
	f, err := cliconfig.Load(path)
	return path, f, err
}

// target is the hub and API key a command uses: MONSYS_HUB and
// MONSYS_API_KEY when both are set (a CI job needs no stored context),
// otherwise the chosen context with either variable overriding its part.
func (c *cli) target() (hub, key, name string, err error) {
	hub, key = c.env("MONSYS_HUB"), c.env("MONSYS_API_KEY")
	if hub != "" && key != "" {
		return hub, key, "", nil
	}
	_, f, err := c.config()
	if err != nil {
		return "", "", "", err
	}
	choice := c.context
	if choice == "" {
		choice = c.env("MONSYS_CONTEXT")
	}
	name, ctx, err := f.Select(choice)
	if err != nil && !errors.Is(err, cliconfig.ErrNoContext) {
		return "", "", "", usageErr(err) // a --context that names nothing
	}
	if err != nil {
		return "", "", "", err
	}
	return firstSet(hub, ctx.Hub), firstSet(key, ctx.APIKey), name, nil
}

// client is an API client for the command's hub and credential.
func (c *cli) client() (*client.Client, error) {
	hub, key, _, err := c.target()
	if err != nil {
		return nil, err
	}
	return c.clientFor(hub, key)
}

func (c *cli) clientFor(hub, key string) (*client.Client, error) {
	return client.New(client.Config{BaseURL: hub, APIKey: key, UserAgent: "monsys-cli/" + buildVersion()})
}

// connect is what a client command starts with: the printer for its -o
// format and a client of its hub.
func (c *cli) connect(offered ...output.Format) (output.Printer, *client.Client, error) {
	pr, err := c.printer(offered...)
	if err != nil {
		return pr, nil, err
	}
	hub, err := c.client()
	return pr, hub, err
}

// printer writes in the -o format, if the command offers it.
func (c *cli) printer(offered ...output.Format) (output.Printer, error) {
	f, err := output.ParseFormat(c.format, offered...)
	if err != nil {
		return output.Printer{}, usageErr(err)
	}
	return output.Printer{W: c.stdout, Format: f, Color: output.Colorful(c.environ, isTerminal(c.stdout))}, nil
}

// width is the terminal's width in cells, 100 when not a terminal.
func (c *cli) width() int {
	if f, ok := c.stdout.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 100
}

// since turns a --since value into what the API's time parameters take:
// a duration (6h, 7d, 90m) becomes now-<duration>, computed by the hub's
// clock; anything else (RFC 3339, Unix seconds) goes as it is.
func since(s string) string {
	if s == "" || strings.HasPrefix(s, "now") {
		return s
	}
	if _, err := parseDuration(s); err == nil {
		return "now-" + s
	}
	return s
}

// parseDuration reads a Go duration, or whole days as Nd.
func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && fmt.Sprint(n) == days && n > 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a duration like 90m, 6h or 7d", s)
	}
	return d, nil
}

// firstSet is a, or b when a is empty.
func firstSet(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// addCommands adds every client command to root.
func (c *cli) addCommands(root *cobra.Command) {
	root.AddCommand(c.loginCommand(), c.logoutCommand(), c.contextCommand(),
		c.agentsCommand(), c.agentCommand(), c.metricsCommand(), c.topCommand(),
		c.alertsCommand(), c.rulesCommand(), c.channelsCommand(), c.inventoryCommand(), c.tokensCommand(), c.auditCommand(), c.explainCommand(),
		c.consoleCommand())
}

// args checks a command's positional arguments: at least min, at most
// max, and says the usage line when they do not fit.
func args(minArgs, maxArgs int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < minArgs || len(args) > maxArgs {
			return usagef("usage: %s", cmd.UseLine())
		}
		return nil
	}
}
