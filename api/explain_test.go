package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/explain"
)

type explainAnswer struct {
	Source   string               `json:"source"`
	Model    string               `json:"model"`
	Lang     string               `json:"lang"`
	Matched  bool                 `json:"matched"`
	Rule     *struct{ ID string } `json:"rule"`
	Meaning  string               `json:"meaning"`
	Action   string               `json:"action"`
	Redacted map[string]int       `json:"redacted"`
	Warnings []string             `json:"warnings"`
	Context  struct {
		Host *struct {
			Hostname string `json:"hostname"`
		} `json:"host"`
		Metrics []struct {
			Name  string  `json:"name"`
			Value float64 `json:"value"`
		} `json:"metrics"`
		Alerts []struct {
			Severity string `json:"severity"`
		} `json:"alerts"`
	} `json:"context"`
}

func explainPath(line string, extra ...string) string {
	v := url.Values{"log": {line}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return "/api/v1/ai/explain?" + v.Encode()
}

// TestExplainFromRulesWithAgentContext: an OOM line is explained by the
// library, with the agent's memory reading and open alert, and the
// explanation is audited without the line itself.
func TestExplainFromRulesWithAgentContext(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("explain")
	viewer := e.session(fx, auth.RoleViewer)
	a := e.agent(fx.Tenant.ID, "db-1")
	now := time.Now()
	e.writeSeries(fx.Tenant.ID, a.ID, "memory_used_ratio", map[string]string{}, every(now, time.Minute, 5), []float64{0.5, 0.6, 0.8, 0.9, 0.97})
	e.firingAlert(fx.Tenant.ID, a.ID)

	line := "kernel: Out of memory: Killed process 4711 (java) total-vm:8251212kB password=hunter22"
	var ans explainAnswer
	e.do("GET", explainPath(line, "agent_id", a.ID.String()), viewer, nil).want(t, http.StatusOK, &ans)
	if ans.Source != "rules" || !ans.Matched || ans.Rule == nil || ans.Rule.ID != "oom-kill" {
		t.Fatalf("answer %+v, want the library's oom-kill", ans)
	}
	if !strings.Contains(ans.Meaning, "java (pid 4711)") {
		t.Errorf("meaning %q does not name the killed process", ans.Meaning)
	}
	if ans.Context.Host == nil || ans.Context.Host.Hostname != "db-1" {
		t.Errorf("context host %+v, want db-1", ans.Context.Host)
	}
	if len(ans.Context.Metrics) != 1 || ans.Context.Metrics[0].Name != "memory_used_ratio" || ans.Context.Metrics[0].Value != 0.97 {
		t.Errorf("context metrics %+v, want memory_used_ratio at its latest 0.97 (warnings %q)", ans.Context.Metrics, ans.Warnings)
	}
	if len(ans.Context.Alerts) != 1 {
		t.Errorf("context alerts %+v, want the open one", ans.Context.Alerts)
	}

	var details string
	if err := e.pool.QueryRow(context.Background(), `SELECT details::text FROM audit_log
		WHERE tenant_id = $1 AND event_type = 'log_explained' AND target_id = $2`, fx.Tenant.ID, a.ID.String()).Scan(&details); err != nil {
		t.Fatalf("no log_explained audit row: %v", err)
	}
	if !strings.Contains(details, `"rule": "oom-kill"`) || !strings.Contains(details, "log_sha256") || strings.Contains(details, "hunter22") {
		t.Errorf("audit details %s: want rule and hash, never the line", details)
	}
}

func TestExplainRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("explain-no")
	other := e.newTenant("explain-other")
	viewer := e.session(fx, auth.RoleViewer)
	theirs := e.agent(other.Tenant.ID, "theirs")

	e.do("GET", "/api/v1/ai/explain", viewer, nil).wantProblem(t, http.StatusBadRequest)
	e.do("GET", explainPath(strings.Repeat("x", 4097)), viewer, nil).wantProblem(t, http.StatusBadRequest)
	e.do("GET", explainPath("a line", "lang", "english"), viewer, nil).wantProblem(t, http.StatusBadRequest)
	e.do("GET", explainPath("a line", "agent_id", "nope"), viewer, nil).wantProblem(t, http.StatusBadRequest)
	e.do("GET", explainPath("a line", "agent_id", theirs.ID.String()), viewer, nil).wantProblem(t, http.StatusNotFound)
	e.do("GET", explainPath("a line"), cred{}, nil).wantProblem(t, http.StatusUnauthorized)

	var ans explainAnswer
	e.do("GET", explainPath("everything is fine", "lang", "fr"), viewer, nil).want(t, http.StatusOK, &ans)
	if ans.Matched || ans.Lang != "en" || len(ans.Warnings) == 0 {
		t.Errorf("unmatched line in fr without a model: %+v", ans)
	}
}

// TestExplainThroughModel: with a model configured the answer is the
// model's, and what the model was sent holds none of the line's secrets.
func TestExplainThroughModel(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var sent []string
	model := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		sent = append(sent, string(b))
		mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]string{
			"role": "assistant", "content": `{"meaning":"Brute force against SSH.","cause":"Scanners.","action":"Use keys only."}`}}}})
	}))
	defer model.Close()
	e := newEnv(t, func(c *Config) {
		c.Model = &explain.Model{URL: model.URL + "/v1", Name: "local-llm"}
		c.RedactIPs = true
	})
	fx := e.newTenant("explain-model")
	viewer := e.session(fx, auth.RoleViewer)

	line := "sshd[2211]: Failed password for ops@corp.example.com from 203.0.113.9 port 52311 ssh2 token=abcdEFGH12345678"
	var ans explainAnswer
	e.do("GET", explainPath(line, "lang", "de"), viewer, nil).want(t, http.StatusOK, &ans)
	if ans.Source != "model" || ans.Model != "local-llm" || ans.Meaning != "Brute force against SSH." || ans.Lang != "de" {
		t.Fatalf("answer %+v, want the model's", ans)
	}
	if ans.Rule == nil || ans.Rule.ID != "ssh-failed-password" {
		t.Errorf("rule %+v, want the library's classification kept", ans.Rule)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sent) != 1 {
		t.Fatalf("%d requests reached the model", len(sent))
	}
	for _, secret := range []string{"ops@corp.example.com", "203.0.113.9", "abcdEFGH12345678"} {
		if strings.Contains(sent[0], secret) {
			t.Errorf("%q reached the model", secret)
		}
	}
}
