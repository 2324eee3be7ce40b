package inventory

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/monsys/monsys/wire"
)

// backupTools are the programs recognised in cron lines and unit files.
var backupTools = []string{"restic", "borg", "borgmatic", "rsnapshot", "pgbackrest"}

var (
	resticRepo = regexp.MustCompile(`(?:-r|--repo|--repository)[ =](\S+)|RESTIC_REPOSITORY=(\S+)`)
	borgRepo   = regexp.MustCompile(`borg\s+create\s+(?:-\S+\s+)*(\S+?)::`)
)

// collectBackups finds backup jobs: cron entries and systemd services
// that run a backup tool, rsnapshot's configuration and pgBackRest's
// stanzas, with their last run where a file tells it (systemd timer
// stamps, tool logs).
func collectBackups(ctx context.Context, src Source) (any, error) {
	jobs := []wire.BackupJob{}
	jobs = append(jobs, cronBackups(src)...)
	jobs = append(jobs, timerBackups(ctx, src)...)
	jobs = append(jobs, rsnapshotConfig(src)...)
	jobs = append(jobs, pgbackrestStanzas(src)...)
	return jobs, nil
}

// toolIn names the backup tool a command line runs, or "".
func toolIn(cmd string) string {
	for _, f := range strings.FieldsFunc(cmd, func(r rune) bool { return r == ' ' || r == '\t' || r == ';' || r == '&' || r == '|' }) {
		base := filepath.Base(f)
		for _, t := range backupTools {
			if base == t {
				if t == "borgmatic" {
					return "borg"
				}
				return t
			}
		}
	}
	return ""
}

func repoIn(tool, cmd string) string {
	switch tool {
	case "restic":
		if m := resticRepo.FindStringSubmatch(cmd); m != nil {
			return unquote(m[1] + m[2])
		}
	case "borg":
		if m := borgRepo.FindStringSubmatch(cmd); m != nil {
			return unquote(m[1])
		}
	}
	return ""
}

// cronBackups reads /etc/crontab, /etc/cron.d/* (with a user field) and
// the per-user spools (without).
func cronBackups(src Source) []wire.BackupJob {
	var jobs []wire.BackupJob
	files := []struct {
		path     string
		userCols bool
	}{{"/etc/crontab", true}}
	for _, dir := range []struct {
		path     string
		userCols bool
	}{{"/etc/cron.d", true}, {"/var/spool/cron/crontabs", false}, {"/var/spool/cron", false}} {
		entries, _ := os.ReadDir(src.path(dir.path)) // a missing directory has no jobs
		for _, e := range entries {
			if !e.IsDir() {
				files = append(files, struct {
					path     string
					userCols bool
				}{filepath.Join(dir.path, e.Name()), dir.userCols})
			}
		}
	}
	for _, f := range files {
		_ = readLines(src.path(f.path), func(line string) { // unreadable crontab: no jobs from it
			line = strings.TrimSpace(line)
			if line == "" || line[0] == '#' {
				return
			}
			fields := strings.Fields(line)
			n := 5
			if strings.HasPrefix(fields[0], "@") {
				n = 1
			}
			if f.userCols {
				n++
			}
			if len(fields) <= n || strings.Contains(fields[0], "=") {
				return
			}
			cmd := strings.Join(fields[n:], " ")
			tool := toolIn(cmd)
			if tool == "" {
				return
			}
			sched := strings.Join(fields[:n], " ")
			if f.userCols {
				sched = strings.Join(fields[:n-1], " ")
			}
			jobs = append(jobs, wire.BackupJob{Tool: tool, Name: f.path + ": " + truncate(cmd, 200), Schedule: sched,
				Source: "cron", Repository: repoIn(tool, cmd), LastStatus: "unknown"})
		})
	}
	return jobs
}

