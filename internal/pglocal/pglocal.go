package pglocal

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// superuser is the database superuser initdb creates and ConnString uses.
const superuser = "postgres"

// Options configures Open. Only Dir is required.
type Options struct {
	// Dir is the root folder owned by the cluster: Dir/data (PGDATA),
	// Dir/run (socket directory) and Dir/postgres.log.
	Dir string
	// BinDir holds initdb, pg_ctl and postgres. Empty means discover:
	// `pg_config --bindir`, initdb on PATH, the newest
	// /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin, /usr/local/pgsql/bin,
	// then Homebrew's postgresql* kegs.
	BinDir string
	// Port names the socket file, Dir/run/.s.PGSQL.<Port>; default 5432.
	// Without TCP nothing listens on TCP, so every Dir may use the same
	// number.
	Port int
	// TCP, when set, also listens on a TCP address for its roles only
	// (pg_hba.conf, which pglocal rewrites at every Open, has host lines
	// for them alone). Its port replaces Port.
	TCP *TCPAccess
	// Fast trades crash safety for speed (fsync, synchronous_commit and
	// full_page_writes off, initdb --no-sync). For tests only: a crash of
	// the machine can corrupt the data.
	Fast bool
	// Settings are extra server settings passed as -c name=value, e.g.
	// "max_connections": "200". They come after Fast's, so they override
	// them; the listener settings (listen_addresses,
	// unix_socket_directories, port) are refused.
	Settings map[string]string
	// Logger receives lifecycle messages; nil discards them.
	Logger *slog.Logger
}

// Cluster is a PostgreSQL server running on a private data folder. It is
// safe for concurrent use. The server lives until Close, even past the end
// of this process; see the package documentation for reuse and ownership.
type Cluster struct {
	l           layout
	binDir      string
	port        int
	listen      string // listen_addresses; empty: socket only
	acct        account
	logger      *slog.Logger
	args        []string // the server's arguments, for restarts
	reused      bool
	initialized bool

	mu     sync.Mutex
	closed bool
}

// Open makes the cluster in opts.Dir available: it runs initdb when
// Dir/data has no PG_VERSION, reuses a server already running on Dir/data,
// and otherwise starts one with pg_ctl. When Open returns an error no
// server was left running by it.
func Open(ctx context.Context, opts Options) (*Cluster, error) {
	began := time.Now()
	if opts.Port == 0 {
		opts.Port = 5432
	}
	listen := ""
	if opts.TCP != nil {
		host, port, err := opts.TCP.listenHost()
		if err != nil {
			return nil, err
		}
		listen, opts.Port = host, port
	}
	if opts.Port < 1 || opts.Port > 65535 {
		return nil, fmt.Errorf("check options: port %d out of range", opts.Port)
	}
	l, err := newLayout(opts.Dir, opts.Port)
	if err != nil {
		return nil, err
	}
	args, err := serverArgs(l, opts.Port, listen, opts.Fast, opts.Settings)
	if err != nil {
		return nil, err
	}
	binDir, err := findBinDir(ctx, opts.BinDir)
	if err != nil {
		return nil, err
	}
	acct, err := serverAccount()
	if err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Cluster{
		l:      l,
		binDir: binDir,
		port:   opts.Port,
		listen: listen,
		acct:   acct,
		args:   args,
		logger: logger.With("component", "pglocal", "dir", l.dir),
	}

	if err := l.prepare(acct); err != nil {
		return nil, err
	}
	unlock, err := lockFile(ctx, l.lock)
	if err != nil {
		return nil, err
	}
	defer unlock()

	if c.initialized, err = c.initdbIfNeeded(ctx, opts.Fast); err != nil {
		return nil, err
	}
	if c.reused, err = c.reuseIfRunning(ctx); err != nil {
		return nil, err
	}
	// Only now: a refused reuse leaves the running server's file alone.
	if err := c.writeHBA(opts.TCP); err != nil {
		return nil, err
	}
	if c.reused {
		if err := c.reload(ctx); err != nil {
			return nil, err
		}
	} else if err := c.start(ctx, args); err != nil {
		return nil, err
	}
	c.logger.Info("postgres cluster ready", "bin_dir", binDir, "socket", l.socket,
		"initialized", c.initialized, "reused", c.reused, "elapsed", time.Since(began).Round(time.Millisecond))
	return c, nil
}

// ConnString returns a keyword/value connection string for database over
// the cluster's socket as the superuser, e.g. "host=/abs/dir/run port=5432
// user=postgres dbname=app sslmode=disable". pgx.ParseConfig accepts it.
func (c *Cluster) ConnString(database string) string {
	return "host=" + connQuote(c.l.run) + " port=" + strconv.Itoa(c.port) +
		" user=" + superuser + " dbname=" + connQuote(database) + " sslmode=disable"
}

// Reused reports whether Open found the server already running.
func (c *Cluster) Reused() bool { return c.reused }

// Initialized reports whether Open ran initdb on a fresh data folder.
func (c *Cluster) Initialized() bool { return c.initialized }

// Close stops the server (pg_ctl stop -m fast, which rolls back open
// transactions and disconnects clients) and waits until the postmaster has
// exited. It stops the server whether Open started or reused it. Calls after
// the first successful one return nil.
func (c *Cluster) Close(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	unlock, err := lockFile(ctx, c.l.lock)
	if err != nil {
		return err
	}
	defer unlock()
	if err := c.stop(ctx); err != nil {
		return err // not closed: a later Close tries again
	}
	c.closed = true
	return nil
}

// connQuote quotes a value of a keyword/value connection string when needed.
func connQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n\r\\'") {
		return s
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
