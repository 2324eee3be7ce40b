package api

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/monsys/monsys/auth"
)

// TestDiagramShareLinks: a shared diagram is readable without signing
// in, shows nothing but the diagram, stays out of search engines and
// frames; unshare and expiry answer 404 at once; another tenant never
// reaches it.
func TestDiagramShareLinks(t *testing.T) {
	e := newEnv(t)
	fx, other := e.newTenant("acme"), e.newTenant("other")
	member, stranger := e.session(fx, auth.RoleMember), e.session(other, auth.RoleOwner)
	var d diagramReply
	e.do("POST", "/api/v1/diagrams/from-template/bastion-private-network", member, diagramRequest{Name: "DMZ"}).want(t, http.StatusCreated, &d)
	if d.Template != "bastion-private-network" || !strings.HasPrefix(d.Source, "flowchart") || d.Shared {
		t.Fatalf("from template: %+v", d)
	}
	var sh shareReply
	e.do("POST", "/api/v1/diagrams/"+d.ID.String()+"/share", member, shareRequest{ExpiresInHours: 2}).want(t, http.StatusCreated, &sh)
	if len(sh.Token) != 43 { // 32 bytes, base64url without padding
		t.Errorf("token %q is not 256 bits", sh.Token)
	}
	var stored int
	e.pool.QueryRow(t.Context(), `SELECT count(*) FROM diagrams WHERE share_hash = $1 OR convert_to($2, 'UTF8') = share_hash`,
		shareHash(sh.Token), sh.Token).Scan(&stored)
	if stored != 1 {
		t.Errorf("share hash rows: %d", stored)
	}

	r := e.do("GET", sh.APIURL, cred{}, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("shared diagram without auth: %d %s", r.Status, r.Body)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &fields); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.Join(keys, ",") != "expires_at,name,source,updated_at" {
		t.Errorf("shared view carries %v", keys)
	}
	if strings.Contains(string(r.Body), fx.Tenant.ID.String()) || strings.Contains(string(r.Body), d.ID.String()) {
		t.Errorf("shared view leaks ids: %s", r.Body)
	}
	for h, want := range map[string]string{"X-Robots-Tag": "noindex", "X-Frame-Options": "DENY",
		"Content-Security-Policy": "frame-ancestors 'none'", "Cache-Control": "no-store"} {
		if !strings.Contains(r.Header.Get(h), want) {
			t.Errorf("%s: %q, want %q", h, r.Header.Get(h), want)
		}
	}

	// Another tenant cannot read, change, share or unshare it.
	e.do("GET", "/api/v1/diagrams/"+d.ID.String(), stranger, nil).wantProblem(t, http.StatusNotFound)
	e.do("PUT", "/api/v1/diagrams/"+d.ID.String(), stranger, diagramRequest{Name: "x", Source: "flowchart LR\n a\n"}).wantProblem(t, http.StatusNotFound)
	e.do("POST", "/api/v1/diagrams/"+d.ID.String()+"/share", stranger, nil).wantProblem(t, http.StatusNotFound)
	e.do("POST", "/api/v1/diagrams/"+d.ID.String()+"/unshare", stranger, nil).wantProblem(t, http.StatusNotFound)
	var theirs page[diagramReply]
	e.do("GET", "/api/v1/diagrams", stranger, nil).want(t, http.StatusOK, &theirs)
	if len(theirs.Items) != 0 {
		t.Errorf("other tenant lists %+v", theirs.Items)
	}
	e.do("GET", sh.APIURL, cred{}, nil).want(t, http.StatusOK, nil) // still shared

	// Unshare: 404 at once.
	e.do("POST", "/api/v1/diagrams/"+d.ID.String()+"/unshare", member, nil).want(t, http.StatusNoContent, nil)
	e.do("GET", sh.APIURL, cred{}, nil).wantProblem(t, http.StatusNotFound)

	// A new link replaces the old; expiry: 404 at once.
	var sh2 shareReply
	e.do("POST", "/api/v1/diagrams/"+d.ID.String()+"/share", member, shareRequest{ExpiresInHours: 1}).want(t, http.StatusCreated, &sh2)
	e.do("GET", sh2.APIURL, cred{}, nil).want(t, http.StatusOK, nil)
	e.do("GET", sh.APIURL, cred{}, nil).wantProblem(t, http.StatusNotFound)
	e.exec(`UPDATE diagrams SET share_expires_at = now() - interval '1 second' WHERE id = $1`, d.ID)
	e.do("GET", sh2.APIURL, cred{}, nil).wantProblem(t, http.StatusNotFound)
	var after diagramReply
	e.do("GET", "/api/v1/diagrams/"+d.ID.String(), member, nil).want(t, http.StatusOK, &after)
	if after.Shared {
		t.Error("an expired link still counts as shared")
	}
	e.do("POST", "/api/v1/diagrams/"+d.ID.String()+"/share", member, shareRequest{ExpiresInHours: 9000}).wantProblem(t, http.StatusUnprocessableEntity)
}