// timerBackups reads timer units under /etc/systemd/system and
// /lib/systemd/system whose service runs a backup tool. The last run is
// the mtime of the timer's stamp file (Persistent=true timers).
func timerBackups(ctx context.Context, src Source) []wire.BackupJob {
	var jobs []wire.BackupJob
	seen := map[string]bool{}
	for _, dir := range []string{"/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"} {
		entries, _ := os.ReadDir(src.path(dir)) // no such directory: no timers there
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			names = append(names, e.Name())
		}
		sort.Strings(names)
		for _, name := range names {
			if !strings.HasSuffix(name, ".timer") || seen[name] {
				continue
			}
			seen[name] = true
			timer := unitFile(src.path(filepath.Join(dir, name)))
			service := timer["Unit"]
			if service == "" {
				service = strings.TrimSuffix(name, ".timer") + ".service"
			}
			svc := unitFile(src.path(filepath.Join(dir, service)))
			cmd := svc["ExecStart"]
			tool := toolIn(cmd)
			if tool == "" {
				continue
			}
			job := wire.BackupJob{Tool: tool, Name: service, Schedule: firstOf(timer["OnCalendar"], timer["OnUnitActiveSec"], timer["OnBootSec"]),
				Source: "systemd-timer", Repository: firstOf(repoIn(tool, cmd), repoIn(tool, svc["Environment"])), LastStatus: "unknown"}
			if st, err := os.Stat(src.path("/var/lib/systemd/timers/stamp-" + name)); err == nil {
				job.LastRunAt = st.ModTime().Unix()
			}
			if src.live() {
				job.LastStatus = serviceResult(ctx, service)
			}
			jobs = append(jobs, job)
		}
	}
	return jobs
}

// serviceResult asks systemd how the service's last run ended.
func serviceResult(ctx context.Context, service string) string {
	out, err := command(ctx, "systemctl", "show", "--property=Result", "--value", service)
	switch strings.TrimSpace(string(out)) {
	case "success":
		return "ok"
	case "":
		return "unknown"
	default:
		if err != nil {
			return "unknown"
		}
		return "failed"
	}
}

// unitFile reads the Key=Value lines of a unit file (last one wins).
func unitFile(path string) map[string]string {
	m := map[string]string{}
	_ = readLines(path, func(line string) { // missing unit: empty map
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && !strings.HasPrefix(k, "#") {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	})
	return m
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// rsnapshotConfig reports rsnapshot's snapshot root and, from its log
// file's mtime, when it last ran.
func rsnapshotConfig(src Source) []wire.BackupJob {
	cfg := map[string]string{}
	err := readLines(src.path("/etc/rsnapshot.conf"), func(line string) {
		f := strings.SplitN(line, "\t", 2) // rsnapshot separates with tabs
		if len(f) == 2 && !strings.HasPrefix(f[0], "#") {
			if _, ok := cfg[f[0]]; !ok {
				cfg[f[0]] = strings.TrimSpace(f[1])
			}
		}
	})
	if err != nil {
		return nil
	}
	job := wire.BackupJob{Tool: "rsnapshot", Name: "/etc/rsnapshot.conf", Source: "config", Repository: cfg["snapshot_root"], LastStatus: "unknown"}
	if lf := cfg["logfile"]; lf != "" {
		if st, err := os.Stat(src.path(lf)); err == nil {
			job.LastRunAt = st.ModTime().Unix()
		}
	}
	return []wire.BackupJob{job}
}

// pgbackrestStanzas reports each [stanza] of pgbackrest.conf with the
// repository path and the last backup log's mtime.
func pgbackrestStanzas(src Source) []wire.BackupJob {
	var jobs []wire.BackupJob
	for _, path := range []string{"/etc/pgbackrest/pgbackrest.conf", "/etc/pgbackrest.conf"} {
		var repo, logPath string
		var stanzas []string
		err := readLines(src.path(path), func(line string) {
			line = strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
				if s := line[1 : len(line)-1]; s != "global" && !strings.Contains(s, ":") {
					stanzas = append(stanzas, s)
				}
			case strings.HasPrefix(line, "repo1-path="):
				repo = strings.TrimPrefix(line, "repo1-path=")
			case strings.HasPrefix(line, "log-path="):
				logPath = strings.TrimPrefix(line, "log-path=")
			}
		})
		if err != nil {
			continue
		}
		if logPath == "" {
			logPath = "/var/log/pgbackrest"
		}
		for _, s := range stanzas {
			job := wire.BackupJob{Tool: "pgbackrest", Name: s, Source: "config", Repository: repo, LastStatus: "unknown"}
			if st, err := os.Stat(src.path(filepath.Join(logPath, s+"-backup.log"))); err == nil {
				job.LastRunAt = st.ModTime().Unix()
			}
			jobs = append(jobs, job)
		}
		break
	}
	return jobs
}
