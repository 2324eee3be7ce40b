package config

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is everything `monsys serve` can be told.
type Config struct {
	Listen          string        `env:"LISTEN" envDefault:":8080" help:"address the HTTP API listens on"`
	DataDir         string        `env:"DATA_DIR" envDefault:"./monsys-data" help:"state directory; holds the embedded PostgreSQL cluster when no database URL is set"`
	DatabaseURL     string        `env:"DATABASE_URL" secret:"true" help:"PostgreSQL connection string; empty starts the embedded cluster under the data directory"`
	DBMaxConns      int32         `env:"DB_MAX_CONNS" envDefault:"20" help:"size of the database connection pool"`
	PublicURL       string        `env:"PUBLIC_URL" help:"URL users and agents reach the hub at, used in links and printed commands (default http://localhost:<port>)"`
	TSDB            string        `env:"TSDB" envDefault:"auto" help:"time-series dialect: auto, timescaledb or postgres"`
	AdminEmail      string        `env:"ADMIN_EMAIL" envDefault:"admin@localhost" help:"email of the first owner, created on first start"`
	AdminPassword   string        `env:"ADMIN_PASSWORD" secret:"true" help:"password of the first owner; empty prints a one-time password on first start"`
	LogLevel        string        `env:"LOG_LEVEL" envDefault:"info" help:"debug, info, warn or error"`
	LogFormat       string        `env:"LOG_FORMAT" envDefault:"auto" help:"json, text, or auto (json unless stderr is a terminal)"`
	InsecureCookies bool          `env:"INSECURE_COOKIES" envDefault:"false" help:"development only: session cookie without Secure and without the __Host- prefix, for plain http on a non-localhost name"`
	SessionIdle     time.Duration `env:"SESSION_IDLE_TIMEOUT" envDefault:"30m" help:"a session unused this long ends"`
	SessionMaxAge   time.Duration `env:"SESSION_MAX_AGE" envDefault:"12h" help:"a session ends this long after login, used or not"`
	BodyLimit       int           `env:"BODY_LIMIT" envDefault:"1048576" help:"largest JSON request body in bytes, outside ingest"`
	ShutdownGrace   time.Duration `env:"SHUTDOWN_GRACE" envDefault:"25s" help:"how long shutdown waits for requests in flight"`
	AgentDistDir    string        `env:"AGENT_DIST_DIR" help:"directory of agent binaries (monsys-agent-linux-amd64, -arm64) served at /api/v1/agent/download; empty serves none"`
	MaxPushConns    int           `env:"MAX_PUSH_CONNS" envDefault:"10000" help:"agents connected on the push WebSocket at once"`
	SMTPURL         string        `env:"SMTP_URL" secret:"true" help:"mail server for reset and invitation mail, smtp://user:pass@host:port (STARTTLS when offered) or smtps://…; empty logs each message for the operator"`
	SMTPFrom        string        `env:"SMTP_FROM" envDefault:"monsys@localhost" help:"From address of the hub's mail"`
	TOTPKey         string        `env:"TOTP_KEY" secret:"true" help:"64 hex digits (32 bytes): TOTP secrets and notification channel URLs are stored encrypted with it (AES-256-GCM); unset stores them unencrypted"`
	Cluster         bool          `env:"CLUSTER" envDefault:"false" help:"several hubs share one database: keep rate-limit counts in PostgreSQL instead of in memory"`

	IngestMaxCompressed int           `env:"INGEST_MAX_COMPRESSED" envDefault:"8388608" help:"largest ingest or remote-write body as sent, bytes"`
	IngestMaxDecoded    int           `env:"INGEST_MAX_DECODED" envDefault:"33554432" help:"largest ingest or remote-write body after decompression, bytes"`
	IngestMemoryBudget  int           `env:"INGEST_MEMORY_BUDGET" envDefault:"268435456" help:"bytes all ingest and remote-write requests may hold at once for bodies, decompression and decoding; past it they answer 503 with Retry-After"`
	IngestBatchesPerMin int           `env:"INGEST_BATCHES_PER_MINUTE" envDefault:"60" help:"ingest batches accepted per agent per minute; more answer 429 with Retry-After"`
	IngestWait          time.Duration `env:"INGEST_WAIT" envDefault:"10s" help:"longest an ingest request waits for storage to commit its batch before answering 503 with Retry-After"`
	CVEDir              string        `env:"CVE_DIR" envDefault:"" help:"a directory of OSV vulnerability records (*.json, or osv.dev's per-ecosystem all.zip), imported at start and again whenever a file in it changes (also: monsys cve import PATH)"`
	CVEDirPoll          time.Duration `env:"CVE_DIR_POLL" envDefault:"1m" help:"how often MONSYS_CVE_DIR is checked for changed files"`
	CVEMatchEvery       time.Duration `env:"CVE_MATCH_INTERVAL" envDefault:"10s" help:"how often agents whose packages or host changed, or all of them after new vulnerability data, are matched"`
	CVEAlertSeverity    string        `env:"CVE_ALERT_SEVERITY" envDefault:"critical" help:"the least severity of a new vulnerability finding that raises an alert: critical, high, medium, low, or none"`
	DiskFreeAlertPct    int           `env:"DISK_FREE_ALERT_PERCENT" envDefault:"10" help:"a system alert fires while the filesystem of the database's data has less than this percentage free (critical below half of it)"`
	IngestShards        int           `env:"INGEST_SHARDS" envDefault:"0" help:"ingest rings and flushers (0: one per CPU, at least 2)"`
	SeriesCacheSize     int           `env:"SERIES_CACHE_SIZE" envDefault:"1000000" help:"series ids kept in memory"`
	RetentionRaw        time.Duration `env:"RETENTION_RAW" envDefault:"0s" help:"how long raw samples are kept and accepted (0: 720h on TimescaleDB, 168h on PostgreSQL)"`
	RetentionOneMinute  time.Duration `env:"RETENTION_1M" envDefault:"4320h" help:"how long the 1-minute rollup (samples_1m) is kept"`
	RetentionOneHour    time.Duration `env:"RETENTION_1H" envDefault:"17520h" help:"how long the 1-hour rollup (samples_1h) is kept"`

	DefaultRulesExisting string        `env:"DEFAULT_RULES_EXISTING" envDefault:"install" help:"install: tenants created before the default alert rules existed get them at the next start; decline: they do not (POST /api/v1/alert-rules/defaults adds them later)"`
	SilentAfterIntervals int           `env:"SILENT_AFTER_INTERVALS" envDefault:"3" help:"an agent is silent (alert raised) after this many of its expected reporting intervals of hub up time without a batch, in tenants without a silent rule (the default rule host_silent sets it per tenant)"`
	SilentCheckEvery     time.Duration `env:"SILENT_CHECK_INTERVAL" envDefault:"30s" help:"how often the silent-agent check runs; no pass for 3 of these counts as a hub outage (one hub_restarted alert, allowances start again)"`
	SilentRestartGrace   time.Duration `env:"SILENT_RESTART_GRACE" envDefault:"90s" help:"after a hub start or outage no agent is silent before this much up time (at least the agents' 60 s longest retry backoff)"`
	WebhookAllowCIDRs    string        `env:"WEBHOOK_ALLOW_CIDRS" help:"comma-separated address ranges webhooks may reach although they are loopback, private or link-local (e.g. 10.20.0.0/16)"`
	AIURL                string        `env:"AI_URL" help:"OpenAI-compatible chat endpoint (e.g. http://127.0.0.1:11434/v1 for Ollama) that answers GET /api/v1/ai/explain after redaction; empty: the shipped rule library answers, offline"`
	AIModel              string        `env:"AI_MODEL" help:"model name sent to MONSYS_AI_URL (required with it)"`
	AIKey                string        `env:"AI_KEY" secret:"true" help:"bearer token for MONSYS_AI_URL, when it needs one"`
	AIRedactIPs          bool          `env:"AI_REDACT_IPS" envDefault:"false" help:"also replace IP addresses before a log line or context reaches the model (secrets, tokens, keys and e-mail addresses always are)"`
	PGListen             string        `env:"PG_LISTEN" help:"host:port on which the embedded PostgreSQL also takes TCP connections, for the read-only monsys_grafana role only (Grafana; empty: socket only)"`
	GrafanaDBPassword    string        `env:"GRAFANA_DB_PASSWORD" secret:"true" help:"password of monsys_grafana, set at every start; required with MONSYS_PG_LISTEN"`
	PprofListen          string        `env:"PPROF_LISTEN" help:"address of a separate listener serving Go's /debug/pprof (empty: off); for profiling, never expose it"`
}

