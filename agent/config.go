package agent

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/monsys/monsys/agent/decoy"
)

// Config is everything the agent can be told.
type Config struct {
	Hub               string
	Token             string // enrollment token; only needed until the agent is registered
	StateDir          string
	Interval          time.Duration
	InventoryInterval time.Duration // every kind is sent at least this often
	InventoryCheck    time.Duration // how often inventory is collected to spot changes
	SpoolMaxBytes     int64
	SpoolSync         time.Duration
	TopProcesses      int
	Containers        string // auto: per-container series from cgroup v2 when present; off: none
	Root              string // host root: "/" or where the host is mounted in a container
	Push              bool
	Console           string        // off, emergency or on
	ConsoleUser       string        // the account console shells run as
	ConsoleIdle       time.Duration // a console with no input or output this long ends
	ConsoleMax        time.Duration // no console lasts longer
	LogLevel          string
	HoneypotPorts     []int    // decoy TCP ports (--honeypot tcp:2222,…); none by default
	CanaryFiles       []string // files whose opening is reported (--canary-file)
}

// EnvPrefix is put before the upper-case name of each setting.
const EnvPrefix = "MONSYS_AGENT_"

// setting is one configuration entry: flag name, variable suffix, help.
type setting struct {
	flag, env, def, help string
	set                  func(c *Config, v string) error
}

func settings() []setting {
	dur := func(dst func(*Config) *time.Duration) func(*Config, string) error {
		return func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			*dst(c) = d
			return err
		}
	}
	return []setting{
		{"hub", "HUB", "", "base URL of the monsys hub, e.g. https://monsys.example.com", func(c *Config, v string) error { c.Hub = v; return nil }},
		{"token", "TOKEN", "", "enrollment token (mse_…); needed for the first registration only", func(c *Config, v string) error { c.Token = v; return nil }},
		{"state-dir", "STATE_DIR", "/var/lib/monsys-agent", "directory for the agent's identity and spool (kept 0700)", func(c *Config, v string) error { c.StateDir = v; return nil }},
		{"interval", "INTERVAL", "10s", "metrics interval, 1s to 1h", dur(func(c *Config) *time.Duration { return &c.Interval })},
		{"inventory-interval", "INVENTORY_INTERVAL", "1h", "every inventory kind is resent at least this often", dur(func(c *Config) *time.Duration { return &c.InventoryInterval })},
		{"inventory-check", "INVENTORY_CHECK", "5m", "how often inventory is collected to find changes", dur(func(c *Config) *time.Duration { return &c.InventoryCheck })},
		{"spool-max-bytes", "SPOOL_MAX_BYTES", "67108864", "cap of the on-disk spool; past it the oldest batches are dropped and counted", func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			c.SpoolMaxBytes = n
			return err
		}},
		{"spool-sync", "SPOOL_SYNC", "1s", "fsync interval of the spool: the most a power cut can lose", dur(func(c *Config) *time.Duration { return &c.SpoolSync })},
		{"top-processes", "TOP_PROCESSES", "10", "processes reported per interval by CPU and by memory", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			c.TopProcesses = n
			return err
		}},
		{"containers", "CONTAINERS", "auto", "per-container CPU, memory, network and block I/O of Docker and Podman containers (cgroup v2): auto or off", func(c *Config, v string) error { c.Containers = v; return nil }},
		{"root", "ROOT", "/", "host root directory (set when the agent runs in a container with the host mounted)", func(c *Config, v string) error { c.Root = v; return nil }},
		{"push", "PUSH", "true", "keep the push WebSocket to the hub open", func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			c.Push = b
			return err
		}},
		{"console", "CONSOLE", "emergency", "emergency console: off, emergency (only inside a hub-signed emergency grant) or on", func(c *Config, v string) error { c.Console = v; return nil }},
		{"console-user", "CONSOLE_USER", "root", "the account whose login shell a console runs", func(c *Config, v string) error { c.ConsoleUser = v; return nil }},
		{"console-idle", "CONSOLE_IDLE", "15m", "a console with no input or output for this long ends", dur(func(c *Config) *time.Duration { return &c.ConsoleIdle })},
		{"console-max", "CONSOLE_MAX", "4h", "no console lasts longer, whatever the hub asks", dur(func(c *Config) *time.Duration { return &c.ConsoleMax })},
		{"log-level", "LOG_LEVEL", "info", "debug, info, warn or error", func(c *Config, v string) error { c.LogLevel = v; return nil }},
		{"honeypot", "HONEYPOT", "", "decoy ports, e.g. tcp:2222,tcp:3389,tcp:23: each connection is reported and raises an alert (a port in use is skipped)", func(c *Config, v string) error {
			ports, err := decoy.ParsePorts(v)
			c.HoneypotPorts = ports
			return err
		}},
		{"canary-file", "CANARY_FILE", "", "files nobody should open, comma-separated absolute paths (e.g. fake cloud credentials): opening or writing one is reported and raises a critical alert", func(c *Config, v string) error {
			paths, err := decoy.ParsePaths(v)
			c.CanaryFiles = paths
			return err
		}},
	}
}

