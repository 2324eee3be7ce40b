package api

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// TestMetricsStayValidAfterKeepAliveTraffic: 10 000 requests of mixed
// methods, paths and lengths over a few keep-alive connections, then
// /metrics must answer 200 with only the methods that were sent as label
// values and no series twice. A label taken from Fiber's reused request
// buffer (method="GETT") failed this within a few dozen requests.
func TestMetricsStayValidAfterKeepAliveTraffic(t *testing.T) {
	// Not parallel: its thousands of requests would slow the fixed-window
	// rate-limit tests running beside it past their windows.
	e := newEnv(t)
	fx := e.newTenant("alpha")
	key, _ := e.apiKey(fx, "owner")
	type req struct{ method, path string }
	mix := []req{
		{"GET", "/api/v1/health"}, {"POST", "/api/v1/enrollment-tokens"}, {"DELETE", "/api/v1/api-keys/" + strings.Repeat("0", 36)},
		{"PATCH", "/api/v1/alerts/x/resolve"}, {"PUT", "/api/v1/alert-rules/y"}, {"HEAD", "/api/v1/health"},
		{"OPTIONS", "/api/v1/agents"}, {"GET", "/api/v1/agents?hostname=" + strings.Repeat("h", 300)},
		{"POST", "/api/v1/webhooks"}, {"GET", "/no/such/route"},
	}
	const total, workers = 10_000, 4
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}} // one keep-alive connection each
			defer client.CloseIdleConnections()
			for i := w; i < total; i += workers {
				r := mix[i%len(mix)]
				body := bytes.NewReader([]byte(`{"email":"a@b.c","password":"` + strings.Repeat("p", i%50) + `"}`))
				hr, err := http.NewRequest(r.method, e.base+r.path, body)
				if err != nil {
					errs <- err
					return
				}
				hr.Header.Set("Content-Type", "application/json")
				hr.Header.Set("Authorization", "Bearer "+key.Bearer)
				resp, err := client.Do(hr)
				if err != nil {
					errs <- fmt.Errorf("%s %s: %w", r.method, r.path, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body) // drained so the connection is reused
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := e.do("GET", "/metrics", cred{}, nil)
	if got.Status != http.StatusOK {
		t.Fatalf("/metrics after %d requests: %d; body: %.500s", total, got.Status, got.Body)
	}
	sent := map[string]bool{"other": true}
	for _, r := range mix {
		sent[r.method] = true
	}
	seen := map[string]bool{}
	methodLabel := regexp.MustCompile(`method="([^"]*)"`)
	var requests int
	for _, line := range strings.Split(string(got.Body), "\n") {
		if !strings.HasPrefix(line, "monsys_http_") {
			continue
		}
		series, _, _ := strings.Cut(line, " ")
		if seen[series] {
			t.Errorf("series twice: %s", series)
		}
		seen[series] = true
		if m := methodLabel.FindStringSubmatch(line); m != nil && !sent[m[1]] {
			t.Errorf("method label %q was never sent: %s", m[1], line)
		}
		if strings.HasPrefix(line, "monsys_http_requests_total{") {
			var n int
			fmt.Sscanf(line[strings.LastIndexByte(line, ' ')+1:], "%d", &n)
			requests += n
		}
	}
	if requests < total {
		t.Errorf("monsys_http_requests_total adds up to %d, want at least %d", requests, total)
	}
}
