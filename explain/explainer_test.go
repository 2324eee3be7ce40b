package explain

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// chatServer speaks OpenAI's chat-completions protocol and keeps every
// request body it was sent.
type chatServer struct {
	mu     sync.Mutex
	bodies []string
	status int
	answer string
}

func (s *chatServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, string(b))
	status, answer := s.status, s.answer
	s.mu.Unlock()
	if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer model-key" {
		http.Error(w, `{"error":{"message":"wrong path or key"}}`, http.StatusUnauthorized)
		return
	}
	if status != 0 {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"error":{"message":"model overloaded"}}`)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]string{"role": "assistant", "content": answer}}}})
}

func TestModelAnswersWithoutSeeingSecrets(t *testing.T) {
	srv := &chatServer{answer: "Here you go:\n" + `{"meaning":"Der Prozess wurde beendet.","cause":"Speicher voll.","action":"Speicher prüfen."}`}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ex := New(Shipped(), &Model{URL: ts.URL + "/v1", Name: "test-model", APIKey: "model-key"}, true)

	line := `app[12]: Out of memory: Killed process 4711 (java) while user alice@example.com logged in from 203.0.113.9 with password=Sup3rS3cret token=msk_abcdefghijklmnopqrstuvwxyz0123456789`
	ctx := Context{Host: &Host{Hostname: "db-1.corp.example.com", OS: "debian"}, Metrics: []MetricValue{{Name: "memory_used_ratio", Value: 0.97}}}
	ans := ex.Explain(context.Background(), Request{Line: line, Lang: "de", Match: ex.Find(line), Context: ctx})

	if ans.Source != "model" || ans.Model != "test-model" || ans.Lang != "de" {
		t.Fatalf("answer %+v, want the model's in de", ans)
	}
	if ans.Meaning != "Der Prozess wurde beendet." || ans.Action != "Speicher prüfen." {
		t.Errorf("model's JSON not read: %+v", ans)
	}
	if !ans.Matched || ans.Rule == nil || ans.Rule.ID != "oom-kill" {
		t.Errorf("rule %+v, want oom-kill kept with the model's answer", ans.Rule)
	}
	if len(srv.bodies) != 1 {
		t.Fatalf("%d requests to the model, want 1", len(srv.bodies))
	}
	sent := srv.bodies[0]
	for _, secret := range []string{"alice@example.com", "203.0.113.9", "Sup3rS3cret", "msk_abcdefghij"} {
		if strings.Contains(sent, secret) {
			t.Errorf("%q reached the model: %s", secret, sent)
		}
	}
	if !strings.Contains(sent, "Killed process 4711 (java)") || !strings.Contains(sent, "memory_used_ratio") {
		t.Errorf("the model was not given the line and context: %s", sent)
	}
	for _, kind := range []string{"email", "ip", "assignment"} {
		if ans.Redacted[kind] == 0 {
			t.Errorf("redacted %v: no %s counted", ans.Redacted, kind)
		}
	}
}

func TestModelFailureFallsBackToRules(t *testing.T) {
	srv := &chatServer{status: http.StatusServiceUnavailable}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ex := New(Shipped(), &Model{URL: ts.URL + "/v1/chat/completions", Name: "m", APIKey: "model-key"}, false)
	line := "systemd[1]: nginx.service: Failed with result 'exit-code'."
	ans := ex.Explain(context.Background(), Request{Line: line, Match: ex.Find(line)})
	if ans.Source != "rules" || ans.Rule == nil || ans.Rule.ID != "systemd-unit-failed" {
		t.Fatalf("answer %+v, want the library's", ans)
	}
	if len(ans.Warnings) != 1 || !strings.Contains(ans.Warnings[0], "model overloaded") {
		t.Errorf("warnings %q do not say the model failed and why", ans.Warnings)
	}
	if !strings.Contains(ans.Meaning, "nginx.service") {
		t.Errorf("meaning %q", ans.Meaning)
	}
}

func TestRulesOnlyAnswers(t *testing.T) {
	ex := New(Shipped(), nil, false)
	ans := ex.Explain(context.Background(), Request{Line: "all quiet", Lang: "fr"})
	if ans.Matched || ans.Source != "rules" || ans.Meaning == "" {
		t.Errorf("unmatched line: %+v", ans)
	}
	if len(ans.Warnings) != 1 || !strings.Contains(ans.Warnings[0], "MONSYS_AI_URL") {
		t.Errorf("a language the library lacks is not named: %q", ans.Warnings)
	}
	if got := MetricsFor(ex.Find("kernel: nf_conntrack: table full, dropping packet")); len(got) != 1 || got[0] != "network_receive_drop_total" {
		t.Errorf("metrics for conntrack: %v", got)
	}
}
