package client

import (
	"errors"
	"net/http"
	"testing"
)

// FuzzAnswers feeds arbitrary bytes to every decoder of the hub's answers,
// as a hostile or broken server could send them: none may panic, and a
// non-2xx answer always becomes an error of a known type.
func FuzzAnswers(f *testing.F) {
	f.Add([]byte(`{"type":"https://monsys.dev/problems/not-found","title":"Not Found","status":404,"detail":"no such agent"}`), "application/problem+json", 404)
	f.Add([]byte(`{"agent_id":"a","series":[{"metric":"m","labels":{},"points":[[1732680000000,0.5],[1,2]]}]}`), "application/json", 200)
	f.Add([]byte(`{"items":[{"id":"x","hostname":"h"}],"next_cursor":"c"}`), "application/json", 200)
	f.Add([]byte(`<html>`), "text/html", 502)
	f.Add([]byte(`{"title":"","status":"x"}`), "application/json", 500)
	f.Fuzz(func(t *testing.T, body []byte, contentType string, status int) {
		c, err := New(Config{BaseURL: "http://hub.test"})
		if err != nil {
			t.Fatal(err)
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {contentType}}}
		perr := c.problem(resp, "GET", "/api/v1/x", body)
		var p *Error
		var nh *NotHubError
		switch {
		case errors.As(perr, &p):
			if p.Status != status || p.Title == "" {
				t.Errorf("problem with status %d, title %q from a %d answer", p.Status, p.Title, status)
			}
			_ = p.Error()
		case errors.As(perr, &nh):
			_ = nh.Error()
		default:
			t.Errorf("problem() = %v (%T)", perr, perr)
		}
		var m Metrics
		_ = decode(body, &m, "fuzz")
		var a Agent
		_ = decode(body, &a, "fuzz")
		var pg rawPage
		if decode(body, &pg, "fuzz") == nil {
			var l List[Alert]
			_ = appendItems(&l, pg.Items, "fuzz")
			_ = l.JSON()
		}
	})
}
