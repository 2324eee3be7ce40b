package integrity

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Builds are the agent binaries the hub serves (MONSYS_AGENT_DIST_DIR),
// by SHA-256; hashes are kept until a file's size or time changes. The
// integrity check and the install script (its checksums) both read them.
type Builds struct {
	dir   string
	mu    sync.Mutex
	cache map[string]buildFile // by file name
}

type buildFile struct {
	size int64
	mod  time.Time
	sum  string
}

// NewBuilds reads the binaries of dir when asked.
func NewBuilds(dir string) *Builds {
	return &Builds{dir: dir, cache: map[string]buildFile{}}
}

// Hashes maps the hex SHA-256 of every monsys-agent-* file to its name.
func (b *Builds) Hashes() (map[string]string, error) {
	paths, err := filepath.Glob(filepath.Join(b.dir, "monsys-agent-*"))
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(paths))
	for _, p := range paths {
		sum, err := b.Hash(filepath.Base(p))
		if err != nil {
			return nil, err
		}
		if sum != "" {
			out[sum] = filepath.Base(p)
		}
	}
	return out, nil
}

// Hash is the hex SHA-256 of the build named name, or "" when there is no
// such regular file.
func (b *Builds) Hash(name string) (string, error) {
	path := filepath.Join(b.dir, name)
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && !st.Mode().IsRegular()) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	f, ok := b.cache[name]
	if !ok || f.size != st.Size() || !f.mod.Equal(st.ModTime()) {
		sum, err := fileSHA256(path)
		if err != nil {
			return "", err
		}
		f = buildFile{size: st.Size(), mod: st.ModTime(), sum: sum}
		b.cache[name] = f
	}
	return f.sum, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
