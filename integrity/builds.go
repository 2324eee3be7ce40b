package integrity

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Builds are the agent binaries the hub serves (MONSYS_AGENT_DIST_DIR),
// by SHA-256; hashes are kept until a file's size or time changes.
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
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]string, len(paths))
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		name := filepath.Base(p)
		f, ok := b.cache[name]
		if !ok || f.size != st.Size() || !f.mod.Equal(st.ModTime()) {
			sum, err := fileSHA256(p)
			if err != nil {
				return nil, err
			}
			f = buildFile{size: st.Size(), mod: st.ModTime(), sum: sum}
			b.cache[name] = f
		}
		out[f.sum] = name
	}
	return out, nil
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
