// Package pglocal starts, reuses and stops a private PostgreSQL cluster built
// from the machine's PostgreSQL server binaries (initdb, pg_ctl, postgres).
// The hub uses it for its embedded default database and the test harness
// uses it for the database tests.
//
// # Layout
//
// A cluster owns one folder, Options.Dir:
//
//	Dir/data          PGDATA, created by initdb on first Open
//	Dir/run           the Unix socket directory (mode 0700)
//	Dir/postgres.log  the server's stderr, appended to by every start
//	Dir/pglocal.lock  serialises Open and Close of the same Dir across processes
//
// # Socket only, unless TCP is asked for
//
// By default the server never listens on TCP: it runs with an empty
// listen_addresses and unix_socket_directories=Dir/run. Authentication on the
// socket is "trust", which is safe only because the socket directory is
// private to the server user. Options.TCP adds a TCP address for a few named
// roles: Open rewrites pg_hba.conf every time, with host lines (password,
// scram-sha-256) for those roles alone, so no other role can log in over TCP
// and a cluster opened without TCP has no host line at all. Options.Port
// merely names the socket file (.s.PGSQL.<port>), so every Dir can use 5432 and
// clusters in different Dirs never collide. A socket path is limited to about
// 107 bytes; Open refuses a Dir whose socket path would be longer.
//
// # Root and the postgres user
//
// initdb and postgres refuse to run as root. When the process runs as root,
// every server process (initdb, pg_ctl and the postmaster it spawns) runs as
// the OS user "postgres" through SysProcAttr.Credential, and Dir, Dir/run and
// Dir/data are chowned to it. Every ancestor of Dir must already be traversable
// by that user; Open names the first one that is not rather than changing
// permissions of folders it does not own. Note that os.MkdirTemp and
// t.TempDir create 0700 root folders: use such a folder as Dir itself, never
// as a parent of Dir. When not running as root, everything runs as the current
// user.
//
// # Reuse and ownership
//
// pg_ctl daemonizes the postmaster in its own session, so the server outlives
// the process that called Open, including a SIGKILL. The next Open on the same
// Dir finds it through Dir/data/postmaster.pid and the socket, and reuses it
// (Cluster.Reused reports true); a postmaster.pid left by a dead server is
// cleaned up by the postmaster itself on the next start. A running server keeps
// the settings it was started with: Options.Fast and Options.Settings only
// apply when Open starts the server.
//
// Whoever holds a *Cluster owns the server: Close stops it (pg_ctl stop -m
// fast), whether this Cluster started it or reused it. A caller that wants the
// server to outlive it, for example a cluster shared by several test processes,
// simply does not call Close.
//
// # A server that died
//
// A server can stop under its owner: killed, crashed, stopped by hand.
// EnsureRunning starts it again when no live postmaster runs on Dir/data
// (the hub calls it every 2 s for its embedded cluster); Stop stops it in
// pg_ctl's fast or immediate mode without closing the Cluster, which tests
// use to take a database away from a hub that does not own it.
//
// # Concurrency
//
// Open and Close of the same Dir are serialised by an advisory file lock, so
// concurrent Opens from several processes end with one server that the later
// ones reuse. Different Dirs are independent. A *Cluster is safe for
// concurrent use; Close may be called more than once.
package pglocal
