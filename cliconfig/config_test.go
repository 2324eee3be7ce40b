package cliconfig

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestSaveLoadKeepsSecretsPrivate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nested", "monsys", "config.json")
	f, err := Load(path)
	if err != nil || len(f.Contexts) != 0 {
		t.Fatalf("Load of a missing file = %+v, %v; want empty", f, err)
	}
	f.Contexts["prod"] = Context{Hub: "https://monsys.example.com", APIKey: "msk_secret", APIKeyID: "k1", User: "a@b"}
	f.Current = "prod"
	if err := Save(path, f); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && st.Mode().Perm() != want {
			t.Errorf("%s has mode %04o, want %04o", p, st.Mode().Perm(), want)
		}
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if name, c, err := got.Select(""); err != nil || name != "prod" || c.APIKey != "msk_secret" || c.APIKeyID != "k1" {
		t.Errorf("Select current = %q %+v %v", name, c, err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".config-*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}

	// Replacing keeps one file, still private.
	f.Current = ""
	if err := Save(path, f); err != nil {
		t.Fatal(err)
	}
	if got, _ := Load(path); got.Current != "" {
		t.Errorf("second save not read back: %+v", got)
	}
}

func TestLoadRefusesAFileOthersCanRead(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes do not apply on Windows")
	}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(`{"contexts":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), "chmod 600 "+path) {
		t.Fatalf("Load of a 0644 file: %v; want a refusal saying chmod 600", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Fatalf("Load after chmod 600: %v", err)
	}
}

func TestSelect(t *testing.T) {
	f := File{Contexts: map[string]Context{"a": {Hub: "h1"}, "b": {Hub: "h2"}}}
	if _, _, err := f.Select(""); !errors.Is(err, ErrNoContext) {
		t.Errorf("no current context: %v, want ErrNoContext", err)
	}
	if _, c, err := f.Select("b"); err != nil || c.Hub != "h2" {
		t.Errorf("Select(b) = %+v, %v", c, err)
	}
	if _, _, err := f.Select("c"); err == nil || !strings.Contains(err.Error(), "a, b") {
		t.Errorf("Select(c) = %v; want an error naming the known contexts", err)
	}
}

func TestPath(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the layout checked here is Linux's")
	}
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{[]string{"MONSYS_CONFIG=/etc/m.json", "HOME=/home/a"}, "/etc/m.json"},
		{[]string{"XDG_CONFIG_HOME=/x", "HOME=/home/a"}, "/x/monsys/config.json"},
		{[]string{"XDG_CONFIG_HOME=relative", "HOME=/home/a"}, "/home/a/.config/monsys/config.json"},
		{[]string{"HOME=/home/a"}, "/home/a/.config/monsys/config.json"},
	} {
		if got, err := Path(tc.env); err != nil || got != tc.want {
			t.Errorf("Path(%q) = %q, %v; want %q", tc.env, got, err, tc.want)
		}
	}
	if _, err := Path(nil); err == nil {
		t.Error("Path with neither HOME nor MONSYS_CONFIG should fail")
	}
	if NameFor("https://monsys.example.com:8443/") != "monsys.example.com:8443" {
		t.Errorf("NameFor = %q", NameFor("https://monsys.example.com:8443/"))
	}
}
