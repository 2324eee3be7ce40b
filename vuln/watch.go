package vuln

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
)

// Watcher imports a directory of OSV records whenever what is in it
// changes: it compares the names, sizes and modification times of its
// *.json and *.zip files with the previous check (polling: it works on
// every filesystem, bind mounts and NFS included). The first check
// imports. The import itself skips unchanged records, so a touched file
// costs a parse, not a rematch.
type Watcher struct {
	svc *Service
	dir string

	mu   sync.Mutex
	last string // fingerprint of the directory at the last successful import
}

// NewWatcher watches dir for svc.
func NewWatcher(svc *Service, dir string) *Watcher {
	return &Watcher{svc: svc, dir: dir}
}

// Run is one check: an import when the directory changed. A refused
// import is returned (and retried at the next check, as the files may
// still be being written).
func (w *Watcher) Run(ctx context.Context) error {
	fp, err := fingerprint(w.dir)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if fp == w.last {
		return nil
	}
	if _, err := w.svc.Import(ctx, w.dir); err != nil {
		return err
	}
	w.last = fp
	return nil
}

func fingerprint(dir string) (string, error) {
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !(strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".zip")) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s\x00%d\x00%d\n", p, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("check MONSYS_CVE_DIR %s: %w", dir, err)
	}
	return b.String(), nil
}