// Prefix is put before every variable name in Config's env tags.
const Prefix = "MONSYS_"

// Load reads the environment (environ as from os.Environ) into a Config.
// A variable NAME_FILE, when set, supplies NAME from the file it names
// (trailing newline trimmed); setting both is an error.
func Load(environ []string) (Config, error) {
	vars, err := withFileVariants(environ)
	if err != nil {
		return Config{}, err
	}
	var cfg Config
	if err := env.ParseWithOptions(&cfg, env.Options{Prefix: Prefix, Environment: vars}); err != nil {
		return Config{}, fmt.Errorf("read environment: %w", err)
	}
	return cfg, nil
}

func withFileVariants(environ []string) (map[string]string, error) {
	vars := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	for k, path := range vars {
		base, ok := strings.CutSuffix(k, "_FILE")
		if !ok || !strings.HasPrefix(k, Prefix) || path == "" {
			continue
		}
		if _, both := vars[base]; both {
			return nil, fmt.Errorf("%s and %s are both set: set one", base, k)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: read secret file: %w", k, err)
		}
		vars[base] = strings.TrimRight(string(b), "\r\n")
	}
	return vars, nil
}

// Validate checks the values and fills derived defaults. Its errors name
// the variable to fix.
func (c *Config) Validate() error {
	var errs []error
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		errs = append(errs, fmt.Errorf("MONSYS_LISTEN=%q: want host:port, e.g. :8080", c.Listen))
	}
	if c.PublicURL == "" && err == nil {
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		c.PublicURL = "http://" + net.JoinHostPort(host, port)
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("MONSYS_PUBLIC_URL=%q: want an absolute http(s) URL", c.PublicURL))
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	switch c.TSDB {
	case "auto", "timescaledb", "postgres":
	default:
		errs = append(errs, fmt.Errorf("MONSYS_TSDB=%q: want auto, timescaledb or postgres", c.TSDB))
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("MONSYS_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "auto", "json", "text":
	default:
		errs = append(errs, fmt.Errorf("MONSYS_LOG_FORMAT=%q: want auto, json or text", c.LogFormat))
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		errs = append(errs, errors.New("MONSYS_DATA_DIR is empty and MONSYS_DATABASE_URL is unset: set one"))
	}
	if c.DBMaxConns < 4 || c.DBMaxConns > 1000 {
		errs = append(errs, fmt.Errorf("MONSYS_DB_MAX_CONNS=%d: want 4 to 1000", c.DBMaxConns))
	}
	if !strings.Contains(c.AdminEmail, "@") {
		errs = append(errs, fmt.Errorf("MONSYS_ADMIN_EMAIL=%q: want an email address", c.AdminEmail))
	}
	if c.SessionIdle < time.Minute || c.SessionMaxAge < c.SessionIdle {
		errs = append(errs, fmt.Errorf("MONSYS_SESSION_IDLE_TIMEOUT=%s, MONSYS_SESSION_MAX_AGE=%s: want idle ≥ 1m and max age ≥ idle", c.SessionIdle, c.SessionMaxAge))
	}
	if c.IngestMaxCompressed < 64<<10 || c.IngestMaxCompressed > 256<<20 {
		errs = append(errs, fmt.Errorf("MONSYS_INGEST_MAX_COMPRESSED=%d: want 64 KiB to 256 MiB", c.IngestMaxCompressed))
	}
	if c.IngestMaxDecoded < c.IngestMaxCompressed || c.IngestMaxDecoded > 1<<30 {
		errs = append(errs, fmt.Errorf("MONSYS_INGEST_MAX_DECODED=%d: want at least MONSYS_INGEST_MAX_COMPRESSED and at most 1 GiB", c.IngestMaxDecoded))
	}
	if need := int64(c.IngestMaxCompressed) + int64(c.IngestMaxDecoded); int64(c.IngestMemoryBudget) < need || int64(c.IngestMemoryBudget) >= 2<<30 {
		errs = append(errs, fmt.Errorf("MONSYS_INGEST_MEMORY_BUDGET=%d: want at least MONSYS_INGEST_MAX_COMPRESSED + MONSYS_INGEST_MAX_DECODED (%d) and under 2 GiB", c.IngestMemoryBudget, need))
	}
	if c.IngestBatchesPerMin < 1 || c.IngestBatchesPerMin > 6000 {
		errs = append(errs, fmt.Errorf("MONSYS_INGEST_BATCHES_PER_MINUTE=%d: want 1 to 6000", c.IngestBatchesPerMin))
	}
	if c.MaxPushConns < 1 || c.MaxPushConns > 1000000 {
		errs = append(errs, fmt.Errorf("MONSYS_MAX_PUSH_CONNS=%d: want 1 to 1000000", c.MaxPushConns))
	}
	if c.AgentDistDir != "" {
		if st, err := os.Stat(c.AgentDistDir); err != nil || !st.IsDir() {
			errs = append(errs, fmt.Errorf("MONSYS_AGENT_DIST_DIR=%q: not a directory", c.AgentDistDir))
		}
	}
	if c.IngestWait < time.Second || c.IngestWait > 5*time.Minute {
		errs = append(errs, fmt.Errorf("MONSYS_INGEST_WAIT=%s: want 1s to 5m", c.IngestWait))
	}
	switch c.CVEAlertSeverity {
	case "critical", "high", "medium", "low", "none":
	default:
		errs = append(errs, fmt.Errorf("MONSYS_CVE_ALERT_SEVERITY=%q: want critical, high, medium, low or none", c.CVEAlertSeverity))
	}
	if c.CVEDirPoll < time.Second || c.CVEDirPoll > 24*time.Hour {
		errs = append(errs, fmt.Errorf("MONSYS_CVE_DIR_POLL=%s: want 1s to 24h", c.CVEDirPoll))
	}
	if c.CVEMatchEvery < time.Second || c.CVEMatchEvery > time.Hour {
		errs = append(errs, fmt.Errorf("MONSYS_CVE_MATCH_INTERVAL=%s: want 1s to 1h", c.CVEMatchEvery))
	}
	if c.DiskFreeAlertPct < 1 || c.DiskFreeAlertPct > 90 {
		errs = append(errs, fmt.Errorf("MONSYS_DISK_FREE_ALERT_PERCENT=%d: want 1 to 90", c.DiskFreeAlertPct))
	}
	if c.IngestShards < 0 || c.IngestShards > 64 {
		errs = append(errs, fmt.Errorf("MONSYS_INGEST_SHARDS=%d: want 0 to 64", c.IngestShards))
	}
	if c.SeriesCacheSize < 1000 {
		errs = append(errs, fmt.Errorf("MONSYS_SERIES_CACHE_SIZE=%d: want at least 1000", c.SeriesCacheSize))
	}
	if c.RetentionRaw != 0 && c.RetentionRaw < 24*time.Hour {
		errs = append(errs, fmt.Errorf("MONSYS_RETENTION_RAW=%s: want 0 (dialect default) or at least 24h", c.RetentionRaw))
	}
	if c.RetentionOneMinute < 72*time.Hour {
		errs = append(errs, fmt.Errorf("MONSYS_RETENTION_1M=%s: want at least 72h (the hourly rollup re-reads 2 days of it)", c.RetentionOneMinute))
	}
	if c.RetentionOneHour < c.RetentionOneMinute {
		errs = append(errs, fmt.Errorf("MONSYS_RETENTION_1H=%s: want at least MONSYS_RETENTION_1M (%s)", c.RetentionOneHour, c.RetentionOneMinute))
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			errs = append(errs, errors.New("MONSYS_SMTP_URL: want smtp://user:pass@host:port or smtps://user:pass@host:port"))
		}
	}
	if !strings.Contains(c.SMTPFrom, "@") || strings.ContainsAny(c.SMTPFrom, "\r\n") {
		errs = append(errs, fmt.Errorf("MONSYS_SMTP_FROM=%q: want an email address", c.SMTPFrom))
	}
	if _, err := c.TOTPKeyBytes(); err != nil {
		errs = append(errs, err)
	}
	if c.DefaultRulesExisting != "install" && c.DefaultRulesExisting != "decline" {
		errs = append(errs, fmt.Errorf("MONSYS_DEFAULT_RULES_EXISTING=%q: want install or decline", c.DefaultRulesExisting))
	}
	if c.SilentCheckEvery < time.Second || c.SilentCheckEvery > time.Hour {
		errs = append(errs, fmt.Errorf("MONSYS_SILENT_CHECK_INTERVAL=%s: want 1s to 1h", c.SilentCheckEvery))
	}
	if c.SilentRestartGrace < 0 || c.SilentRestartGrace > 24*time.Hour {
		errs = append(errs, fmt.Errorf("MONSYS_SILENT_RESTART_GRACE=%s: want 0s to 24h", c.SilentRestartGrace))
	}
	if c.SilentAfterIntervals < 2 || c.SilentAfterIntervals > 1000 {
		errs = append(errs, fmt.Errorf("MONSYS_SILENT_AFTER_INTERVALS=%d: want 2 to 1000", c.SilentAfterIntervals))
	}
	if _, err := c.WebhookAllowPrefixes(); err != nil {
		errs = append(errs, fmt.Errorf("MONSYS_WEBHOOK_ALLOW_CIDRS=%q: %w", c.WebhookAllowCIDRs, err))
	}
	if c.AIURL != "" {
		if u, err := url.Parse(c.AIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("MONSYS_AI_URL=%q: want an http:// or https:// URL", c.AIURL))
		}
		if c.AIModel == "" {
			errs = append(errs, errors.New("MONSYS_AI_MODEL: required with MONSYS_AI_URL"))
		}
	}
	if c.PprofListen != "" {
		if _, _, err := net.SplitHostPort(c.PprofListen); err != nil {
			errs = append(errs, fmt.Errorf("MONSYS_PPROF_LISTEN=%q: want host:port, e.g. 127.0.0.1:6060", c.PprofListen))
		}
	}
	errs = append(errs, c.validatePGListen()...)
	if c.BodyLimit < 1024 {
		errs = append(errs, fmt.Errorf("MONSYS_BODY_LIMIT=%d: want at least 1024", c.BodyLimit))
	}
	return errors.Join(errs...)
}