// TestDiagramShareGuessingIsLimited: guessing tokens from one address
// runs into 429 with Retry-After, and a real link is then refused too.
func TestDiagramShareGuessingIsLimited(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RateQuotas["diagram_share"] = 5 })
	fx := e.newTenant("acme")
	token := e.sharedToken(fx)
	for i := range 5 {
		e.do("GET", "/api/v1/diagrams/share/guess"+strings.Repeat("x", i), cred{}, nil).wantProblem(t, http.StatusNotFound)
	}
	r := e.do("GET", "/api/v1/diagrams/share/guess-again", cred{}, nil)
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("6th guess: %d (Retry-After %q)", r.Status, r.Header.Get("Retry-After"))
	}
	e.do("GET", "/api/v1/diagrams/share/"+token, cred{}, nil).wantProblem(t, http.StatusTooManyRequests)
}

// TestDiagramsGenerateAndTemplates: the shipped templates are listed and
// a diagram generated for a zone holds only that zone's nodes.
func TestDiagramsGenerateAndTemplates(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	member := e.session(fx, auth.RoleMember)
	var tpls page[struct {
		ID string `json:"id"`
	}]
	e.do("GET", "/api/v1/diagrams/templates", member, nil).want(t, http.StatusOK, &tpls)
	var ids []string
	for _, tp := range tpls.Items {
		ids = append(ids, tp.ID)
	}
	if strings.Join(ids, ",") != "three-tier-web,database-replication,kubernetes-cluster,bastion-private-network" {
		t.Errorf("templates: %v", ids)
	}
	e.do("POST", "/api/v1/diagrams/from-template/nope", member, nil).wantProblem(t, http.StatusNotFound)

	var prod, dmz struct {
		ID string `json:"id"`
	}
	e.do("POST", "/api/v1/topology/zones", member, zoneRequest{Name: "prod", Kind: "environment"}).want(t, http.StatusCreated, &prod)
	e.do("POST", "/api/v1/topology/zones", member, map[string]any{"name": "dmz", "kind": "network", "parent_id": prod.ID}).want(t, http.StatusCreated, &dmz)
	e.do("POST", "/api/v1/topology/nodes", member, map[string]any{"kind": "device", "name": "fw-1", "zone_id": dmz.ID}).want(t, http.StatusCreated, nil)
	e.do("POST", "/api/v1/topology/nodes", member, map[string]any{"kind": "service", "name": "elsewhere"}).want(t, http.StatusCreated, nil)
	var d diagramReply
	e.do("POST", "/api/v1/diagrams/generate", member, generateRequest{Scope: diagramScope{Env: "prod"}}).want(t, http.StatusCreated, &d)
	if !strings.Contains(d.Source, `"fw-1"`) || strings.Contains(d.Source, "elsewhere") || strings.Count(d.Source, "subgraph") != 2 {
		t.Errorf("generated for prod:\n%s", d.Source)
	}
	e.do("POST", "/api/v1/diagrams/generate", member, generateRequest{Scope: diagramScope{Zone: "nowhere"}}).wantProblem(t, http.StatusUnprocessableEntity)
}
