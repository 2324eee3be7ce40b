package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/monsys/monsys/auth"
)

func TestListingWalksPagesAndSaysWhatWasLeftOut(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	c := h.as(t, auth.RoleViewer)
	c.pageSize = 3 // the hub's 500 would need 501 agents to show a second page
	var want []string
	for i := range 8 {
		host := fmt.Sprintf("node-%02d", i)
		h.agent(t, host)
		want = append(want, host)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		limit int
		n     int
		more  bool
	}{{0, 8, false}, {3, 3, true}, {5, 5, true}, {8, 8, false}, {20, 8, false}} {
		l, err := c.Agents(ctx, AgentQuery{Limit: tc.limit})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range l.Items {
			got = append(got, a.Hostname)
		}
		if fmt.Sprint(got) != fmt.Sprint(want[:tc.n]) || l.More != tc.more {
			t.Errorf("limit %d: %v, more=%v; want %v, more=%v", tc.limit, got, l.More, want[:tc.n], tc.more)
		}
		var doc struct{ Items []json.RawMessage }
		if err := json.Unmarshal(l.JSON(), &doc); err != nil || len(doc.Items) != tc.n {
			t.Errorf("limit %d: JSON() holds %d items (%v), want %d", tc.limit, len(doc.Items), err, tc.n)
		}
	}
}

func TestValuesKeepTheHubsJSON(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	c := h.as(t, auth.RoleViewer)
	id := h.agent(t, "web-1")
	a, err := c.Agent(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, h.url+"/api/v1/agents/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	direct, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// last_seen_at and friends do not move for an agent that never reported.
	if string(a.JSON()) != string(direct) {
		t.Errorf("JSON() = %s\nthe hub answers %s", a.JSON(), direct)
	}
	if a.Hostname != "web-1" || a.Status != "pending" || a.ID != id {
		t.Errorf("decoded %+v", a)
	}
}

func TestFindAgent(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	c := h.as(t, auth.RoleViewer)
	ctx := context.Background()
	web := h.agent(t, "Web-1")
	h.agent(t, "web-10")
	twinA, twinB := h.agent(t, "twin"), h.agent(t, "twin")
	idShaped := "0190b3c1-0000-7000-8000-000000000000"
	named := h.agent(t, idShaped)

	for _, name := range []string{"web-1", "WEB-1", web} {
		if a, err := c.FindAgent(ctx, name); err != nil || a.ID != web {
			t.Errorf("FindAgent(%s) = %s, %v; want %s", name, a.ID, err, web)
		}
	}
	if a, err := c.FindAgent(ctx, idShaped); err != nil || a.ID != named {
		t.Errorf("a hostname shaped like an id: %s, %v; want the agent called so (%s)", a.ID, err, named)
	}
	_, err := c.FindAgent(ctx, "twin")
	var amb *AmbiguousHostError
	if !errors.As(err, &amb) || len(amb.Agents) != 2 || !strings.Contains(err.Error(), twinA) || !strings.Contains(err.Error(), twinB) {
		t.Errorf("FindAgent(twin) = %v; want an ambiguity naming both ids", err)
	}
	if _, err := c.FindAgent(ctx, "web"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FindAgent(web), a prefix only: %v; want not found", err)
	}
	names, err := c.Hostnames(ctx, "we", 10)
	if err != nil || fmt.Sprint(names) != "[Web-1 web-10]" && fmt.Sprint(names) != "[web-10 Web-1]" {
		t.Errorf("Hostnames(we) = %v, %v", names, err)
	}
}

func TestErrorsAreClassified(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	ctx := context.Background()
	viewer, member := h.as(t, auth.RoleViewer), h.as(t, auth.RoleMember)
	threshold := 0.9
	spec := RuleSpec{Name: "disk", Metric: "filesystem_used_ratio", Agg: "avg", Op: ">", Threshold: &threshold, Severity: "warning", Scope: "fleet"}

	_, err := viewer.CreateRule(ctx, spec)
	requireClass(t, "a viewer's write", err, ErrForbidden, 403)

	bad, _ := New(Config{BaseURL: h.url, APIKey: "msk_notakey"})
	_, err = bad.Agents(ctx, AgentQuery{})
	requireClass(t, "a malformed key", err, ErrUnauthorized, 401)

	_, err = viewer.Agent(ctx, "0190b3c1-0000-7000-8000-000000000000")
	requireClass(t, "an unknown agent", err, ErrNotFound, 404)

	spec.Op = "~"
	_, err = member.CreateRule(ctx, spec)
	requireClass(t, "an invalid rule", err, ErrInvalid, 422)
	var p *Error
	if errors.As(err, &p) && (len(p.Errors) != 1 || p.Errors[0].Field != "op") {
		t.Errorf("invalid rule: field errors %+v, want one on op", p.Errors)
	}

	_, err = viewer.Agents(ctx, AgentQuery{Status: "sleeping"})
	requireClass(t, "a bad filter", err, ErrInvalid, 400)

	down, _ := New(Config{BaseURL: "http://127.0.0.1:1"})
	var unreachable *UnreachableError
	if err := down.Health(ctx); !errors.As(err, &unreachable) || strings.Contains(err.Error(), `Get "`) {
		t.Errorf("a closed port: %v; want an UnreachableError without the URL twice", err)
	}
	lost, _ := New(Config{BaseURL: h.url + "/monsys"})
	var notHub *NotHubError
	if err := lost.Health(ctx); !errors.As(err, &notHub) {
		t.Errorf("a URL below the hub: %v; want NotHubError", err)
	}
}

func requireClass(t *testing.T, what string, err, class error, status int) {
	t.Helper()
	var p *Error
	if !errors.As(err, &p) || p.Status != status || !errors.Is(err, class) || p.Title == "" || p.Detail == "" {
		t.Errorf("%s: %v (%T); want a %d problem with title and detail that is %v", what, err, err, status, class)
		return
	}
	for _, other := range []error{ErrInvalid, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrServer} {
		if other != class && errors.Is(err, other) {
			t.Errorf("%s: %v is also %v", what, err, other)
		}
	}
}

func TestNewRefusesWhatIsNoHubURL(t *testing.T) {
	for _, raw := range []string{"", "monsys.example.com", "ftp://h", "http://", "https://user:pw@h"} {
		if _, err := New(Config{BaseURL: raw}); err == nil {
			t.Errorf("New(%q) accepted it", raw)
		}
	}
	c, err := New(Config{BaseURL: " https://h.example:8443/prefix/?x=1#f "})
	if err != nil || c.URL() != "https://h.example:8443/prefix" {
		t.Errorf("New kept %q (%v), want https://h.example:8443/prefix", c.URL(), err)
	}
}