// validatePGListen checks MONSYS_PG_LISTEN and the password it needs.
func (c *Config) validatePGListen() []error {
	if c.PGListen == "" {
		return nil
	}
	var errs []error
	if host, _, err := net.SplitHostPort(c.PGListen); err != nil || host == "" {
		errs = append(errs, fmt.Errorf("MONSYS_PG_LISTEN=%q: want host:port, e.g. 127.0.0.1:5433", c.PGListen))
	}
	if c.DatabaseURL != "" {
		errs = append(errs, errors.New("MONSYS_PG_LISTEN opens the embedded PostgreSQL to TCP, but MONSYS_DATABASE_URL is set: "+
			"unset MONSYS_PG_LISTEN and give monsys_grafana a login on that server (deploy/grafana/README.md)"))
	}
	if c.GrafanaDBPassword == "" {
		errs = append(errs, errors.New("MONSYS_PG_LISTEN is set but MONSYS_GRAFANA_DB_PASSWORD is empty: "+
			"set it (or MONSYS_GRAFANA_DB_PASSWORD_FILE) to the password Grafana will log in with as monsys_grafana"))
	}
	return errs
}

// WebhookAllowPrefixes parses MONSYS_WEBHOOK_ALLOW_CIDRS.
func (c Config) WebhookAllowPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(c.WebhookAllowCIDRs, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("want address ranges like 10.20.0.0/16, separated by commas: %q does not parse", part)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Summary lists the settings for the start-up log, secrets redacted.
func (c Config) Summary() []any {
	db := "embedded"
	if c.DatabaseURL != "" {
		db = redactURL(c.DatabaseURL)
	}
	return []any{"listen", c.Listen, "public_url", c.PublicURL, "data_dir", c.DataDir,
		"database", db, "tsdb", c.TSDB, "db_max_conns", c.DBMaxConns, "insecure_cookies", c.InsecureCookies,
		"smtp", smtpSummary(c.SMTPURL), "cluster", c.Cluster,
		"silent_after_intervals", c.SilentAfterIntervals, "silent_check_interval", c.SilentCheckEvery, "silent_restart_grace", c.SilentRestartGrace, "webhook_allow_cidrs", c.WebhookAllowCIDRs, "pprof_listen", c.PprofListen, "pg_listen", c.PGListen,
		"cve_dir", c.CVEDir, "cve_alert_severity", c.CVEAlertSeverity}
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return "(keyword/value string)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "redacted")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func smtpSummary(s string) string {
	if s == "" {
		return "none (mail is logged)"
	}
	return redactURL(s)
}

// TOTPKeyBytes decodes MONSYS_TOTP_KEY; nil when unset.
func (c Config) TOTPKeyBytes() ([]byte, error) {
	if c.TOTPKey == "" {
		return nil, nil
	}
	k, err := hex.DecodeString(c.TOTPKey)
	if err != nil || len(k) != 32 || bytes.Equal(k, make([]byte, 32)) {
		return nil, errors.New("MONSYS_TOTP_KEY: want 64 hex digits (32 random bytes, not all zero), e.g. from `openssl rand -hex 32`")
	}
	return k, nil
}
