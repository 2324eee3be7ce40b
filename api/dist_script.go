package api

// agentUnit is the systemd unit the install script writes; it is the same
// text as deploy/monsys-agent.service (a test keeps them equal).
const agentUnit = `[Unit]
Description=monsys agent: host metrics and inventory for the monsys hub
Documentation=https://github.com/monsys/monsys
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
EnvironmentFile=/etc/monsys-agent/agent.conf
ExecStart=/usr/local/bin/monsys-agent
Restart=always
RestartSec=5
# Root reads what the inventory needs (shadow, sudoers, every process's
# sockets); the rest of the system is read-only to it.
User=root
StateDirectory=monsys-agent
StateDirectoryMode=0700
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=true
NoNewPrivileges=true
ProtectKernelTunables=true
ProtectKernelModules=true
ProtectControlGroups=true
RestrictSUIDSGID=true
LockPersonality=true
MemoryMax=128M
CPUQuota=20%

[Install]
WantedBy=multi-user.target
`

// installSh is the install script template; Hub, Token and the SHA-256
// of each architecture's binary arrive shell-quoted. MONSYS_INSTALL_ROOT,
// when set, installs under that directory instead of / as a root
// filesystem: systemd is used only when $ROOT/run/systemd/system exists,
// so staging an image leaves it alone (tests run the script that way, and
// give it a systemd of their own to see the token leave agent.conf).
const installSh = `#!/bin/sh
# monsys agent installer, served by the hub with an enrollment token filled
# in. Run as root:  curl -fsSL '<hub>/api/v1/agent/install.sh?token=mse_…' | sh
set -eu

HUB={{.Hub}}
TOKEN={{.Token}}
ROOT=${MONSYS_INSTALL_ROOT:-}
BIN=$ROOT/usr/local/bin/monsys-agent
CONF_DIR=$ROOT/etc/monsys-agent
STATE_DIR=/var/lib/monsys-agent
UNIT=$ROOT/etc/systemd/system/monsys-agent.service

fail() { echo "monsys-agent install: $*" >&2; exit 1; }

[ -n "$ROOT" ] || [ "$(id -u)" = 0 ] || fail "run this script as root (for example: curl … | sudo sh)"
[ "$(uname -s)" = Linux ] || fail "the agent runs on Linux only"
case "$(uname -m)" in
  x86_64|amd64) ARCH=amd64; SHA={{.SHA256amd64}} ;;
  aarch64|arm64) ARCH=arm64; SHA={{.SHA256arm64}} ;;
  *) fail "no agent build for $(uname -m): the hub serves amd64 and arm64" ;;
esac
[ -n "$SHA" ] || fail "the hub has no agent build for linux/$ARCH (MONSYS_AGENT_DIST_DIR lacks monsys-agent-linux-$ARCH)"
command -v sha256sum >/dev/null 2>&1 || fail "need sha256sum to check the downloaded agent"

TMP=$(mktemp)
trap 'rm -f "$TMP"' EXIT INT TERM
URL="$HUB/api/v1/agent/download/linux/$ARCH"
if command -v curl >/dev/null 2>&1; then
  curl -fsSL -o "$TMP" "$URL" || fail "download $URL failed"
elif command -v wget >/dev/null 2>&1; then
  wget -q -O "$TMP" "$URL" || fail "download $URL failed"
else
  fail "need curl or wget to download the agent"
fi
[ -s "$TMP" ] || fail "downloaded an empty file from $URL"
GOT=$(sha256sum "$TMP" | cut -d' ' -f1)
[ "$GOT" = "$SHA" ] || fail "the downloaded agent's SHA-256 is $GOT but the hub built this script for $SHA: refusing to install it (download again; if it persists, something between you and the hub changes the file)"
chmod 0755 "$TMP"
"$TMP" version >/dev/null 2>&1 || fail "the downloaded file does not run on this machine"
mkdir -p "$(dirname "$BIN")"
install -m 0755 "$TMP" "$BIN"

umask 077
mkdir -p "$CONF_DIR"
chmod 0700 "$CONF_DIR"
cat > "$CONF_DIR/agent.conf" <<EOF
# monsys agent settings (MONSYS_AGENT_* variables; see monsys-agent --help)
MONSYS_AGENT_HUB=$HUB
MONSYS_AGENT_TOKEN=$TOKEN
MONSYS_AGENT_STATE_DIR=$STATE_DIR
EOF
chmod 0600 "$CONF_DIR/agent.conf"

umask 022
mkdir -p "$(dirname "$UNIT")"
cat > "$UNIT" <<'EOF'
{{.Unit}}EOF

if command -v systemctl >/dev/null 2>&1 && [ -d "$ROOT/run/systemd/system" ]; then
  systemctl daemon-reload
  systemctl enable monsys-agent.service
  systemctl restart monsys-agent.service
  # The token is needed for the first registration only: once the agent
  # holds its own identity, it leaves agent.conf.
  i=0
  while [ ! -s "$ROOT$STATE_DIR/state.json" ] && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
  if [ -s "$ROOT$STATE_DIR/state.json" ]; then
    sed -i '/^MONSYS_AGENT_TOKEN=/d' "$CONF_DIR/agent.conf"
    echo "monsys-agent installed, registered and started; logs: journalctl -u monsys-agent"
  else
    echo "monsys-agent installed and started but not registered yet; see journalctl -u monsys-agent" >&2
    echo "(the enrollment token stays in $CONF_DIR/agent.conf until then)" >&2
  fi
else
  echo "monsys-agent installed to $BIN; systemd is not running here, start it with:"
  echo "  $BIN --config $CONF_DIR/agent.conf"
  echo "and once it has registered, remove the MONSYS_AGENT_TOKEN line from $CONF_DIR/agent.conf"
fi
`

// refusedSh is what install.sh answers when the token cannot enroll: a
// script that says why and exits 1, since "curl -f … | sh" shows nothing
// of an HTTP error but "curl: (22)".
const refusedSh = `#!/bin/sh
echo {{.}} >&2
exit 1
`
