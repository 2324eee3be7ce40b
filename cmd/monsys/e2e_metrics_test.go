package main_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestMetricsEndToEnd runs the real hub: samples an agent sends come back
// from the metric routes, and the hub says at start how it keeps rollups
// and retention.
func TestMetricsEndToEnd(t *testing.T) {
	bin := buildHub(t)
	s := newSite(t, bin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword)
	h := s.start(t)
	h.waitHealthy(t)
	for _, msg := range []string{"rollups by worker", "retention by worker"} {
		if h.logLine(t, msg) == nil {
			t.Errorf("the hub did not log %q at start:\n%s", msg, h.Stderr(t))
		}
	}
	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	var tok struct{ Token string }
	c.call(t, http.MethodPost, "/api/v1/enrollment-tokens", "", map[string]string{"name": "metrics"}, http.StatusCreated, &tok)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ag := c.registerKey(t, tok.Token, "machine-metrics", "metrics-1", pub, http.StatusCreated)

	now := time.Now()
	body, err := json.Marshal(map[string]any{"batch_id": uuid.NewString(), "metrics": []map[string]any{{
		"name": "cpu_usage_ratio", "labels": map[string]string{"cpu": "all"},
		"samples": [][2]float64{{float64(now.Add(-3 * time.Minute).UnixMilli()), 0.25}, {float64(now.Add(-2 * time.Minute).UnixMilli()), 0.75}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if status := signedIngest(t, h, ag, priv, body); status != http.StatusOK {
		t.Fatalf("ingest = %d, want 200", status)
	}

	var got struct {
		Source string `json:"source"`
		Series []struct {
			Metric string       `json:"metric"`
			Points [][2]float64 `json:"points"`
		} `json:"series"`
	}
	c.call(t, http.MethodGet, "/api/v1/agents/"+ag.ID+"/metrics?from=now-10m&interval=10m&agg=max", "", nil, http.StatusOK, &got)
	if got.Source != "1m" || len(got.Series) != 1 || got.Series[0].Metric != "cpu_usage_ratio" || fmt.Sprint(got.Series[0].Points[len(got.Series[0].Points)-1][1]) != "0.75" {
		t.Errorf("metrics answer %+v, want the cpu series from the 1m tier ending at max 0.75", got)
	}
	var names struct {
		Items []struct {
			Metric    string   `json:"metric"`
			LabelKeys []string `json:"label_keys"`
		} `json:"items"`
	}
	c.call(t, http.MethodGet, "/api/v1/metrics/names", "", nil, http.StatusOK, &names)
	if len(names.Items) != 1 || names.Items[0].Metric != "cpu_usage_ratio" || len(names.Items[0].LabelKeys) != 1 {
		t.Errorf("names %+v, want cpu_usage_ratio with its cpu label", names.Items)
	}
	h.terminate(t)
}
