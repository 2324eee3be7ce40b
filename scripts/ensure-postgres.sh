#!/usr/bin/env bash
# Makes sure PostgreSQL server binaries (initdb, pg_ctl, postgres) exist, which
# the embedded database and the test suite need. Installs them with apt-get
# when they are missing and this is a Debian/Ubuntu machine we may change.
set -euo pipefail

have_server() {
  local d
  if command -v pg_config >/dev/null 2>&1; then
    d=$(pg_config --bindir 2>/dev/null || true)
    [ -n "$d" ] && [ -x "$d/initdb" ] && return 0
  fi
  for d in /usr/lib/postgresql/*/bin /usr/local/pgsql/bin /usr/pgsql-*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && return 0
  done
  command -v initdb >/dev/null 2>&1
}

have_server && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "PostgreSQL server binaries missing: installing with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # postgresql-15 where the release ships it, else the release's default.
  apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null 2>&1 \
    || apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  # The packaged cluster is not ours: monsys runs its own under its data dir.
  command -v pg_ctlcluster >/dev/null 2>&1 && pg_ctlcluster --force "$(ls /etc/postgresql | head -n1)" main stop 2>/dev/null || true
  have_server && exit 0
fi

cat >&2 <<'MSG'
PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found.
Install them, then run this again:
  Debian/Ubuntu: apt-get install postgresql-15   (or: postgresql)
  Fedora/RHEL:   dnf install postgresql-server
  macOS:         brew install postgresql@15
Or point monsys at an existing server with MONSYS_DATABASE_URL (tests: MONSYS_TEST_DATABASE_URL).
MSG
exit 1