// Load builds the Config from, in order of precedence, command-line
// flags, MONSYS_AGENT_* variables (NAME_FILE reads NAME from a file), the
// file named by --config or MONSYS_AGENT_CONFIG (KEY=VALUE lines with the
// same variable names, as a systemd EnvironmentFile), and the defaults.
func Load(args, environ []string, usage io.Writer) (Config, error) {
	vars := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, EnvPrefix) {
			vars[k] = v
		}
	}
	fs := flag.NewFlagSet("monsys-agent", flag.ContinueOnError)
	// Parse errors are returned, to be printed once by the caller; the
	// usage goes out only when asked for with -h or --help.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	configFile := fs.String("config", "", "file of MONSYS_AGENT_* settings (KEY=VALUE lines); env: MONSYS_AGENT_CONFIG")
	flagValues := map[string]*string{}
	for _, s := range settings() {
		flagValues[s.flag] = fs.String(s.flag, "", s.help+" (env "+EnvPrefix+s.env+", default "+strconv.Quote(s.def)+")")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(usage, fs)
		}
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	file := map[string]string{}
	if path := firstNonEmpty(*configFile, vars[EnvPrefix+"CONFIG"]); path != "" {
		var err error
		if file, err = readConfigFile(path); err != nil {
			return Config{}, err
		}
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	var c Config
	var errs []error
	for _, s := range settings() {
		name := EnvPrefix + s.env
		v := s.def
		if fv, ok := file[name]; ok {
			v = fv
		}
		if ev, ok := vars[name]; ok {
			v = ev
		} else if path, ok := vars[name+"_FILE"]; ok && path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_FILE: %w", name, err))
				continue
			}
			v = strings.TrimSpace(string(b))
		}
		if explicit[s.flag] {
			v = *flagValues[s.flag]
		}
		if err := s.set(&c, v); err != nil {
			errs = append(errs, fmt.Errorf("--%s / %s=%q: %w", s.flag, name, v, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	return c, c.Validate()
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func readConfigFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	m := map[string]string{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || !strings.HasPrefix(strings.TrimSpace(k), EnvPrefix) {
			return nil, fmt.Errorf("%s:%d: want MONSYS_AGENT_NAME=value", path, i+1)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		m[strings.TrimSpace(k)] = v
	}
	return m, nil
}

// Validate checks the values; its errors name the flag and variable.
func (c *Config) Validate() error {
	var errs []error
	if u, err := url.Parse(c.Hub); c.Hub != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		errs = append(errs, fmt.Errorf("--hub / MONSYS_AGENT_HUB=%q: want the hub's base URL, http(s)://host[:port]", c.Hub))
	}
	c.Hub = strings.TrimRight(c.Hub, "/")
	if c.StateDir == "" {
		errs = append(errs, errors.New("--state-dir / MONSYS_AGENT_STATE_DIR is empty"))
	}
	if c.Interval < time.Second || c.Interval > time.Hour {
		errs = append(errs, fmt.Errorf("--interval / MONSYS_AGENT_INTERVAL=%s: want 1s to 1h", c.Interval))
	}
	if c.InventoryCheck < time.Second || c.InventoryInterval < c.InventoryCheck {
		errs = append(errs, fmt.Errorf("--inventory-check=%s, --inventory-interval=%s: want check ≥ 1s and interval ≥ check", c.InventoryCheck, c.InventoryInterval))
	}
	if c.SpoolMaxBytes < 1<<20 {
		errs = append(errs, fmt.Errorf("--spool-max-bytes / MONSYS_AGENT_SPOOL_MAX_BYTES=%d: want at least 1048576", c.SpoolMaxBytes))
	}
	if c.SpoolSync < 10*time.Millisecond || c.SpoolSync > time.Minute {
		errs = append(errs, fmt.Errorf("--spool-sync / MONSYS_AGENT_SPOOL_SYNC=%s: want 10ms to 1m", c.SpoolSync))
	}
	if c.TopProcesses < 0 || c.TopProcesses > 100 {
		errs = append(errs, fmt.Errorf("--top-processes / MONSYS_AGENT_TOP_PROCESSES=%d: want 0 to 100", c.TopProcesses))
	}
	if c.Containers != "auto" && c.Containers != "off" {
		errs = append(errs, fmt.Errorf("--containers / MONSYS_AGENT_CONTAINERS=%q: want auto or off", c.Containers))
	}
	switch c.Console {
	case "off", "emergency", "on":
	default:
		errs = append(errs, fmt.Errorf("--console / MONSYS_AGENT_CONSOLE=%q: want off, emergency or on", c.Console))
	}
	if c.ConsoleUser == "" {
		errs = append(errs, errors.New("--console-user / MONSYS_AGENT_CONSOLE_USER is empty"))
	}
	if c.ConsoleIdle < time.Second || c.ConsoleMax < time.Second {
		errs = append(errs, fmt.Errorf("--console-idle=%s, --console-max=%s: want at least 1s each", c.ConsoleIdle, c.ConsoleMax))
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level / MONSYS_AGENT_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// FlagNames lists every flag Load takes, for tests of the usage text.
func FlagNames() []string {
	out := []string{"config"}
	for _, s := range settings() {
		out = append(out, s.flag)
	}
	return out
}

// usageHead is what --help says before the flags.
const usageHead = `monsys-agent collects host metrics and inventory and sends them, signed
and compressed, to a monsys hub; what the hub cannot take yet waits in a
spool on disk.

Usage:
  monsys-agent [flags]     run the agent (the first start registers it with --token)
  monsys-agent version     print the version and exit
  monsys-agent --help      this text

Each flag also reads from the environment (MONSYS_AGENT_<NAME>, NAME_FILE
for a secret in a file) and from the --config file (KEY=VALUE lines); a
flag beats the environment, which beats the file, which beats the default.

Flags:
`

func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, usageHead)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}
