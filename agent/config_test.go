package agent

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoadPrecedence: flag beats variable beats config file beats default;
// NAME_FILE reads a secret from a file.
func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "agent.conf")
	if err := os.WriteFile(conf, []byte("# comment\nMONSYS_AGENT_HUB=https://file.example\nMONSYS_AGENT_INTERVAL=30s\nMONSYS_AGENT_TOP_PROCESSES='5'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "token")
	if err := os.WriteFile(secret, []byte("mse_fromfile\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load([]string{"--interval", "15s", "--config", conf},
		[]string{"MONSYS_AGENT_INTERVAL=20s", "MONSYS_AGENT_TOP_PROCESSES=7", "MONSYS_AGENT_TOKEN_FILE=" + secret, "HOME=/root"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Hub != "https://file.example" || cfg.Interval != 15*time.Second || cfg.TopProcesses != 7 || cfg.Token != "mse_fromfile" {
		t.Errorf("config %+v: want hub from the file, interval from the flag, top processes from the variable, token from its file", cfg)
	}
	if cfg.StateDir != "/var/lib/monsys-agent" || cfg.SpoolMaxBytes != 64<<20 || cfg.SpoolSync != time.Second || !cfg.Push {
		t.Errorf("defaults %+v", cfg)
	}
}

func TestLoadNamesTheSetting(t *testing.T) {
	for args, want := range map[string]string{
		"--interval=0s":        "MONSYS_AGENT_INTERVAL",
		"--hub=ftp://x":        "MONSYS_AGENT_HUB",
		"--spool-max-bytes=10": "MONSYS_AGENT_SPOOL_MAX_BYTES",
		"--log-level=loud":     "MONSYS_AGENT_LOG_LEVEL",
		"--top-processes=lots": "MONSYS_AGENT_TOP_PROCESSES",
		"--inventory-check=2h": "--inventory-interval",
	} {
		_, err := Load(strings.Fields(args), nil, io.Discard)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want one naming %s", args, err, want)
		}
	}
}
