package pglocal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNoBinaries reports that no folder with the PostgreSQL server binaries
// (initdb, pg_ctl, postgres) was found. The error Open returns wraps it and
// says where it looked and which package to install.
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found")

const installHint = "install them, e.g. `apt-get install postgresql-15` on Debian/Ubuntu, " +
	"`dnf install postgresql-server` on Fedora, `brew install postgresql@15` on macOS"

// findBinDir returns the folder holding initdb, pg_ctl and postgres: explicit
// when set, else the first complete candidate of binDirCandidates.
func findBinDir(ctx context.Context, explicit string) (string, error) {
	if explicit != "" {
		dir, err := filepath.Abs(explicit)
		if err != nil {
			return "", fmt.Errorf("resolve BinDir %q: %w", explicit, err)
		}
		if missing := missingBinary(dir); missing != "" {
			return "", fmt.Errorf("%w (looked in %s, no %s there): %s", ErrNoBinaries, dir, missing, installHint)
		}
		return dir, nil
	}
	candidates := binDirCandidates(ctx)
	for _, dir := range candidates {
		if missingBinary(dir) == "" {
			return dir, nil
		}
	}
	return "", fmt.Errorf("%w (looked in %s): %s", ErrNoBinaries, strings.Join(candidates, ", "), installHint)
}

// binDirCandidates lists, best first and without duplicates: pg_config
// --bindir (on Debian it may belong to the client package), the folder of an
// initdb on PATH (Fedora), the newest Debian/Ubuntu and PGDG versioned
// folders, the source-install default and Homebrew's keg folders.
func binDirCandidates(ctx context.Context) []string {
	var dirs []string
	if dir := pgConfigBinDir(ctx); dir != "" {
		dirs = append(dirs, dir)
	}
	if path, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(path))
	}
	dirs = append(dirs, newestFirst("/usr/lib/postgresql/*/bin")...)
	dirs = append(dirs, newestFirst("/usr/pgsql-*/bin")...)
	dirs = append(dirs, "/usr/local/pgsql/bin")
	dirs = append(dirs, newestFirst("/opt/homebrew/opt/postgresql*/bin")...)
	dirs = append(dirs, newestFirst("/usr/local/opt/postgresql*/bin")...)

	seen := make(map[string]bool, len(dirs))
	unique := dirs[:0]
	for _, d := range dirs {
		if d = filepath.Clean(d); !seen[d] {
			seen[d] = true
			unique = append(unique, d)
		}
	}
	return unique
}

// pgConfigBinDir returns what `pg_config --bindir` prints, or "" when
// pg_config is missing or fails.
func pgConfigBinDir(ctx context.Context) string {
	path, err := exec.LookPath("pg_config")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--bindir").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// newestFirst expands pattern and sorts the matches by the first version
// number in their path, highest first; unversioned matches come last.
func newestFirst(pattern string) []string {
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return nil
	}
	slices.SortStableFunc(matches, func(a, b string) int {
		return slices.Compare(versionOf(b), versionOf(a))
	})
	return matches
}

// versionOf returns the first dotted number in s: "/usr/lib/postgresql/9.6/bin"
// gives [9 6], "/opt/homebrew/opt/postgresql@15/bin" gives [15].
func versionOf(s string) []int {
	start := strings.IndexFunc(s, isDigit)
	if start < 0 {
		return nil
	}
	end := start
	for end < len(s) && (isDigit(rune(s[end])) || s[end] == '.') {
		end++
	}
	var v []int
	for _, part := range strings.Split(strings.Trim(s[start:end], "."), ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			break
		}
		v = append(v, n)
	}
	return v
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// missingBinary returns the first server binary that dir lacks, or "".
func missingBinary(dir string) string {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return name
		}
	}
	return ""
}
