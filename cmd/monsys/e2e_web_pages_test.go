package main_test

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/monsys/monsys/store"
)

// TestDashboard drives the dashboard in headless Chromium against the real
// hub: sign-in with and without TOTP, the fleet, a host's charts against
// the API's answers, range and zoom, resolving an alert, creating a rule,
// a viewer without edit controls, the mailed invitation and reset links,
// and every page without a JavaScript error or CSP violation.
func TestDashboard(t *testing.T) {
	d := newDashboardSite(t)
	b := newBrowser(t)
	base := d.hub.url
	web01 := d.agents["web-01"].ID

	t.Run("sign in refuses a wrong password and then signs in", func(t *testing.T) {
		b.theme(t, false, 0)
		b.open(t, base+"/login?next=%2Falerts")
		b.screenshot(t, "login")
		b.fillAndSubmit(t, "#login-form", map[string]string{"email": ownerEmail, "password": "wrong password, quite long"})
		b.waitFor(t, "the refusal", `!document.querySelector('#login-form .form-error').hidden`)
		if got := b.text(t, "#login-form .form-error"); !strings.Contains(got, "incorrect") {
			t.Errorf("wrong password shows %q, want the API's detail", got)
		}
		if b.expectProblems("401") == 0 {
			t.Error("the refused login left no 401 in the browser log")
		}
		b.fillAndSubmit(t, "#login-form", map[string]string{"password": ownerPassword})
		b.waitFor(t, "the page after sign-in", `location.pathname === '/alerts' && document.body.dataset.ready === 'true'`)
		if who := b.text(t, "#whoami"); !strings.Contains(who, ownerEmail) && !strings.Contains(who, "Default") {
			t.Errorf("navigation bar shows %q, want the signed-in person", who)
		}
		b.check(t, "sign in")
	})

	// Early, while web-01's seeded metrics are within the explanation's
	// 15 minutes of "now".
	t.Run("security: explain a log line with its host's context", func(t *testing.T) {
		b.open(t, base+"/security")
		b.waitFor(t, "the hosts to choose from", `document.querySelectorAll('#ex-agent option').length === 4`)
		b.fillAndSubmit(t, "#explain-form", map[string]string{"agent_id": web01,
			"log": "kernel: Out of memory: Killed process 4711 (java) total-vm:8251212kB"})
		b.waitFor(t, "the explanation", `!!document.querySelector('#explain-result')`)
		if got := b.text(t, "#explain-meaning"); !strings.Contains(got, "java (pid 4711)") {
			t.Errorf("meaning shows %q, want the killed process named", got)
		}
		if got := b.text(t, "#explain-result"); !strings.Contains(got, "oom-kill") || !strings.Contains(got, "On web-01 now") {
			t.Errorf("the answer shows %q, want the rule and web-01's memory", got)
		}
		if got := b.text(t, "#sources-table tbody"); !strings.Contains(got, "203.0.113.7") || !strings.Contains(got, "23, 2222") {
			t.Errorf("decoy sources show %q, want the scanner and the ports it touched", got)
		}
		b.screenshot(t, "security")
		b.check(t, "security")
	})

	t.Run("fleet lists, filters, sorts and deep-links", func(t *testing.T) {
		b.open(t, base+"/")
		b.waitFor(t, "three agents", `document.querySelectorAll('#fleet-table tbody tr').length === 3`)
		var api struct {
			Total int `json:"total"`
			Items []struct {
				ID       string   `json:"id"`
				Hostname string   `json:"hostname"`
				CPU      *float64 `json:"cpu_ratio"`
			} `json:"items"`
		}
		d.owner.call(t, http.MethodGet, "/api/v1/fleet?sort=-cpu", "", nil, http.StatusOK, &api)
		if api.Total != 3 || api.Items[0].CPU == nil {
			t.Fatalf("fleet API answered %+v, want 3 agents with CPU values", api)
		}
		cpuText := b.text(t, `#fleet-table tr[data-agent="`+web01+`"] td:nth-child(5)`)
		if !strings.HasSuffix(strings.TrimSpace(cpuText), "%") {
			t.Errorf("web-01's CPU cell shows %q, want a percentage", cpuText)
		}
		if n := eval[int](t, b, `document.querySelectorAll('#fleet-table svg.spark path').length`); n != 3 {
			t.Errorf("%d sparklines drawn, want 3", n)
		}
		b.screenshot(t, "fleet-light")

		b.do(t, "sort by CPU", chromedp.Click(chromedp.CSS(`th[data-sort="cpu"] button`)))
		b.waitFor(t, "ascending CPU order", `document.querySelector('th[data-sort="cpu"]').getAttribute('aria-sort') === 'ascending'`)
		b.do(t, "sort by CPU, descending", chromedp.Click(chromedp.CSS(`th[data-sort="cpu"] button`)))
		b.waitFor(t, "descending CPU order", `location.search.includes('sort=-cpu') && document.querySelector('th[data-sort="cpu"]').getAttribute('aria-sort') === 'descending'`)
		b.waitFor(t, "the API's order", fmt.Sprintf(`[...document.querySelectorAll('#fleet-table tbody tr')].map(r => r.dataset.agent).join() === %q`,
			api.Items[0].ID+","+api.Items[1].ID+","+api.Items[2].ID))

		b.do(t, "filter", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#f-env'); s.value = 'staging';
			s.dispatchEvent(new Event('input', {bubbles: true})); })()`))
		b.waitFor(t, "the staging agent alone", `document.querySelectorAll('#fleet-table tbody tr').length === 1 && location.search.includes('environment=staging')`)
		b.open(t, base+"/?environment=production&q=web-0")
		b.waitFor(t, "the deep link's two agents", `document.querySelectorAll('#fleet-table tbody tr').length === 2`)
		if v := eval[string](t, b, `document.querySelector('#f-q').value`); v != "web-0" {
			t.Errorf("search box holds %q after a deep link, want web-0", v)
		}
		b.check(t, "fleet")
	})

	t.Run("host charts draw the API's points, change range and zoom", func(t *testing.T) {
		b.open(t, base+"/hosts/"+web01)
		draws := b.waitCharts(t, 0)
		before := b.checkChart(t, "cpu")
		if before.source != "1m" {
			t.Errorf("24 h of CPU came from %q, want the 1m rollup", before.source)
		}
		if n := b.strokePixels(t, "cpu"); n < 200 {
			t.Errorf("the CPU canvas has %d pixels of the series colour, want a drawn line", n)
		}
		for _, id := range []string{"load", "memory", "filesystems", "diskio", "network"} {
			b.checkChart(t, id)
		}
		facts := b.text(t, "#host-facts")
		for _, want := range []string{"debian 12.7 · amd64", "6.1.0-28-amd64", "4 CPUs", "16 GiB memory", "kvm", "10.0.0.11, 2001:db8::11", "agent 0.0.0-e2e"} {
			if !strings.Contains(facts, want) {
				t.Errorf("host facts %q lack %q (the agent's host inventory)", facts, want)
			}
		}
		b.screenshot(t, "host-light")

		b.do(t, "7 days", chromedp.Click(chromedp.CSS(`button[data-range="7d"]`)))
		draws = b.waitCharts(t, draws)
		week := b.checkChart(t, "cpu")
		if week.interval == before.interval || !strings.Contains(eval[string](t, b, `location.search`), "range=7d") {
			t.Errorf("after 7 d the interval is %q (was %q) and the URL %q; want a coarser step in the URL", week.interval, before.interval, eval[string](t, b, `location.search`))
		}

		box := eval[[]float64](t, b, `(() => { const r = document.querySelector('#chart-cpu .u-over').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
		y := box[1] + box[3]/2
		b.do(t, "drag across the CPU chart", chromedp.DragAndDropXY(box[0]+box[2]*0.55, y, box[0]+box[2]*0.8, y, 12))
		b.waitCharts(t, draws)
		search := eval[string](t, b, `location.search`)
		if !strings.Contains(search, "from=") || !strings.Contains(search, "to=") {
			t.Fatalf("after a drag the URL is %q, want from= and to=", search)
		}
		zoomed := b.checkChart(t, "cpu")
		if zoomed.interval == week.interval {
			t.Errorf("zoomed in, the interval stayed %q", zoomed.interval)
		}
		// The zoomed view is a deep link: the same URL draws the same points.
		b.open(t, base+"/hosts/"+web01+search)
		b.waitCharts(t, 0)
		if again := b.checkChart(t, "cpu"); again.points != zoomed.points {
			t.Errorf("the copied URL draws %d points, the view had %d", again.points, zoomed.points)
		}
		b.check(t, "host charts")
	})

	t.Run("host tabs: alerts, governance, inventory, processes", func(t *testing.T) {
		b.open(t, base+"/hosts/"+web01+"?tab=alerts")
		b.waitFor(t, "the host's alert", `!!document.querySelector('#tab-alerts article[data-alert]')`)
		b.do(t, "governance tab", chromedp.Click(chromedp.CSS(`.tabs a[data-tab="governance"]`)))
		b.waitFor(t, "the governance form", `!!document.querySelector('#governance-form')`)
		b.fillAndSubmit(t, "#governance-form", map[string]string{"owner": "platform team"})
		b.waitFor(t, "the saved toast", `[...document.querySelectorAll('.toast')].some(t => t.textContent.includes('saved'))`)
		var gov struct{ Owner string }
		d.owner.call(t, http.MethodGet, "/api/v1/agents/"+web01+"/governance", "", nil, http.StatusOK, &gov)
		if gov.Owner != "platform team" {
			t.Errorf("governance owner is %q after saving the form, want platform team", gov.Owner)
		}
		for _, tab := range []string{"inventory", "processes", "changes"} {
			b.do(t, tab+" tab", chromedp.Click(chromedp.CSS(`.tabs a[data-tab="`+tab+`"]`)))
			b.waitFor(t, tab+" state", `!!document.querySelector('#tab-`+tab+` .empty, #tab-`+tab+` table tbody tr, #tab-`+tab+` details.change')`)
		}
		if !strings.Contains(eval[string](t, b, `location.search`), "tab=changes") {
			t.Error("the open tab is not in the URL")
		}
		b.check(t, "host tabs")
	})

	t.Run("host lists its containers under the charts", func(t *testing.T) {
		web02 := d.agents["web-02"].ID
		b.open(t, base+"/hosts/"+web02)
		b.waitCharts(t, 0)
		if !eval[bool](t, b, `document.querySelector('#host-containers').hidden`) {
			t.Error("a host without container series shows a Containers table")
		}
		ingestContainers(t, d.hub, d.agents["web-01"], d.keys["web-01"])
		b.open(t, base+"/hosts/"+web01)
		b.waitFor(t, "the containers table", `document.querySelectorAll('#containers-table tbody tr').length === 2`)
		rows := eval[[][]string](t, b, `[...document.querySelectorAll('#containers-table tbody tr')].map(r => [...r.cells].map(c => c.textContent))`)
		want := [][]string{{"db", "postgres:16", "50 %", "1.0 GiB"}, {"web", "nginx:1.27", "10 %", "256 MiB"}}
		if fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Errorf("containers table %q, want %q (busiest first)", rows, want)
		}
		b.do(t, "scroll to the containers", chromedp.ScrollIntoView(`#host-containers`))
		b.screenshot(t, "host-containers")
		b.check(t, "host containers")
	})

	t.Run("alerts: resolve one with a note", func(t *testing.T) {
		b.open(t, base+"/alerts")
		id := eval[string](t, b, `document.querySelector('article[data-alert].firing').dataset.alert`)
		b.do(t, "resolve", chromedp.Click(chromedp.CSS(`article[data-alert="`+id+`"] .alert-actions button`)))
		b.waitFor(t, "the resolve dialog", `!!document.querySelector('dialog[open] #resolve-note')`)
		b.screenshot(t, "alerts-resolve")
		b.fillAndSubmit(t, "dialog[open] form", map[string]string{"note": "disk cleaned"})
		b.waitFor(t, "the resolved alert", `!!document.querySelector('article[data-alert="`+id+`"].resolved')`)
		var a struct {
			State       string `json:"state"`
			ResolveNote string `json:"resolve_note"`
		}
		d.owner.call(t, http.MethodGet, "/api/v1/alerts/"+id, "", nil, http.StatusOK, &a)
		if a.State != "resolved" || a.ResolveNote != "disk cleaned" {
			t.Errorf("alert after resolving: %+v", a)
		}
		b.check(t, "alerts")
	})

	t.Run("alert rules: create one", func(t *testing.T) {
		b.open(t, base+"/alert-rules")
		b.do(t, "new rule", chromedp.Click(chromedp.ID("rule-new")))
		b.waitFor(t, "the rule dialog", `document.querySelector('#rule-dialog').open`)
		b.fillAndSubmit(t, "#rule-form", map[string]string{"name": "Root filesystem full", "metric": "filesystem_used_ratio",
			"match": `{mount="/"}`, "threshold": "0.9", "for": "2m"})
		b.waitFor(t, "the new rule in the table", `[...document.querySelectorAll('#rules-table tbody tr')].some(r => r.textContent.includes('Root filesystem full'))`)
		var rules struct {
			Items []struct{ Name, Metric, Match string }
		}
		d.owner.call(t, http.MethodGet, "/api/v1/alert-rules", "", nil, http.StatusOK, &rules)
		if len(rules.Items) != 1 || rules.Items[0].Metric != "filesystem_used_ratio" || rules.Items[0].Match != `{mount="/"}` {
			t.Errorf("rules after creating one: %+v", rules.Items)
		}
		b.check(t, "rules")
	})

	t.Run("alert rules: add the default rules", func(t *testing.T) {
		b.open(t, base+"/alert-rules")
		want := 1 + len(store.DefaultAlertRules())
		b.do(t, "add the default rules", chromedp.Click(chromedp.ID("rule-defaults")))
		b.waitFor(t, "the default rules in the table", fmt.Sprintf(`document.querySelectorAll('#rules-table tbody tr').length === %d`, want))
		var rules struct {
			Items []struct{ Name, Builtin string }
		}
		d.owner.call(t, http.MethodGet, "/api/v1/alert-rules", "", nil, http.StatusOK, &rules)
		builtin := 0
		for _, r := range rules.Items {
			if r.Builtin != "" {
				builtin++
			}
		}
		if len(rules.Items) != want || builtin != len(store.DefaultAlertRules()) {
			t.Errorf("after adding the defaults: %d rules, %d of them default; want %d and %d", len(rules.Items), builtin, want, len(store.DefaultAlertRules()))
		}
	})

	t.Run("alert rules: host silent is edited like a rule", func(t *testing.T) {
		var rules struct {
			Items []struct {
				ID, Builtin, Agg string
				Threshold        float64
				Enabled          bool
			}
		}
		hostSilent := func() (id string, threshold float64, enabled bool) {
			d.owner.call(t, http.MethodGet, "/api/v1/alert-rules?limit=100", "", nil, http.StatusOK, &rules)
			for _, r := range rules.Items {
				if r.Builtin == "host_silent" {
					return r.ID, r.Threshold, r.Enabled
				}
			}
			t.Fatalf("no host_silent rule among %+v", rules.Items)
			return "", 0, false
		}
		id, _, _ := hostSilent()
		b.open(t, base+"/alert-rules")
		row := `#rules-table tr[data-rule="` + id + `"]`
		b.waitFor(t, "the host silent row", `!!document.querySelector('`+row+`')`)
		if cond := b.text(t, row+" td:nth-child(2)"); !strings.Contains(cond, "reporting intervals") {
			t.Errorf("host silent's condition reads %q, want the allowance in reporting intervals", cond)
		}
		b.do(t, "edit host silent", chromedp.Click(chromedp.CSS(row+` button`)))
		b.waitFor(t, "the silent form", `document.querySelector('#rule-dialog').open && !document.querySelector('#r-silent-hint').hidden && document.querySelector('#r-metric-row').hidden`)
		b.do(t, "disable", chromedp.Click(chromedp.ID("r-enabled")))
		b.screenshot(t, "rules-host-silent")
		b.fillAndSubmit(t, "#rule-form", map[string]string{"threshold": "5"})
		b.waitFor(t, "the saved rule", `!document.querySelector('#rule-dialog').open`)
		if _, threshold, enabled := hostSilent(); threshold != 5 || enabled {
			t.Errorf("host silent after the form: threshold %v, enabled %v; want 5, disabled", threshold, enabled)
		}
		b.check(t, "rules host silent")
	})

	t.Run("people: revoke a pending invitation", func(t *testing.T) {
		const email = "pending@e2e.test"
		d.owner.call(t, http.MethodPost, "/api/v1/invitations", "", map[string]any{"email": email, "role": "member"}, http.StatusCreated, nil)
		b.open(t, base+"/settings/people")
		row := `[...document.querySelectorAll('#invites-table tbody tr')].find(r => r.textContent.includes('` + email + `'))`
		b.waitFor(t, "the pending invitation", `!!`+row)
		b.do(t, "revoke", chromedp.Evaluate[chromedp.Void](row+`.querySelector('button').click()`))
		b.waitFor(t, "the confirmation dialog", `!!document.querySelector('dialog.confirm[open]')`)
		b.do(t, "confirm", chromedp.Evaluate[chromedp.Void](`document.querySelector('dialog.confirm[open] button.danger').click()`))
		b.waitFor(t, "the invitation gone", `!`+row)
		var pending struct{ Items []struct{ Email string } }
		d.owner.call(t, http.MethodGet, "/api/v1/invitations", "", nil, http.StatusOK, &pending)
		for _, i := range pending.Items {
			if i.Email == email {
				t.Errorf("%s is still pending after revoking it in the page", email)
			}
		}
		b.check(t, "people")
	})

	t.Run("notifications: add an ntfy channel, send a test, read its log", func(t *testing.T) {
		got := make(chan string, 8)
		ntfy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			got <- string(body)
			_, _ = w.Write([]byte(`{"id":"e2e"}`))
		}))
		defer ntfy.Close()
		b.open(t, base+"/notifications")
		b.waitFor(t, "the empty list", `document.body.dataset.ready === 'true' && !!document.querySelector('#channels-state .empty')`)
		b.do(t, "add channel", chromedp.Click(chromedp.ID("channel-new")))
		b.waitFor(t, "the channel dialog", `document.querySelector('#channel-dialog').open && !!document.querySelector('#k-topic')`)
		b.screenshot(t, "notifications-form")
		b.fillAndSubmit(t, "#channel-form", map[string]string{"name": "On-call", "k_server": ntfy.URL, "k_topic": "monsys-e2e",
			"k_token": "tk_e2e_secret", "routing.tags": "db", "quiet_hours.start": "", "group_window_s": "10"})
		row := `document.querySelector('#channels-table tr[data-channel="On-call"]')`
		b.waitFor(t, "the new channel", `!!`+row)
		if txt := eval[string](t, b, row+`.textContent`); !strings.Contains(txt, "ntfy://127.0.0.1") || strings.Contains(txt, "tk_e2e_secret") ||
			!strings.Contains(txt, "tags db") || !strings.Contains(txt, "grouped over 10 s") {
			t.Errorf("the channel's row shows %q", txt)
		}
		var chans struct {
			Items []struct{ Name, Kind, Target string }
		}
		d.owner.call(t, http.MethodGet, "/api/v1/notification-channels", "", nil, http.StatusOK, &chans)
		if len(chans.Items) != 1 || chans.Items[0].Kind != "ntfy" || chans.Items[0].Target != "ntfy://127.0.0.1" {
			t.Errorf("channels after adding one in the page: %+v", chans.Items)
		}
		b.do(t, "send a test", chromedp.Evaluate[chromedp.Void](row+`.querySelector('button').click()`))
		b.waitFor(t, "the test's toast", `[...document.querySelectorAll('.toast')].some(t => t.textContent.includes('Test message sent to On-call'))`)
		select {
		case m := <-got:
			if !strings.Contains(m, "This is a test message from monsys") {
				t.Errorf("ntfy received %q", m)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the test message did not reach ntfy")
		}
		b.do(t, "open the log", chromedp.Evaluate[chromedp.Void](`[...`+row+`.querySelectorAll('button')].find(x => x.textContent === 'Log').click()`))
		b.waitFor(t, "the test in the log", `[...document.querySelectorAll('#channel-log-table tbody tr')].some(r => r.textContent.includes('test message') && r.textContent.includes('delivered'))`)
		b.screenshot(t, "notifications")

		// Edit: only critical alerts from now on; the URL stays as it was.
		b.do(t, "edit", chromedp.Evaluate[chromedp.Void](`[...`+row+`.querySelectorAll('button')].find(x => x.textContent === 'Edit').click()`))
		b.waitFor(t, "the filled edit form", `document.querySelector('#channel-dialog').open && document.querySelector('#c-name').value === 'On-call' && document.querySelector('#c-tags').value === 'db'`)
		b.do(t, "tick critical", chromedp.Click(chromedp.CSS(`#channel-form input[name="sev_critical"]`)))
		b.do(t, "save", chromedp.Click(chromedp.CSS(`#channel-form button[type=submit]`)))
		b.waitFor(t, "the routing in the row", `(`+row+` || {textContent: ''}).textContent.includes('critical · tags db')`)
		var listed struct {
			Items []struct {
				Target  string
				Routing struct{ Severities, Tags []string }
			}
		}
		d.owner.call(t, http.MethodGet, "/api/v1/notification-channels", "", nil, http.StatusOK, &listed)
		if ch := listed.Items; len(ch) != 1 || ch[0].Target != "ntfy://127.0.0.1" || len(ch[0].Routing.Severities) != 1 ||
			ch[0].Routing.Severities[0] != "critical" || len(ch[0].Routing.Tags) != 1 {
			t.Errorf("after editing: %+v", listed.Items)
		}
		b.check(t, "notifications")
	})

	t.Run("vulnerabilities: counts, filter, one CVE's hosts, an exception added and removed", func(t *testing.T) {
		var list struct {
			Items []struct {
				CVE string `json:"cve"`
			} `json:"items"`
		}
		deadline := time.Now().Add(30 * time.Second)
		for len(list.Items) == 0 && time.Now().Before(deadline) {
			d.owner.call(t, http.MethodGet, "/api/v1/inventory/cves", "", nil, http.StatusOK, &list)
			time.Sleep(200 * time.Millisecond)
		}
		if len(list.Items) == 0 {
			t.Fatal("the hub matched nothing within 30 s of MONSYS_CVE_DIR's import")
		}
		b.open(t, base+"/vulnerabilities")
		b.waitFor(t, "the API's findings", fmt.Sprintf(`document.querySelectorAll('#vuln-table tbody tr').length === %d`, len(list.Items)))
		if s := b.text(t, "#vuln-summary"); !strings.Contains(s, "critical") || !strings.Contains(s, "high") {
			t.Errorf("severity counts show %q", s)
		}
		if got := b.text(t, "#vuln-table tbody tr:first-child"); !strings.Contains(got, "CVE-2023-38545") && !strings.Contains(got, "CVE-2023-45853") {
			t.Errorf("first row %q is not a critical CVE", got)
		}
		b.do(t, "critical only", chromedp.Click(chromedp.CSS(`#vuln-summary button:first-child`)))
		b.waitFor(t, "critical rows only", `location.search.includes('severity=critical') && [...document.querySelectorAll('#vuln-table tbody tr')].every(r => r.textContent.includes('critical'))`)
		b.screenshot(t, "vulnerabilities")
		b.do(t, "open CVE-2023-38545", chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#vuln-table button.link')].find(x => x.textContent === 'CVE-2023-38545').click()`))
		b.waitFor(t, "its hosts", `document.querySelectorAll('#cve-hosts tbody tr').length === 2 && document.querySelector('#cve-hosts').textContent.includes('web-01')`)
		b.do(t, "add an exception", chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#cve-hosts button')].find(x => x.closest('tr').textContent.includes('libcurl4')).click()`))
		b.waitFor(t, "the exception dialog", `document.querySelector('#exc-dialog').open && document.querySelector('#e-package').value === 'libcurl4'`)
		b.fillAndSubmit(t, "#exc-form", map[string]string{"reason": "no SOCKS5 proxy here; upgrade on Saturday"})
		b.waitFor(t, "the exception listed", `document.querySelectorAll('#exceptions-table tbody tr').length === 1 && !!document.querySelector('#cve-hosts tr.dim')`)
		var excs struct {
			Items []struct {
				ID      string `json:"id"`
				Package string `json:"package"`
				AgentID string `json:"agent_id"`
			} `json:"items"`
		}
		d.owner.call(t, http.MethodGet, "/api/v1/inventory/cves/exceptions", "", nil, http.StatusOK, &excs)
		if len(excs.Items) != 1 || excs.Items[0].Package != "libcurl4" || excs.Items[0].AgentID != web01 {
			t.Errorf("the API holds exceptions %+v, want libcurl4 on web-01", excs.Items)
		}
		b.screenshot(t, "vulnerabilities-detail")
		b.do(t, "remove it", chromedp.Click(chromedp.CSS(`#exceptions-table button.danger`)))
		b.waitFor(t, "the confirmation dialog", `!!document.querySelector('dialog.confirm[open]')`)
		b.do(t, "confirm", chromedp.Evaluate[chromedp.Void](`document.querySelector('dialog.confirm[open] button.danger').click()`))
		b.waitFor(t, "no exception left", `!document.querySelector('#exceptions-table') && !document.querySelector('#cve-hosts tr.dim')`)
		b.check(t, "vulnerabilities")
	})

	t.Run("every page opens without errors, in light, dark and at 360 px", func(t *testing.T) {
		pages := []string{"/", "/hosts/" + web01, "/alerts", "/alert-rules", "/inventory?kind=packages&name=openssl", "/vulnerabilities", "/webhooks", "/notifications",
			"/settings/people", "/settings/api-keys", "/settings/enrollment", "/security", "/audit", "/account", "/no-such-page"}
		for _, p := range pages {
			b.open(t, base+p)
			if p == "/no-such-page" && b.expectProblems("404 (Not Found)") != 1 {
				t.Error("an unknown page did not answer 404")
			}
			b.check(t, p)
		}
		for _, v := range []struct {
			dark  bool
			width int64
			name  string
		}{{true, 0, "dark"}, {false, 360, "360"}, {true, 360, "dark-360"}} {
			b.theme(t, v.dark, v.width)
			for _, p := range []struct{ path, name string }{{"/", "fleet"}, {"/hosts/" + web01, "host"}, {"/alerts", "alerts"}, {"/notifications", "notifications"}} {
				b.open(t, base+p.path)
				if p.name == "host" {
					b.waitCharts(t, 0)
				}
				if v.width > 0 {
					if w := eval[float64](t, b, `document.documentElement.scrollWidth`); w > float64(v.width)+1 {
						t.Errorf("%s at %d px scrolls sideways: %v px wide", p.name, v.width, w)
					}
				}
				b.screenshot(t, p.name+"-"+v.name)
			}
		}
		b.theme(t, false, 0)
		b.check(t, "themes")
	})

	t.Run("enrollment shows the install command", func(t *testing.T) {
		b.open(t, base+"/settings/enrollment")
		b.do(t, "new token", chromedp.Click(chromedp.ID("token-new")))
		b.fillAndSubmit(t, "#token-form", map[string]string{"name": "web servers"})
		b.waitFor(t, "the install command", `document.querySelector('#token-created').textContent.includes('install.sh?token=mse_')`)
		b.screenshot(t, "enrollment")
		b.check(t, "enrollment")
	})

	t.Run("audit log verifies its chain", func(t *testing.T) {
		b.open(t, base+"/audit")
		if n := eval[int](t, b, `document.querySelectorAll('#audit-table tbody tr').length`); n == 0 {
			t.Error("the audit log page lists no events")
		}
		b.do(t, "verify", chromedp.Click(chromedp.ID("audit-verify")))
		b.waitFor(t, "the verdict", `document.querySelector('#verify-result').textContent.includes('intact')`)
		b.check(t, "audit")
	})

	t.Run("TOTP: set up with the QR page, then sign in with a code", func(t *testing.T) {
		b.open(t, base+"/account")
		b.do(t, "set up", chromedp.Click(chromedp.CSS(`#totp-panel button.primary`)))
		b.waitFor(t, "the QR code", `!!document.querySelector('#totp-panel img.qr') && document.querySelector('#totp-panel img.qr').naturalWidth > 0`)
		b.screenshot(t, "account-totp")
		secret := eval[string](t, b, `document.querySelector('#totp-panel .secret code').textContent`)
		code, err := totp.GenerateCode(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		b.fillAndSubmit(t, "#totp-panel form", map[string]string{"code": code})
		b.waitFor(t, "ten recovery codes", `document.querySelectorAll('#recovery-codes li').length === 10`)
		b.do(t, "sign out", chromedp.Click(chromedp.ID("sign-out")))
		b.waitFor(t, "the sign-in page", `location.pathname === '/login'`)

		b.open(t, base+"/login")
		b.fillAndSubmit(t, "#login-form", map[string]string{"email": ownerEmail, "password": ownerPassword})
		b.waitFor(t, "the code step", `!document.querySelector('#totp-form').hidden`)
		next, err := totp.GenerateCode(secret, time.Now().Add(30*time.Second)) // the set-up used this step's code
		if err != nil {
			t.Fatal(err)
		}
		b.fillAndSubmit(t, "#totp-form", map[string]string{"code": next})
		b.waitFor(t, "the fleet", `location.pathname === '/' && document.body.dataset.ready === 'true'`)
		b.do(t, "sign out", chromedp.Click(chromedp.ID("sign-out")))
		b.waitFor(t, "the sign-in page", `location.pathname === '/login'`)
		b.check(t, "totp")
	})

	t.Run("viewer: accepts the mailed invitation and sees no edit controls", func(t *testing.T) {
		b.open(t, d.inviteLink)
		if strings.Contains(eval[string](t, b, `location.href`), "token=") {
			t.Error("the invitation token stays in the address bar")
		}
		b.fillAndSubmit(t, "#invite-form", map[string]string{"name": "Vera Viewer", "password": viewerPassword})
		b.waitFor(t, "the welcome", `!document.querySelector('#invite-done').hidden`)
		b.open(t, base+"/login")
		b.fillAndSubmit(t, "#login-form", map[string]string{"email": viewerEmail, "password": viewerPassword})
		b.waitFor(t, "the fleet", `location.pathname === '/' && document.body.dataset.ready === 'true'`)

		visible := func(sel string) bool {
			return eval[bool](t, b, `[...document.querySelectorAll('`+sel+`')].some(e => e.offsetParent !== null)`)
		}
		b.open(t, base+"/alert-rules")
		if visible("#rule-new") || visible("#rules-table button") {
			t.Error("a viewer sees controls to create or edit rules")
		}
		b.open(t, base+"/alerts")
		if visible(".alert-actions button") {
			t.Error("a viewer sees Resolve buttons")
		}
		b.do(t, "open Settings", chromedp.Click(chromedp.CSS(`details.submenu > summary`)))
		if !visible(`a[href="/settings/people"]`) || eval[float64](t, b, `document.querySelector('a[href="/settings/people"]').getBoundingClientRect().top`) <
			eval[float64](t, b, `document.querySelector('details.submenu > summary').getBoundingClientRect().bottom`) {
			t.Error("the open Settings menu does not show People below its entry")
		}
		b.screenshot(t, "settings-menu-viewer")
		if visible(`a[href="/webhooks"]`) || visible(`a[href="/notifications"]`) || visible(`a[href="/audit"]`) {
			t.Error("a viewer's navigation links to admin pages")
		}
		b.open(t, base+"/hosts/"+web01+"?tab=governance")
		b.waitFor(t, "the governance record", `!!document.querySelector('#tab-governance dl')`)
		if visible("#governance-form") {
			t.Error("a viewer sees the governance form")
		}
		// The API refuses anyway.
		status := eval[int](t, b, `(async () => { const s = await (await fetch('/api/v1/auth/session')).json();
			const r = await fetch('/api/v1/alert-rules', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token},
			  body: JSON.stringify({name: 'x', metric: 'load1', op: '>', threshold: 1, severity: 'info', scope: 'fleet'})});
			return r.status; })()`)
		if status != http.StatusForbidden {
			t.Errorf("a viewer's POST /alert-rules answered %d, want 403", status)
		}
		b.expectProblems("403")
		b.screenshot(t, "alerts-viewer")
		b.do(t, "sign out", chromedp.Click(chromedp.ID("sign-out")))
		b.waitFor(t, "the sign-in page", `location.pathname === '/login'`)
		b.check(t, "viewer")
	})

	t.Run("password reset from the mailed link, then changed on the account page", func(t *testing.T) {
		b.open(t, base+"/forgot-password")
		b.fillAndSubmit(t, "#forgot-form", map[string]string{"email": viewerEmail})
		b.waitFor(t, "the confirmation", `!document.querySelector('#forgot-done').hidden`)
		link := waitMailLink(t, d.hub, viewerEmail, "/reset-password")
		b.open(t, link)
		const newPassword = "a brand new viewer password"
		b.fillAndSubmit(t, "#reset-form", map[string]string{"password": newPassword, "password2": newPassword})
		b.waitFor(t, "the confirmation", `!document.querySelector('#reset-done').hidden`)
		b.open(t, base+"/login")
		b.fillAndSubmit(t, "#login-form", map[string]string{"email": viewerEmail, "password": newPassword})
		b.waitFor(t, "the fleet", `location.pathname === '/' && document.body.dataset.ready === 'true'`)

		// And changed again on the account page, with the current one.
		const third = "the third viewer password"
		b.open(t, base+"/account")
		b.fillAndSubmit(t, "#password-form", map[string]string{"current_password": newPassword, "new_password": third, "again": third})
		b.waitFor(t, "the confirmation", `[...document.querySelectorAll('.toast')].some(t => t.textContent.includes('Password changed'))`)
		b.do(t, "sign out", chromedp.Click(chromedp.ID("sign-out")))
		b.waitFor(t, "the sign-in page", `location.pathname === '/login'`)
		b.open(t, base+"/login")
		b.fillAndSubmit(t, "#login-form", map[string]string{"email": viewerEmail, "password": third})
		b.waitFor(t, "the fleet", `location.pathname === '/' && document.body.dataset.ready === 'true'`)
		b.check(t, "reset")
	})
}

// fillAndSubmit sets the form's named fields as typing would (an input
// event follows each value) and submits it with its button.
func (b *browser) fillAndSubmit(t *testing.T, form string, values map[string]string) {
	t.Helper()
	for name, v := range values {
		ok := eval[bool](t, b, fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false;
			el.focus(); el.value = %q; el.dispatchEvent(new Event('input', {bubbles: true}));
			el.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, form+` [name="`+name+`"]`, v))
		if !ok {
			b.fatal(t, "fill "+form, fmt.Errorf("no field %q", name))
		}
	}
	b.do(t, "submit "+form, chromedp.Click(chromedp.CSS(form+` button[type=submit]`)))
}

// text is an element's text content.
func (b *browser) text(t *testing.T, sel string) string {
	t.Helper()
	return eval[string](t, b, `(document.querySelector('`+sel+`') || {}).textContent || ''`)
}

// waitCharts waits until the host page has drawn its charts more than
// after times, and returns how often it has.
func (b *browser) waitCharts(t *testing.T, after int) int {
	t.Helper()
	b.waitFor(t, "the charts", `(() => { const p = document.querySelector('#tab-charts');
		return p && !p.dataset.loading && Number(p.dataset.draws || 0) > `+strconv.Itoa(after)+`; })()`)
	return eval[int](t, b, `Number(document.querySelector('#tab-charts').dataset.draws)`)
}

// chartCheck is what the page says a chart drew and what the API answers
// to the chart's query.
type chartCheck struct {
	Query, Source, Interval, Sum, Points string
	APIPoints                            int
	APISum                               float64
}

type drawnChart struct {
	points           int
	source, interval string
}

// checkChart fetches, in the page with its session, the very query a chart
// made, and requires the chart to hold the same number of points with the
// same sum.
func (b *browser) checkChart(t *testing.T, id string) drawnChart {
	t.Helper()
	got := eval[chartCheck](t, b, `(async () => { const el = document.querySelector('#chart-`+id+`'); const d = el.dataset;
		const r = await (await fetch(d.query)).json(); let n = 0, s = 0;
		for (const x of r.series) for (const p of x.points) if (p[1] !== null) { n++; s += p[1]; }
		return {Query: d.query, Source: d.source, Interval: d.interval, Sum: d.sum || '0', Points: d.points, APIPoints: n, APISum: s}; })()`)
	drawn, _ := strconv.Atoi(got.Points)
	sum, _ := strconv.ParseFloat(got.Sum, 64)
	if drawn == 0 || drawn != got.APIPoints || math.Abs(sum-got.APISum) > 1e-6*math.Max(1, math.Abs(got.APISum)) {
		t.Errorf("chart %s drew %d points summing to %v; the API answers %s with %d points summing to %v",
			id, drawn, sum, got.Query, got.APIPoints, got.APISum)
	}
	return drawnChart{points: drawn, source: got.Source, interval: got.Interval}
}

// strokePixels counts the pixels of a chart's canvas drawn in its first
// series colour: a chart whose line was not drawn has none.
func (b *browser) strokePixels(t *testing.T, id string) int {
	t.Helper()
	return eval[int](t, b, `(() => { const c = document.querySelector('#chart-`+id+` canvas');
		const hex = getComputedStyle(document.documentElement).getPropertyValue('--chart-1').trim();
		const want = [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16));
		const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
		for (let i = 0; i < px.length; i += 4)
			if (px[i + 3] > 200 && Math.abs(px[i] - want[0]) < 24 && Math.abs(px[i + 1] - want[1]) < 24 && Math.abs(px[i + 2] - want[2]) < 24) n++;
		return n; })()`)
}
