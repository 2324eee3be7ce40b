package api

import (
	"context"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/topology"
	"github.com/monsys/monsys/wire"
)

// TestTopologyFromRealConnections: two agents send their sockets as an
// agent does, the detection worker runs, and the map shows web-1 → db-1
// on postgres with its sightings counted; a peer no agent owns is
// unmatched; promoting it, snapshots and their diff, and the Mermaid
// export follow; another tenant sees none of it.
func TestTopologyFromRealConnections(t *testing.T) {
	e := newEnv(t)
	fx, other := e.newTenant("acme"), e.newTenant("other")
	member := e.session(fx, auth.RoleMember)
	web, db := e.pinnedAgent(fx.Tenant.ID, "web-1"), e.pinnedAgent(fx.Tenant.ID, "db-1")
	send := func(at time.Time) {
		e.sendInventory(web, at,
			part(t, wire.KindHost, wire.HostInfo{Hostname: "web-1", Addresses: []string{"10.0.0.2"}}),
			part(t, wire.KindSockets, []wire.Socket{
				{Proto: "tcp", State: "ESTABLISHED", LocalAddr: "10.0.0.2", LocalPort: 40001, RemoteAddr: "10.0.0.5", RemotePort: 5432},
				{Proto: "tcp", State: "ESTABLISHED", LocalAddr: "10.0.0.2", LocalPort: 40002, RemoteAddr: "93.184.216.34", RemotePort: 443},
			}))
		e.sendInventory(db, at,
			part(t, wire.KindHost, wire.HostInfo{Hostname: "db-1", Addresses: []string{"10.0.0.5"}}),
			part(t, wire.KindSockets, []wire.Socket{
				{Proto: "tcp", State: "LISTEN", LocalAddr: "0.0.0.0", LocalPort: 5432, Process: "postgres"},
				{Proto: "tcp", State: "ESTABLISHED", LocalAddr: "10.0.0.5", LocalPort: 5432, RemoteAddr: "10.0.0.2", RemotePort: 40001},
			}))
	}
	now := time.Now()
	worker := topology.NewWorker(e.st, func() time.Time { return now })
	send(now.Add(-time.Minute))
	if err := worker.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	send(now) // sent again, unchanged: seen once more
	if err := worker.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	var matched, unmatched page[detectedReply]
	e.do("GET", "/api/v1/topology/detected", member, nil).want(t, http.StatusOK, &matched)
	if len(matched.Items) != 1 {
		t.Fatalf("detected: %+v", matched.Items)
	}
	if d := matched.Items[0]; *d.From != web.ID || *d.To != db.ID || d.Port != 5432 || d.Service != "postgres" ||
		d.FromName != "web-1" || d.ToName != "db-1" || d.SeenCount != 2 {
		t.Errorf("web-1 → db-1: %+v", d)
	}
	e.do("GET", "/api/v1/topology/detected?unmatched=1", member, nil).want(t, http.StatusOK, &unmatched)
	if len(unmatched.Items) != 1 || unmatched.Items[0].Peer != "93.184.216.34" || unmatched.Items[0].Service != "https" {
		t.Fatalf("unmatched: %+v", unmatched.Items)
	}

	var before snapshotReply
	e.do("POST", "/api/v1/topology/snapshots", member, snapshotRequest{Name: "before"}).want(t, http.StatusCreated, &before)
	if len(before.Map.Nodes) != 2 || len(before.Map.Links) != 1 || !before.Map.Links[0].Detected {
		t.Fatalf("snapshot map: %+v", before.Map)
	}
	var promoted promoteReply
	e.do("POST", "/api/v1/topology/detected/"+strconv.FormatInt(unmatched.Items[0].ID, 10)+"/promote", member, nil).want(t, http.StatusCreated, &promoted)
	if promoted.From.AgentID != web.ID.String() || promoted.To.Kind != "device" || promoted.To.Name != "93.184.216.34" || promoted.Edge.Label != "https" {
		t.Errorf("promoted: %+v", promoted)
	}
	var after snapshotReply
	e.do("POST", "/api/v1/topology/snapshots", member, snapshotRequest{Name: "after"}).want(t, http.StatusCreated, &after)
	var diff snapshotDiffReply
	e.do("GET", "/api/v1/topology/snapshots/"+after.ID.String()+"/diff?against="+before.ID.String(), member, nil).want(t, http.StatusOK, &diff)
	// web-1 now has a node of its own (it replaces the drawn-for-it one),
	// and the outside peer is a device with an edge to it.
	if len(diff.NodesAdded) != 2 || len(diff.NodesRemoved) != 1 || len(diff.LinksAdded) != 2 || len(diff.LinksRemoved) != 1 {
		t.Errorf("diff: %+v", diff.Diff)
	}

	r := e.do("GET", "/api/v1/topology/export/mermaid", member, nil)
	if r.Status != http.StatusOK || !strings.HasPrefix(string(r.Body), "flowchart LR\n") || !strings.Contains(string(r.Body), `"db-1"`) {
		t.Errorf("mermaid: %d %s", r.Status, r.Body)
	}
	e.do("GET", "/api/v1/topology/export/mermaid?zone=nowhere", member, nil).wantProblem(t, http.StatusNotFound)

	// The other tenant sees nothing, and cannot promote or diff ours.
	stranger := e.session(other, auth.RoleOwner)
	var none page[detectedReply]
	e.do("GET", "/api/v1/topology/detected", stranger, nil).want(t, http.StatusOK, &none)
	if len(none.Items) != 0 {
		t.Errorf("other tenant sees %+v", none.Items)
	}
	e.do("POST", "/api/v1/topology/detected/"+strconv.FormatInt(matched.Items[0].ID, 10)+"/promote", stranger, nil).wantProblem(t, http.StatusNotFound)
	e.do("GET", "/api/v1/topology/snapshots/"+after.ID.String()+"/diff", stranger, nil).wantProblem(t, http.StatusNotFound)
}

