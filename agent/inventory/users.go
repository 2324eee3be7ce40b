package inventory

import (
	"context"
	"strconv"
	"strings"

	"github.com/monsys/monsys/wire"
)

// collectUsers reads /etc/passwd, marks system accounts below UID_MIN of
// /etc/login.defs (1000 when unset), locked accounts from /etc/shadow
// where readable (or by a nologin shell), and fills supplementary groups
// from /etc/group.
func collectUsers(_ context.Context, src Source) (any, error) {
	uidMin := 1000
	if v, err := strconv.Atoi(loginDefs(src)["UID_MIN"]); err == nil {
		uidMin = v
	}
	groups, _ := readGroups(src) // no group file: users without supplementary groups
	member := map[string][]string{}
	for _, g := range groups {
		for _, m := range g.Members {
			member[m] = append(member[m], g.Name)
		}
	}
	locked := shadowLocked(src)
	var users []wire.User
	err := readLines(src.path("/etc/passwd"), func(line string) {
		f := strings.Split(line, ":")
		if len(f) < 7 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], "+") {
			return
		}
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil {
			return
		}
		u := wire.User{Name: f[0], UID: uid, GID: gid, Home: f[5], Shell: f[6], Groups: member[f[0]],
			System: uid < uidMin && uid != 0 || uid == 65534}
		u.Locked = locked[f[0]] || strings.HasSuffix(u.Shell, "/nologin") || strings.HasSuffix(u.Shell, "/false")
		users = append(users, u)
	})
	return users, err
}

func collectGroups(_ context.Context, src Source) (any, error) {
	return readGroups(src)
}

func readGroups(src Source) ([]wire.Group, error) {
	var groups []wire.Group
	err := readLines(src.path("/etc/group"), func(line string) {
		f := strings.Split(line, ":")
		if len(f) < 4 || strings.HasPrefix(f[0], "#") {
			return
		}
		gid, err := strconv.Atoi(f[2])
		if err != nil {
			return
		}
		g := wire.Group{Name: f[0], GID: gid}
		for _, m := range strings.Split(f[3], ",") {
			if m = strings.TrimSpace(m); m != "" {
				g.Members = append(g.Members, m)
			}
		}
		groups = append(groups, g)
	})
	return groups, err
}

// shadowLocked lists accounts whose password field starts with '!' or is
// '*'. Unreadable shadow (agent not root) yields none.
func shadowLocked(src Source) map[string]bool {
	locked := map[string]bool{}
	_ = readLines(src.path("/etc/shadow"), func(line string) { // unreadable: judged by shell only
		f := strings.Split(line, ":")
		if len(f) >= 2 && (strings.HasPrefix(f[1], "!") || f[1] == "*") {
			locked[f[0]] = true
		}
	})
	return locked
}

func loginDefs(src Source) map[string]string {
	m := map[string]string{}
	_ = readLines(src.path("/etc/login.defs"), func(line string) { // missing: defaults apply
		f := strings.Fields(line)
		if len(f) >= 2 && !strings.HasPrefix(f[0], "#") {
			m[f[0]] = f[1]
		}
	})
	return m
}
