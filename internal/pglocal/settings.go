package pglocal

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// serverArgs returns the postgres command-line arguments for a start: the
// test-mode settings, the caller's Settings (sorted, so a start is
// reproducible) and the listener, which Settings may not change: the socket
// in Dir/run, and TCP only on listen when it is not empty.
func serverArgs(l layout, port int, listen string, fast bool, settings map[string]string) ([]string, error) {
	var args []string
	if fast {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	for _, name := range slices.Sorted(maps.Keys(settings)) {
		if !validSettingName(name) {
			return nil, fmt.Errorf("check settings: %q is not a setting name", name)
		}
		switch strings.ToLower(name) {
		case "listen_addresses", "unix_socket_directories", "port":
			return nil, fmt.Errorf("check settings: %s is managed by pglocal (socket in Dir/run; TCP through Options.TCP)", name)
		}
		args = append(args, "-c", name+"="+settings[name])
	}
	args = append(args,
		"-c", "listen_addresses="+listen,
		// A quoted list element keeps commas and spaces in Dir intact.
		"-c", `unix_socket_directories="`+strings.ReplaceAll(l.run, `"`, `""`)+`"`,
		"-c", "port="+strconv.Itoa(port),
	)
	return args, nil
}

// validSettingName accepts GUC names, including custom "ext.name" ones.
func validSettingName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// shellJoin quotes args for /bin/sh: pg_ctl pastes its -o string into the
// shell command that starts postgres.
func shellJoin(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	return strings.Join(quoted, " ")
}

func shellQuote(s string) string {
	safe := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:,+=@%", r))
	}) < 0
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
