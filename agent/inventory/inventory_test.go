package inventory

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/monsys/monsys/wire"
)

var fixtureSrc = Source{Root: "testdata/root"}

func collectKind[T any](t *testing.T, fn func(context.Context, Source) (any, error), src Source) (T, error) {
	t.Helper()
	v, err := fn(context.Background(), src)
	b, merr := json.Marshal(v)
	if merr != nil {
		t.Fatal(merr)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out, err
}

func TestHost(t *testing.T) {
	h, err := collectKind[wire.HostInfo](t, collectHost, fixtureSrc)
	if err != nil {
		t.Fatal(err)
	}
	if h.Hostname != "web-1" || h.Platform != "debian" || h.PlatformVersion != "12" || h.OS != "linux" ||
		h.MachineID != "0123456789abcdef0123456789abcdef" {
		t.Errorf("host %+v: want web-1, debian 12, linux, the fixture machine id", h)
	}
	want := wire.HostDNA{ProductUUID: "4c4c4544-0042-3510-8052-b4c04f4e3732", ProductSerial: "7QJ5R42",
		DiskSerials: []string{"S4EVNX0N123456", "WD-WCC4N1234567"}, MACs: []string{"3c:ec:ef:12:34:56"},
		SSHHostKeys: []string{"SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU"}, // as ssh-keygen -l prints it
		BootID:      "6e1c3a8e-5f21-4d7a-9a6b-0d1c2e3f4a5b", CloudInstanceID: "i-0abc123def4567890"}
	if h.DNA == nil || !reflect.DeepEqual(*h.DNA, want) {
		t.Errorf("DNA %+v\nwant %+v (placeholder serials, loop devices and bridges left out)", h.DNA, want)
	}
}

func TestPackages(t *testing.T) {
	pkgs, err := collectKind[[]wire.Package](t, collectPackages, fixtureSrc)
	if err != nil {
		t.Fatal(err)
	}
	want := []wire.Package{
		{Name: "openssh-server", Version: "1:9.2p1-2+deb12u3", Arch: "amd64", Manager: "dpkg"},
		{Name: "nginx", Version: "1.22.1-9", Arch: "amd64", Manager: "dpkg"},
		{Name: "musl", Version: "1.2.4-r2", Arch: "x86_64", Manager: "apk"},
		{Name: "busybox", Version: "1.36.1-r5", Arch: "x86_64", Manager: "apk"},
	}
	if !slices.Equal(pkgs, want) {
		t.Errorf("packages %+v\nwant %+v (removed packages with config files left are not installed)", pkgs, want)
	}
	if _, err := collectPackages(context.Background(), Source{Root: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "no dpkg, rpm or apk") {
		t.Errorf("no package database: err %v, want one saying so", err)
	}
	rpm := parseRpmQuery("bash\t0:5.1.8-9.el9\tx86_64\ngpg-pubkey\t0:abc-def\t(none)\nkernel\t1:5.14.0-427.el9\tx86_64\n")
	if len(rpm) != 2 || rpm[0].Version != "5.1.8-9.el9" || rpm[1].Version != "1:5.14.0-427.el9" || rpm[1].Manager != "rpm" {
		t.Errorf("rpm query parsed to %+v", rpm)
	}
}

func TestUsersAndGroups(t *testing.T) {
	users, err := collectKind[[]wire.User](t, collectUsers, fixtureSrc)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]wire.User{}
	for _, u := range users {
		byName[u.Name] = u
	}
	if u := byName["alice"]; u.UID != 1000 || u.System || u.Locked || !slices.Equal(u.Groups, []string{"sudo"}) {
		t.Errorf("alice %+v: want uid 1000, not system, not locked, in sudo", u)
	}
	if u := byName["bob"]; !u.Locked || !slices.Equal(u.Groups, []string{"sudo", "ops"}) {
		t.Errorf("bob %+v: want locked (shadow '!'), in sudo and ops", u)
	}
	if u := byName["daemon"]; !u.System || !u.Locked {
		t.Errorf("daemon %+v: want system (uid < UID_MIN) and locked (nologin)", u)
	}
	if u := byName["root"]; u.System || u.Locked {
		t.Errorf("root %+v: want not system, not locked", u)
	}
	groups, err := collectKind[[]wire.Group](t, collectGroups, fixtureSrc)
	if err != nil || len(groups) != 5 || groups[1].Name != "sudo" || !slices.Equal(groups[1].Members, []string{"alice", "bob"}) {
		t.Errorf("groups %+v, %v", groups, err)
	}
}

func TestSudo(t *testing.T) {
	rules, err := collectKind[[]wire.SudoRule](t, collectSudo, fixtureSrc)
	if err != nil {
		t.Fatal(err)
	}
	want := []wire.SudoRule{
		{Principal: "root", Hosts: []string{"ALL"}, RunAs: "ALL:ALL", Commands: []string{"ALL"}, Source: "/etc/sudoers:6"},
		{Principal: "%sudo", Hosts: []string{"ALL"}, RunAs: "ALL:ALL", Commands: []string{"ALL"}, Source: "/etc/sudoers:7"},
		{Principal: "%ops", Hosts: []string{"ALL"}, RunAs: "root", NoPasswd: true,
			Commands: []string{"/usr/bin/systemctl restart nginx", "/usr/bin/journalctl"}, Source: "/etc/sudoers.d/ops:2"},
		{Principal: "deploy", Hosts: []string{"web-1", "web-2"}, RunAs: "www-data", NoPasswd: true,
			Commands: []string{"/usr/local/bin/deploy"}, Source: "/etc/sudoers.d/ops:4"},
		{Principal: "deploy", Hosts: []string{"db-1"}, Commands: []string{"/usr/bin/psql"}, Source: "/etc/sudoers.d/ops:4"},
	}
	if len(rules) != len(want) {
		t.Fatalf("rules %+v\nwant %+v (files with a dot in sudoers.d are skipped, as sudo does)", rules, want)
	}
	for i := range want {
		g, w := rules[i], want[i]
		if g.Principal != w.Principal || !slices.Equal(g.Hosts, w.Hosts) || g.RunAs != w.RunAs || g.NoPasswd != w.NoPasswd ||
			!slices.Equal(g.Commands, w.Commands) || g.Source != w.Source {
			t.Errorf("rule %d: %+v\nwant %+v", i, g, w)
		}
	}
}

func TestSSHKeys(t *testing.T) {
	keys, err := collectKind[[]wire.SSHKey](t, collectSSHKeys, fixtureSrc)
	if err != nil {
		t.Fatal(err)
	}
	// Fingerprints and sizes as `ssh-keygen -l` prints them for the fixture keys.
	want := []wire.SSHKey{
		{User: "root", Type: "ssh-rsa", Fingerprint: "SHA256:fY5nYIeM0iBI5+4n67pgLFtnjZ6J347eJfNg0B2sT64", Bits: 2048,
			Comment: "deploy key", File: "/root/.ssh/authorized_keys"},
		{User: "alice", Type: "ssh-ed25519", Fingerprint: "SHA256:oXedmj7tqC/0fFjdl9V2LpjO2Pw3y4KpA2Eq4tH7Ef8", Bits: 256,
			Comment: "alice@laptop", Options: `from="10.0.0.0/8",command="/usr/bin/backup --serve"`, File: "/home/alice/.ssh/authorized_keys"},
	}
	if !slices.Equal(keys, want) {
		t.Errorf("keys %+v\nwant %+v", keys, want)
	}
	raw, _ := json.Marshal(keys)
	pub, _ := os.ReadFile("testdata/root/root/.ssh/authorized_keys")
	if material := strings.Fields(string(pub))[1]; strings.Contains(string(raw), material[20:60]) {
		t.Errorf("the collected items carry key material")
	}
}

func TestSockets(t *testing.T) {
	socks, err := collectKind[[]wire.Socket](t, collectSockets, fixtureSrc)
	if err != nil {
		t.Fatal(err)
	}
	want := []wire.Socket{
		{Proto: "tcp", State: "LISTEN", LocalAddr: "127.0.0.1", LocalPort: 5432, PID: 4242, Process: "postgres"},
		{Proto: "tcp", State: "ESTABLISHED", LocalAddr: "10.0.0.5", LocalPort: 443, RemoteAddr: "10.0.0.9", RemotePort: 51000, PID: 4343, Process: "nginx"},
		{Proto: "tcp6", State: "LISTEN", LocalAddr: "::", LocalPort: 80, PID: 4343, Process: "nginx"},
		{Proto: "udp", State: "LISTEN", LocalAddr: "127.0.0.53", LocalPort: 53},
	}
	if !slices.Equal(socks, want) {
		t.Errorf("sockets %+v\nwant %+v (TIME_WAIT left out)", socks, want)
	}
}

func TestBackups(t *testing.T) {
	root := t.TempDir()
	if err := os.CopyFS(root, os.DirFS("testdata/root")); err != nil {
		t.Fatal(err)
	}
	stamp := filepath.Join(root, "var/lib/systemd/timers/stamp-restic-backup.timer")
	when := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	if err := os.Chtimes(stamp, when, when); err != nil {
		t.Fatal(err)
	}
	jobs, err := collectKind[[]wire.BackupJob](t, collectBackups, Source{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	find := func(tool, source string) *wire.BackupJob {
		for i := range jobs {
			if jobs[i].Tool == tool && jobs[i].Source == source {
				return &jobs[i]
			}
		}
		t.Errorf("no %s job from %s in %+v", tool, source, jobs)
		return &wire.BackupJob{}
	}
	if j := find("restic", "cron"); j.Repository != "s3:s3.example.com/backups" || j.Schedule != "30 2 * * *" {
		t.Errorf("restic cron job %+v", j)
	}
	if j := find("borg", "cron"); j.Repository != "/mnt/backup/repo" || j.Schedule != "0 3 * * *" {
		t.Errorf("borg cron job %+v", j)
	}
	if j := find("pgbackrest", "cron"); j.Schedule != "@daily" {
		t.Errorf("pgbackrest cron job %+v", j)
	}
	if j := find("restic", "systemd-timer"); j.Name != "restic-backup.service" || j.Schedule != "*-*-* 01:00:00" ||
		j.Repository != "/mnt/restic" || j.LastRunAt != when.Unix() {
		t.Errorf("restic timer job %+v: want its repository from Environment and last run from the stamp file", j)
	}
	if j := find("rsnapshot", "config"); j.Repository != "/.snapshots/" || j.LastRunAt == 0 {
		t.Errorf("rsnapshot job %+v", j)
	}
	if j := find("pgbackrest", "config"); j.Name != "main" || j.Repository != "/var/lib/pgbackrest" {
		t.Errorf("pgbackrest stanza %+v", j)
	}
	if len(jobs) != 6 {
		t.Errorf("%d jobs, want 6 (the unrelated timer and run-parts are not backups): %+v", len(jobs), jobs)
	}
}

func TestSystemdOutput(t *testing.T) {
	units := parseListUnits(`nginx.service loaded active running A high performance web server
● backup.service loaded failed failed Nightly backup
ghost.service not-found inactive dead ghost.service
`, parseUnitFiles("nginx.service enabled enabled\nbackup.service disabled enabled\n"))
	want := []wire.SystemdUnit{
		{Name: "nginx.service", Description: "A high performance web server", LoadState: "loaded", ActiveState: "active", SubState: "running", Enabled: "enabled"},
		{Name: "backup.service", Description: "Nightly backup", LoadState: "loaded", ActiveState: "failed", SubState: "failed", Enabled: "disabled"},
		{Name: "ghost.service", Description: "ghost.service", LoadState: "not-found", ActiveState: "inactive", SubState: "dead"},
	}
	if !slices.Equal(units, want) {
		t.Errorf("units %+v\nwant %+v", units, want)
	}
	if _, err := collectSystemd(context.Background(), fixtureSrc); err == nil {
		t.Errorf("systemd on a fixture tree: want an error saying it is not the running init")
	}
}

// TestContainers speaks the Docker Engine API over a Unix socket.
func TestContainers(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "docker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/containers/json" || r.URL.Query().Get("all") != "1" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, `[{"Id":"abc123","Names":["/web"],"Image":"nginx:1.27","State":"running","Status":"Up 3 hours","Created":1764200000,
			"Ports":[{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},{"PrivatePort":443,"Type":"tcp"}]}]`)
	})}
	go func() { _ = srv.Serve(ln) }() // returns at Close
	defer srv.Close()
	got, err := collectKind[[]wire.Container](t, collectContainers, Source{Root: "testdata/root", DockerSock: sock})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "web" || got[0].Image != "nginx:1.27" || got[0].State != "running" ||
		!slices.Equal(got[0].Ports, []string{"0.0.0.0:8080->80/tcp", "443/tcp"}) {
		t.Errorf("containers %+v", got)
	}
	if _, err := collectContainers(context.Background(), fixtureSrc); err == nil || !strings.Contains(err.Error(), "no Docker socket") {
		t.Errorf("no socket: err %v, want one saying so", err)
	}
}

