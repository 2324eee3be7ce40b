package inventory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/monsys/monsys/wire"
)

// collectSudo parses /etc/sudoers and the files it includes (@includedir,
// #includedir, @include, #include) into user specifications. Defaults and
// alias definitions are skipped; aliases appear as written.
func collectSudo(_ context.Context, src Source) (any, error) {
	p := &sudoParser{src: src, seen: map[string]bool{}}
	err := p.file("/etc/sudoers", 0)
	if errors.Is(err, os.ErrNotExist) {
		return p.rules, fmt.Errorf("no /etc/sudoers: %w", errNotPresent)
	}
	return p.rules, err
}

type sudoParser struct {
	src   Source
	rules []wire.SudoRule
	seen  map[string]bool
	errs  []error
}

func (p *sudoParser) file(name string, depth int) error {
	if depth > 8 || p.seen[name] {
		return nil // include loop or absurd nesting
	}
	p.seen[name] = true
	var lines []string
	if err := readLines(p.src.path(name), func(l string) { lines = append(lines, l) }); err != nil {
		return err
	}
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := lines[i]
		for strings.HasSuffix(line, "\\") && i+1 < len(lines) { // continued line
			i++
			line = strings.TrimSuffix(line, "\\") + " " + strings.TrimSpace(lines[i])
		}
		line = strings.TrimSpace(line)
		if dir, ok := includeDir(line); ok {
			p.includeDir(dir, depth)
			continue
		}
		if inc, ok := includeFile(line); ok {
			if err := p.file(inc, depth+1); err != nil {
				p.errs = append(p.errs, err)
			}
			continue
		}
		if line == "" || line[0] == '#' || strings.HasPrefix(line, "Defaults") || isAliasDef(line) {
			continue
		}
		p.rules = append(p.rules, parseUserSpec(line, fmt.Sprintf("%s:%d", name, start))...)
	}
	return errors.Join(p.errs...)
}

func includeDir(line string) (string, bool) {
	for _, pre := range []string{"@includedir ", "#includedir "} {
		if d, ok := strings.CutPrefix(line, pre); ok {
			return strings.TrimSpace(d), true
		}
	}
	return "", false
}

func includeFile(line string) (string, bool) {
	for _, pre := range []string{"@include ", "#include "} {
		if f, ok := strings.CutPrefix(line, pre); ok {
			return strings.TrimSpace(f), true
		}
	}
	return "", false
}

// includeDir reads the files sudo would: sorted, skipping names that end
// in ~ or contain a dot.
func (p *sudoParser) includeDir(dir string, depth int) {
	entries, err := os.ReadDir(p.src.path(dir))
	if err != nil {
		return // sudo ignores a missing include directory too
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && !strings.HasSuffix(n, "~") && !strings.Contains(n, ".") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if err := p.file(filepath.Join(dir, n), depth+1); err != nil {
			p.errs = append(p.errs, err)
		}
	}
}

func isAliasDef(line string) bool {
	for _, a := range []string{"User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias", "Cmd_Alias"} {
		if strings.HasPrefix(line, a+" ") || strings.HasPrefix(line, a+"\t") {
			return true
		}
	}
	return false
}

// parseUserSpec reads "who host = (runas) TAG: cmd, cmd : host = …": one
// rule per principal and host group.
func parseUserSpec(line, source string) []wire.SudoRule {
	who, rest, ok := cutSpace(line)
	if !ok {
		return nil
	}
	var rules []wire.SudoRule
	for _, hostSpec := range strings.Split(rest, " : ") {
		hosts, cmds, ok := strings.Cut(hostSpec, "=")
		if !ok {
			continue
		}
		r := wire.SudoRule{Hosts: splitList(hosts), Source: source}
		cmds = strings.TrimSpace(cmds)
		if strings.HasPrefix(cmds, "(") {
			if end := strings.IndexByte(cmds, ')'); end > 0 {
				r.RunAs = strings.TrimSpace(cmds[1:end])
				cmds = strings.TrimSpace(cmds[end+1:])
			}
		}
		for {
			tag, after, ok := strings.Cut(cmds, ":")
			if !ok || strings.ContainsAny(tag, " ,/") || tag == "" || strings.ToUpper(tag) != tag {
				break
			}
			if tag == "NOPASSWD" {
				r.NoPasswd = true
			}
			if tag == "PASSWD" {
				r.NoPasswd = false
			}
			cmds = strings.TrimSpace(after)
		}
		r.Commands = splitList(cmds)
		for _, w := range splitList(who) {
			rule := r
			rule.Principal = w
			rules = append(rules, rule)
		}
	}
	return rules
}

func cutSpace(s string) (string, string, bool) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return "", "", false
	}
	return s[:i], strings.TrimSpace(s[i:]), true
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
