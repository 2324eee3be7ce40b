package console

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// account is who the shell runs as.
type account struct {
	name, home, shell string
	uid, gid          uint32
}

// lookupAccount finds name in the user database and its login shell in
// /etc/passwd (os/user does not report shells); /bin/sh when none is set.
func lookupAccount(name string) (account, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return account{}, fmt.Errorf("console user %q: %w", name, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return account{}, fmt.Errorf("console user %q has a non-numeric uid or gid", name)
	}
	a := account{name: u.Username, home: u.HomeDir, uid: uint32(uid), gid: uint32(gid), shell: passwdShell("/etc/passwd", u.Username)}
	if a.shell == "" {
		a.shell = "/bin/sh"
	}
	if a.home == "" {
		a.home = "/"
	}
	return a, nil
}

// passwdShell is the seventh field of name's line in the passwd file.
func passwdShell(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) == 7 && fields[0] == name {
			return fields[6]
		}
	}
	return ""
}

// command is the account's login shell ("-bash" as argv[0]) in its home,
// in a new session (so its own process group, pgid = pid) with the PTY as
// controlling terminal; setuid only when the agent runs as someone else.
func (a account) command() *exec.Cmd {
	cmd := exec.Command(a.shell)
	cmd.Args = []string{"-" + filepath.Base(a.shell)}
	cmd.Dir = a.home
	cmd.Env = []string{
		"HOME=" + a.home, "USER=" + a.name, "LOGNAME=" + a.name, "SHELL=" + a.shell,
		"TERM=xterm-256color", "LANG=C.UTF-8",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	}
	attr := &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if uint32(os.Getuid()) != a.uid {
		attr.Credential = &syscall.Credential{Uid: a.uid, Gid: a.gid}
	}
	cmd.SysProcAttr = attr
	return cmd
}