// TestBlastRadiusFromInventory: agents report a shared deploy key, a
// NOPASSWD rule and a connection as agents do; the blast radius of web-1
// is exactly bastion (key, then root) and db-1 (the connection), with
// that evidence, and lonely-1 is out of it.
func TestBlastRadiusFromInventory(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	viewer := e.session(fx, auth.RoleViewer)
	web, db := e.pinnedAgent(fx.Tenant.ID, "web-1"), e.pinnedAgent(fx.Tenant.ID, "db-1")
	bastion, lonely := e.pinnedAgent(fx.Tenant.ID, "bastion"), e.pinnedAgent(fx.Tenant.ID, "lonely-1")
	key := wire.SSHKey{User: "deploy", Type: "ssh-ed25519", Fingerprint: "SHA256:deploy", File: "/home/deploy/.ssh/authorized_keys"}
	at := time.Now().Add(-time.Minute)
	e.sendInventory(web, at, part(t, wire.KindHost, wire.HostInfo{Hostname: "web-1", Addresses: []string{"10.0.0.2"}}),
		part(t, wire.KindSSHKeys, []wire.SSHKey{key}),
		part(t, wire.KindSockets, []wire.Socket{{Proto: "tcp", State: "ESTABLISHED", LocalAddr: "10.0.0.2", LocalPort: 40001, RemoteAddr: "10.0.0.5", RemotePort: 5432}}))
	e.sendInventory(db, at, part(t, wire.KindHost, wire.HostInfo{Hostname: "db-1", Addresses: []string{"10.0.0.5"}}),
		part(t, wire.KindSockets, []wire.Socket{{Proto: "tcp", State: "LISTEN", LocalAddr: "0.0.0.0", LocalPort: 5432, Process: "postgres"}}))
	e.sendInventory(bastion, at, part(t, wire.KindSSHKeys, []wire.SSHKey{key}),
		part(t, wire.KindSudo, []wire.SudoRule{{Principal: "deploy", Hosts: []string{"ALL"}, Commands: []string{"ALL"}, NoPasswd: true, Source: "/etc/sudoers.d/deploy:1"}}))
	e.sendInventory(lonely, at, part(t, wire.KindSSHKeys, []wire.SSHKey{{User: "bob", Fingerprint: "SHA256:bob"}}),
		part(t, wire.KindSudo, []wire.SudoRule{{Principal: "bob", Commands: []string{"ALL"}, NoPasswd: true, Source: "/etc/sudoers:3"}}))
	if err := topology.NewWorker(e.st, time.Now).Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	var br blastRadiusReply
	e.do("GET", "/api/v1/blast-radius/"+web.ID.String()+"?depth=3", viewer, nil).want(t, http.StatusOK, &br)
	type seen struct {
		name  string
		score float64
		kinds string
	}
	var got []seen
	for _, r := range br.Reached {
		var kinds []string
		for _, h := range r.Path {
			for _, ev := range h.Evidence {
				kinds = append(kinds, ev.Kind)
			}
		}
		got = append(got, seen{r.Name, r.Score, strings.Join(kinds, "+")})
	}
	want := []seen{{"bastion", 0.95, "shared_ssh_key+nopasswd_sudo"}, {"db-1", 0.6, "connects_to"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("blast radius of web-1: %+v", got)
	}
	if ev := br.Reached[1].Path[0].Evidence[0]; ev.Detail != "web-1 → db-1:5432 (postgres), detected" {
		t.Errorf("connection evidence: %q", ev.Detail)
	}
	if !strings.HasPrefix(br.Mermaid, "flowchart LR\n") || !strings.Contains(br.Mermaid, "bastion 95#37;") {
		t.Errorf("mermaid view:\n%s", br.Mermaid)
	}
	e.do("GET", "/api/v1/blast-radius/"+web.ID.String()+"?depth=9", viewer, nil).wantProblem(t, http.StatusBadRequest)
	other := e.session(e.newTenant("other"), auth.RoleOwner)
	e.do("GET", "/api/v1/blast-radius/"+web.ID.String(), other, nil).wantProblem(t, http.StatusNotFound)
}
