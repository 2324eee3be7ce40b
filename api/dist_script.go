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

// installSh is the install script template; Hub and Token arrive shell-quoted.
const installSh = `#!/bin/sh
# monsys agent installer, served by the hub with an enrollment token filled
# in. Run as root:  curl -fsSL '<hub>/api/v1/agent/install.sh?token=mse_…' | sh
set -eu

HUB={{.Hub}}
TOKEN={{.Token}}
BIN=/usr/local/bin/monsys-agent
CONF_DIR=/etc/monsys-agent
UNIT=/etc/systemd/system/monsys-agent.service

fail() { echo "monsys-agent install: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run this script as root (for example: curl … | sudo sh)"
[ "$(uname -s)" = Linux ] || fail "the agent runs on Linux only"
case "$(uname -m)" in
  x86_64|amd64) ARCH=amd64 ;;
  aarch64|arm64) ARCH=arm64 ;;
  *) fail "no agent build for $(uname -m): the hub serves amd64 and arm64" ;;
esac

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
chmod 0755 "$TMP"
"$TMP" version >/dev/null 2>&1 || fail "the downloaded file does not run on this machine"
install -m 0755 "$TMP" "$BIN"

umask 077
mkdir -p "$CONF_DIR"
chmod 0700 "$CONF_DIR"
cat > "$CONF_DIR/agent.conf" <<EOF
# monsys agent settings (MONSYS_AGENT_* variables; see monsys-agent --help)
MONSYS_AGENT_HUB=$HUB
MONSYS_AGENT_TOKEN=$TOKEN
MONSYS_AGENT_STATE_DIR=/var/lib/monsys-agent
EOF
chmod 0600 "$CONF_DIR/agent.conf"

umask 022
cat > "$UNIT" <<'EOF'
{{.Unit}}EOF

if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable monsys-agent.service
  systemctl restart monsys-agent.service
  echo "monsys-agent installed and started; logs: journalctl -u monsys-agent"
else
  echo "monsys-agent installed to $BIN; systemd is not running here, start it with:"
  echo "  $BIN --config $CONF_DIR/agent.conf"
fi
`
