package cliconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// File is the whole configuration.
type File struct {
	Current  string             `json:"current,omitempty"`
	Contexts map[string]Context `json:"contexts"`
}

// Context is one hub and the credential used there.
type Context struct {
	Hub    string `json:"hub"`
	APIKey string `json:"api_key"`
	// APIKeyID is set when `monsys login` minted the key with a password:
	// logout revokes it. A key the user brought is only forgotten.
	APIKeyID  string     `json:"api_key_id,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	User      string     `json:"user,omitempty"`   // email of the person who signed in
	Tenant    string     `json:"tenant,omitempty"` // slug of the credential's tenant
	Role      string     `json:"role,omitempty"`
}

// ErrNoContext is a command that needs a hub where none is configured.
var ErrNoContext = errors.New("no hub is configured: sign in with `monsys login --hub URL`")

// Path is where the file lives for a process with this environment
// (os.Environ's shape).
func Path(environ []string) (string, error) {
	env := func(name string) string {
		for _, kv := range environ {
			if k, v, ok := strings.Cut(kv, "="); ok && k == name {
				return v
			}
		}
		return ""
	}
	if p := env("MONSYS_CONFIG"); p != "" {
		return p, nil
	}
	var dir string
	switch {
	case runtime.GOOS == "windows" && env("AppData") != "":
		dir = env("AppData")
	case runtime.GOOS == "darwin" && env("HOME") != "":
		dir = filepath.Join(env("HOME"), "Library", "Application Support")
	case env("XDG_CONFIG_HOME") != "" && filepath.IsAbs(env("XDG_CONFIG_HOME")):
		dir = env("XDG_CONFIG_HOME")
	case env("HOME") != "":
		dir = filepath.Join(env("HOME"), ".config")
	default:
		return "", errors.New("cannot tell where to keep the configuration: set HOME or MONSYS_CONFIG")
	}
	return filepath.Join(dir, "monsys", "config.json"), nil
}

// Load reads the file at path; a missing file is an empty configuration.
func Load(path string) (File, error) {
	f := File{Contexts: map[string]Context{}}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("read configuration: %w", err)
	}
	if perm := st.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return f, fmt.Errorf("%s holds credentials but other users may read it (mode %04o): run chmod 600 %s", path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("read configuration: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("read configuration %s: %w", path, err)
	}
	if f.Contexts == nil {
		f.Contexts = map[string]Context{}
	}
	return f, nil
}

// Save writes f to path, readable by its owner only.
func Save(path string, f File) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("make configuration directory: %w", err)
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode configuration: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".config-*.json") // CreateTemp makes it 0600
	if err != nil {
		return fmt.Errorf("write configuration: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write configuration: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write configuration: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write configuration: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write configuration: %w", err)
	}
	return nil
}

// Select answers the context called name, or the current one when name is
// empty.
func (f File) Select(name string) (string, Context, error) {
	if name == "" {
		name = f.Current
	}
	if name == "" {
		return "", Context{}, ErrNoContext
	}
	c, ok := f.Contexts[name]
	if !ok {
		known := strings.Join(f.Names(), ", ")
		if known == "" {
			known = "none"
		}
		return "", Context{}, fmt.Errorf("no context called %q (known: %s): sign in with `monsys login --hub URL --context %s`",
			name, known, name)
	}
	return name, c, nil
}

// Names lists the contexts by name.
func (f File) Names() []string {
	names := make([]string, 0, len(f.Contexts))
	for n := range f.Contexts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// NameFor is the default name of a context for a hub: its host and port.
func NameFor(hub string) string {
	u, err := url.Parse(hub)
	if err != nil || u.Host == "" {
		return hub
	}
	return u.Host
}
