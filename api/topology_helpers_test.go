package api

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/store"
)

// topologyNode makes a device node in the tenant's map.
func (e *env) topologyNode(fx *tenantFx, name string) uuid.UUID {
	e.t.Helper()
	n, err := e.st.CreateNode(context.Background(), fx.Tenant.ID, store.Node{Kind: "device", Name: name}, audit.Event{})
	if err != nil {
		e.t.Fatal(err)
	}
	return n.ID
}

// topologyEdge draws an edge between two new nodes.
func (e *env) topologyEdge(fx *tenantFx) uuid.UUID {
	e.t.Helper()
	ed, err := e.st.CreateEdge(context.Background(), fx.Tenant.ID,
		store.MapEdge{From: e.topologyNode(fx, "a-"+uuid.NewString()), To: e.topologyNode(fx, "b-"+uuid.NewString()), Protocol: "tcp"}, audit.Event{})
	if err != nil {
		e.t.Fatal(err)
	}
	return ed.ID
}

// detectedPeer records a connection from agent to an outside peer and
// answers its id.
func (e *env) detectedPeer(fx *tenantFx, agent uuid.UUID, peer string) string {
	e.t.Helper()
	ctx := context.Background()
	if err := e.st.RecordDetected(ctx, fx.Tenant.ID, time.Now(), []store.DetectedWrite{
		{From: &agent, Peer: peer, Proto: "tcp", Port: 443, Service: "https", Flows: 1}}); err != nil {
		e.t.Fatal(err)
	}
	ds, err := e.st.DetectedConnections(ctx, fx.Tenant.ID, true, nil, 500)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, d := range ds {
		if d.Peer == peer && d.FromAgent != nil && *d.FromAgent == agent {
			return strconv.FormatInt(d.ID, 10)
		}
	}
	e.t.Fatalf("detected connection to %s not stored", peer)
	return ""
}

// snapshot stores the tenant's map.
func (e *env) snapshot(fx *tenantFx) uuid.UUID {
	e.t.Helper()
	s, err := e.st.CreateSnapshot(context.Background(), fx.Tenant.ID, "fixture", []byte(`{"zones":[],"nodes":[],"links":[]}`), audit.Event{})
	if err != nil {
		e.t.Fatal(err)
	}
	return s.ID
}

// diagram stores a diagram in the tenant.
func (e *env) diagram(fx *tenantFx, name string) uuid.UUID {
	e.t.Helper()
	d, err := e.st.CreateDiagram(context.Background(), fx.Tenant.ID, store.Diagram{Name: name, Source: "flowchart LR\n  a --> b\n"}, audit.Event{})
	if err != nil {
		e.t.Fatal(err)
	}
	return d.ID
}

// sharedToken shares a new diagram of the tenant and answers the token.
func (e *env) sharedToken(fx *tenantFx) string {
	e.t.Helper()
	token := "tok" + strings.ReplaceAll(uuid.NewString(), "-", "")
	if err := e.st.ShareDiagram(context.Background(), fx.Tenant.ID, e.diagram(fx, "shared"), shareHash(token), time.Now().Add(time.Hour), audit.Event{}); err != nil {
		e.t.Fatal(err)
	}
	return token
}
