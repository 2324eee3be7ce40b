package main_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/wire"
)

// hostileName is a node name that would break out of Mermaid or HTML if
// the hub or the page did not escape it.
const hostileName = `db"] --> x["<img src=x onerror=alert(1)> #quot; ünï 数据`

// TestTopologyPage: agents report sockets, SSH keys and sudo rules; the
// hub's detection worker (run at start) finds web-1 → db-1; the Topology
// page draws the map with the real mermaid bundle, lists the detected and
// unmatched connections, and shows web-1's blast radius from its host
// page's link, all without a JavaScript error or CSP violation.
func TestTopologyPage(t *testing.T) {
	bin := buildHub(t)
	port := freePort(t)
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	s := newSite(t, bin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword, "MONSYS_PUBLIC_URL="+url,
		"MONSYS_SILENT_CHECK_INTERVAL=1h")
	h := s.startOn(t, port)
	h.waitHealthy(t)
	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	c.dropDefaultRules(t)
	var tok struct{ Token string }
	c.call(t, http.MethodPost, "/api/v1/enrollment-tokens", "", map[string]string{"name": "topology"}, http.StatusCreated, &tok)
	key := wire.SSHKey{User: "deploy", Type: "ssh-ed25519", Fingerprint: "SHA256:deploy-e2e", File: "/home/deploy/.ssh/authorized_keys"}
	hosts := []struct {
		name  string
		parts map[string]any
	}{
		{"web-1", map[string]any{
			wire.KindHost:    wire.HostInfo{Hostname: "web-1", Addresses: []string{"10.0.0.2"}},
			wire.KindSSHKeys: []wire.SSHKey{key},
			wire.KindSockets: []wire.Socket{
				{Proto: "tcp", State: "ESTABLISHED", LocalAddr: "10.0.0.2", LocalPort: 40001, RemoteAddr: "10.0.0.5", RemotePort: 5432},
				{Proto: "tcp", State: "ESTABLISHED", LocalAddr: "10.0.0.2", LocalPort: 40002, RemoteAddr: "93.184.216.34", RemotePort: 443}}}},
		{"db-1", map[string]any{
			wire.KindHost:    wire.HostInfo{Hostname: "db-1", Addresses: []string{"10.0.0.5"}},
			wire.KindSockets: []wire.Socket{{Proto: "tcp", State: "LISTEN", LocalAddr: "0.0.0.0", LocalPort: 5432, Process: "postgres"}}}},
		{"bastion", map[string]any{
			wire.KindSSHKeys: []wire.SSHKey{key},
			wire.KindSudo:    []wire.SudoRule{{Principal: "deploy", Hosts: []string{"ALL"}, Commands: []string{"ALL"}, NoPasswd: true, Source: "/etc/sudoers.d/deploy:1"}}}},
	}
	ids := map[string]string{}
	for _, hh := range hosts {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		a := c.registerKey(t, tok.Token, "machine-"+hh.name, hh.name, pub, http.StatusCreated)
		ids[hh.name] = a.ID
		var parts []map[string]any
		for kind, items := range hh.parts {
			parts = append(parts, map[string]any{"kind": kind, "collected_at": time.Now().UnixMilli(), "items": items})
		}
		body, err := json.Marshal(map[string]any{"batch_id": uuid.NewString(), "inventory": parts})
		if err != nil {
			t.Fatal(err)
		}
		if status := signedIngest(t, h, a, priv, body); status != http.StatusOK {
			t.Fatalf("inventory of %s = %d", hh.name, status)
		}
	}
	var zone struct{ ID string }
	c.call(t, http.MethodPost, "/api/v1/topology/zones", "", map[string]any{"name": "office <LAN>", "kind": "site"}, http.StatusCreated, &zone)
	c.call(t, http.MethodPost, "/api/v1/topology/nodes", "", map[string]any{"kind": "device", "name": hostileName, "zone_id": zone.ID}, http.StatusCreated, nil)
	h.terminate(t)
	h = s.startOn(t, port) // detection runs at start
	h.waitHealthy(t)

	b := newBrowser(t)
	b.theme(t, false, 0)
	b.open(t, url+"/login?next=%2Ftopology")
	b.fillAndSubmit(t, "#login-form", map[string]string{"email": ownerEmail, "password": ownerPassword})
	b.waitFor(t, "the map", `location.pathname === '/topology' && document.querySelector('#topo-map')?.dataset.rendered === 'true'`)
	b.waitFor(t, "the detected connection", `document.querySelectorAll('#detected-table tbody tr').length === 1`)
	if got := b.text(t, "#detected-table tbody tr"); !strings.Contains(got, "web-1") || !strings.Contains(got, "db-1") || !strings.Contains(got, "postgres") {
		t.Errorf("detected row shows %q", got)
	}
	b.waitFor(t, "the unmatched peer", `document.querySelectorAll('#unmatched-table tbody tr').length === 1`)
	if got := b.text(t, "#unmatched-table tbody tr"); !strings.Contains(got, "93.184.216.34") || !strings.Contains(got, "https") {
		t.Errorf("unmatched row shows %q", got)
	}
	// Mermaid drew every node, the hostile name as text: no element from it.
	labels := eval[string](t, b, `[...document.querySelectorAll('#topo-map svg .node')].map(n => n.textContent.trim()).sort().join('|')`)
	for _, want := range []string{"web-1", "db-1", `<img src=x onerror=alert(1)>`, "ünï 数据"} {
		if !strings.Contains(labels, want) {
			t.Errorf("map labels %q lack %q", labels, want)
		}
	}
	if n := eval[int](t, b, `document.querySelectorAll('#topo-map img, #topo-map script').length`); n != 0 {
		t.Errorf("the hostile label made %d elements", n)
	}
	if n := eval[int](t, b, `document.querySelectorAll('#topo-map svg .cluster').length`); n != 1 {
		t.Errorf("%d zone subgraphs drawn, want 1", n)
	}
	b.screenshot(t, "topology")
	b.check(t, "topology")

	b.open(t, url+"/hosts/"+ids["web-1"])
	b.waitFor(t, "the blast-radius link", `(document.querySelector('#host-blast')?.getAttribute('href') || '').includes('blast=')`)
	b.open(t, url+eval[string](t, b, `document.querySelector('#host-blast').getAttribute('href')`))
	b.waitFor(t, "the blast radius", `document.querySelectorAll('#blast-table tbody tr').length === 2 && document.querySelector('#blast-map')?.dataset.rendered === 'true'`)
	rows := eval[string](t, b, `[...document.querySelectorAll('#blast-table tbody tr')].map(r => r.textContent).join('\n')`)
	if !strings.Contains(rows, "bastion95%") || !strings.Contains(rows, "shared ssh key") || !strings.Contains(rows, "nopasswd sudo") ||
		!strings.Contains(rows, "db-160%") || !strings.Contains(rows, "connects to") {
		t.Errorf("blast radius rows:\n%s", rows)
	}
	b.screenshot(t, "topology-blast")
	b.check(t, "blast radius")
}
