#!/usr/bin/env bash
# Makes sure a headless-capable Chromium exists for the dashboard's browser
# tests (web tests driven by chromedp). Installs Debian's chromium with
# apt-get when it is missing and this is a Debian/Ubuntu machine we may
# change, as ensure-postgres.sh does for PostgreSQL.
set -euo pipefail

have_browser() {
  [ -n "${MONSYS_CHROMIUM:-}" ] && [ -x "${MONSYS_CHROMIUM}" ] && return 0
  local b
  for b in chromium chromium-browser google-chrome google-chrome-stable; do
    command -v "$b" >/dev/null 2>&1 && return 0
  done
  return 1
}

have_browser && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Chromium missing (the browser tests need it): installing with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
  have_browser && exit 0
fi

cat >&2 <<'MSG'
Chromium was not found; the dashboard's browser tests need it.
Install it, then run this again:
  Debian/Ubuntu: apt-get install chromium
  Fedora/RHEL:   dnf install chromium
  macOS:         brew install --cask chromium
Or point the tests at a Chrome or Chromium binary with MONSYS_CHROMIUM=/path/to/chrome.
MSG
exit 1
