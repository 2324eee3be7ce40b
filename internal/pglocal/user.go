package pglocal

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// serverUser is the OS user the server runs as when this process is root.
const serverUser = "postgres"

// account is the OS user that owns the cluster's files and runs its
// processes: the current user, or serverUser when running as root.
type account struct {
	uid, gid int
	groups   []int               // every group of the user, for the traversal check
	cred     *syscall.Credential // nil: run as the current user
	env      []string            // extra environment for its processes
}

// serverAccount picks the account the server processes run as.
func serverAccount() (account, error) {
	if os.Geteuid() != 0 {
		return account{uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup(serverUser)
	if err != nil {
		return account{}, fmt.Errorf("look up OS user %q to run PostgreSQL as (it refuses to run as root; "+
			"installing the server package creates it): %w", serverUser, err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return account{}, fmt.Errorf("parse uid %q of user %s: %w", u.Uid, serverUser, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return account{}, fmt.Errorf("parse gid %q of user %s: %w", u.Gid, serverUser, err)
	}
	a := account{
		uid:    uid,
		gid:    gid,
		groups: []int{gid},
		cred:   &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}},
		env:    []string{"HOME=" + u.HomeDir, "USER=" + u.Username, "LOGNAME=" + u.Username},
	}
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if n, err := strconv.Atoi(id); err == nil {
				a.groups = append(a.groups, n)
			}
		}
	}
	return a, nil
}

// command prepares bin to run as the account in dir. The environment drops
// PG* variables so that nothing but the arguments configures the server, and
// Setpgid keeps a Ctrl-C on the terminal away from the server processes.
func (a account) command(ctx context.Context, dir, bin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: a.cred}
	cmd.WaitDelay = 5 * time.Second
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, a.env...)
	return cmd
}

// own hands paths to the account; a no-op unless running as root.
func (a account) own(paths ...string) error {
	if a.cred == nil {
		return nil
	}
	for _, p := range paths {
		if err := os.Chown(p, a.uid, a.gid); err != nil {
			return fmt.Errorf("chown %s to user %s: %w", p, serverUser, err)
		}
	}
	return nil
}

// checkTraversable verifies that the account can reach dir: every ancestor
// must grant it search (x) permission. It never changes permissions, since
// the ancestors are usually not ours to change.
func (a account) checkTraversable(dir string) error {
	if a.cred == nil {
		return nil
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", dir, err)
	}
	for d := filepath.Dir(real); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("stat %s: %w", d, err)
		}
		if !a.canSearch(fi) {
			return fmt.Errorf("directory %s (%v) is not traversable by user %s, so the server cannot reach %s: "+
				"grant o+x on it or choose a Dir elsewhere (a Dir inside a 0700 temp folder never works)",
				d, fi.Mode().Perm(), serverUser, dir)
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

func (a account) canSearch(fi os.FileInfo) bool {
	perm := fi.Mode().Perm()
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return perm&0o001 != 0
	}
	switch {
	case int(st.Uid) == a.uid:
		return perm&0o100 != 0
	case slices.Contains(a.groups, int(st.Gid)):
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}