// TestRunnerSendsOnChange: every kind goes out on the first pass, then
// only a kind whose items changed, then all again after the interval.
func TestRunnerSendsOnChange(t *testing.T) {
	root := t.TempDir()
	if err := os.CopyFS(root, os.DirFS("testdata/root")); err != nil {
		t.Fatal(err)
	}
	r := NewRunner(Source{Root: root}, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t0 := time.Now()
	first := r.Collect(context.Background(), t0)
	if len(first) != len(collectors()) {
		t.Fatalf("first pass sent %d kinds, want all %d", len(first), len(collectors()))
	}
	for _, p := range first {
		if p.Kind == wire.KindSystemd && p.Error == "" {
			t.Errorf("systemd part has no error on a tree without systemd")
		}
	}
	if again := r.Collect(context.Background(), t0.Add(time.Minute)); len(again) != 0 {
		t.Errorf("unchanged inventory resent: %d kinds", len(again))
	}
	f, err := os.OpenFile(filepath.Join(root, "etc/group"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString("docker:x:999:alice\n")
	_ = f.Close()
	changed := r.Collect(context.Background(), t0.Add(2*time.Minute))
	kinds := []string{}
	for _, p := range changed {
		kinds = append(kinds, p.Kind)
	}
	if !slices.Equal(kinds, []string{wire.KindUsers, wire.KindGroups}) {
		t.Errorf("after a group change the runner sent %v, want users (alice's groups) and groups", kinds)
	}
	if hourly := r.Collect(context.Background(), t0.Add(63*time.Minute)); len(hourly) != len(collectors()) {
		t.Errorf("after the interval %d kinds went out, want all %d", len(hourly), len(collectors()))
	}
}

// TestPrimaryAddressesAreTheMachines: the live host's primary addresses
// are global unicast, never loopback, and bounded.
func TestPrimaryAddressesAreTheMachines(t *testing.T) {
	addrs := primaryAddresses()
	if len(addrs) > maxAddresses {
		t.Errorf("%d addresses, want at most %d", len(addrs), maxAddresses)
	}
	for _, a := range addrs {
		ip := net.ParseIP(a)
		if ip == nil || !ip.IsGlobalUnicast() || ip.IsLoopback() {
			t.Errorf("address %q is not a global unicast address", a)
		}
	}
	if !isVirtual("docker0") || !isVirtual("veth12ab") || isVirtual("eth0") || isVirtual("enp3s0") {
		t.Errorf("container and bridge interfaces must be left out, real ones kept")
	}
	t.Logf("this machine: %v", addrs)
}
