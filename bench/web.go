package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/bench/load"
	"github.com/monsys/monsys/internal/pglocal"
	"github.com/monsys/monsys/tsdb"
)

// WebScenario times the dashboard against a real hub: a fleet of Agents
// with an hour of host metrics each (the fleet page's values and
// sparklines) and one host with Days of them at 60 s (its charts), loaded
// straight into storage and rolled up. Reps repetitions of each timing.
type WebScenario struct {
	Bin    string
	Dir    string
	Agents int
	Days   int
	Reps   int
	Log    *slog.Logger
}

// WebReport is what the web scenario measured.
type WebReport struct {
	Agents int `json:"agents"`
	Days   int `json:"days"`
	Reps   int `json:"reps"`
	// Server time of what the fleet page asks for, client-timed on
	// loopback: the frame, the session, one page of 50 agents by hostname;
	// and the fleet read alone, by hostname and by CPU.
	FleetPageServer Latency `json:"fleet_page_server"`
	FleetAPI        Latency `json:"fleet_api"`
	FleetAPIByCPU   Latency `json:"fleet_api_by_cpu"`
	// In the browser, from navigation start: first contentful paint, and
	// the first 50 rows drawn; cold is with the browser cache cleared.
	FirstPaintWarm Latency `json:"first_paint_warm"`
	FleetDrawnWarm Latency `json:"fleet_drawn_warm"`
	FirstPaintCold Latency `json:"first_paint_cold"`
	FleetDrawnCold Latency `json:"fleet_drawn_cold"`
	HostCharts30d  Latency `json:"host_charts_30d"`  // range picked to six charts drawn
	HostPage30d    Latency `json:"host_page_30d"`    // navigation start to six charts drawn, ?range=30d
	HostSource30d  string  `json:"host_source_30d"`  // the tier the API read
	JSGzipBytes    int     `json:"js_gzip_bytes"`    // app.js as sent with gzip
	CSSGzipBytes   int     `json:"css_gzip_bytes"`   // app.css as sent with gzip
	LoadedSamples  int64   `json:"loaded_samples"`   // rows written straight into storage
	CatchUpSeconds float64 `json:"catch_up_seconds"` // rolling them up
	LoadAverageEnd string  `json:"load_average_end"` // the machine's load when the timings ended
	HubRSSMiBAtEnd float64 `json:"hub_rss_mib_at_end"`
}

const (
	webEmail    = "bench@monsys.test"
	webPassword = "bench password, long enough"
)

// Run starts the hub, loads the fleet, and times the pages.
func (s *WebScenario) Run(ctx context.Context) (WebReport, error) {
	rep := WebReport{Agents: s.Agents, Days: s.Days, Reps: s.Reps}
	hubDir := filepath.Join(s.Dir, "hub")
	// The first start migrates and makes the owner; the data goes in with
	// the hub stopped, so the rollup catch-up is the only roll-up.
	opts := HubOptions{Bin: s.Bin, Dir: hubDir, Email: webEmail, Password: webPassword,
		Env: []string{fmt.Sprintf("MONSYS_RETENTION_RAW=%dh", (s.Days+2)*24)}}
	h, err := StartHub(ctx, opts)
	if err != nil {
		return rep, err
	}
	if err := h.Stop(); err != nil {
		return rep, err
	}
	host, err := s.load(ctx, h, &rep)
	if err != nil {
		return rep, err
	}
	s.Log.Info("timing the pages")
	if h, err = StartHub(ctx, opts); err != nil {
		return rep, err
	}
	defer func() { err = errors.Join(err, h.Stop()) }()
	// The hub's public URL is its listen address: it takes sign-ins only
	// from its own origin.
	base := h.URL
	api := &HubAPI{URL: base, HTTP: &http.Client{Timeout: 30 * time.Second}}
	if err := api.Login(ctx, webEmail, webPassword); err != nil {
		return rep, err
	}
	if err := s.timeServer(ctx, api, &rep); err != nil {
		return rep, err
	}
	if rep.JSGzipBytes, rep.CSSGzipBytes, err = bundleSizes(ctx, api); err != nil {
		return rep, err
	}
	if err := s.timeBrowser(ctx, base, host, &rep); err != nil {
		return rep, err
	}
	rep.LoadAverageEnd = DescribeMachine().Load1
	if m, err := ReadMemory("/proc", h.PID()); err == nil {
		rep.HubRSSMiBAtEnd = float64(m.RSS) / (1 << 20)
	}
	return rep, nil
}

// load writes the fleet and the long host into the stopped hub's
// database and rolls them up; it returns the long host's id.
func (s *WebScenario) load(ctx context.Context, h *HubProcess, rep *WebReport) (uuid.UUID, error) {
	s.Log.Info("loading the fleet", "agents", s.Agents, "long_host_days", s.Days)
	cl, err := pglocal.Open(ctx, pglocal.Options{Dir: filepath.Join(h.DataDir, "pg")})
	if err != nil {
		return uuid.Nil, fmt.Errorf("start the hub's cluster: %w", err)
	}
	defer func() { _ = cl.Close(context.WithoutCancel(ctx)) }() // the hub starts it again
	pool, err := pgxpool.New(ctx, h.ConnString())
	if err != nil {
		return uuid.Nil, err
	}
	defer pool.Close()
	var tenant uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT id FROM tenants WHERE slug = 'default'`).Scan(&tenant); err != nil {
		return uuid.Nil, fmt.Errorf("find the tenant: %w", err)
	}
	fleet, err := load.FleetAgents(ctx, pool, tenant, "node", s.Agents)
	if err != nil {
		return uuid.Nil, err
	}
	long, err := load.FleetAgents(ctx, pool, tenant, "history", 1)
	if err != nil {
		return uuid.Nil, err
	}
	now := time.Now().Truncate(time.Minute)
	n, err := load.HostMetrics(ctx, pool, tenant, fleet, now.Add(-time.Hour), now, time.Minute)
	if err != nil {
		return uuid.Nil, err
	}
	m, err := load.HostMetrics(ctx, pool, tenant, long, now.Add(-time.Duration(s.Days)*24*time.Hour), now, time.Minute)
	if err != nil {
		return uuid.Nil, err
	}
	rep.LoadedSamples = n + m
	if err := tsdb.ResetWatermarks(ctx, pool); err != nil {
		return uuid.Nil, err
	}
	s.Log.Info("rolling up")
	started := time.Now()
	if _, err := load.CatchUp(ctx, pool, tsdb.Postgres, now, s.Days+1); err != nil {
		return uuid.Nil, err
	}
	rep.CatchUpSeconds = time.Since(started).Seconds()
	return long[0], nil
}

// timeServer times the fleet page's requests from a client on loopback.
func (s *WebScenario) timeServer(ctx context.Context, api *HubAPI, rep *WebReport) error {
	var page, byName, byCPU []time.Duration
	get := func(path string) (time.Duration, error) {
		start := time.Now()
		_, err := api.call(ctx, http.MethodGet, path, "", nil, http.StatusOK, nil)
		return time.Since(start), err
	}
	for range 5 { // warm the caches and connections
		if _, err := get("/api/v1/fleet?limit=50"); err != nil {
			return err
		}
	}
	for range s.Reps {
		var total time.Duration
		for _, p := range []string{"/", "/api/v1/auth/session", "/api/v1/fleet?limit=50"} {
			d, err := get(p)
			if err != nil {
				return err
			}
			total += d
			if strings.HasPrefix(p, "/api/v1/fleet") {
				byName = append(byName, d)
			}
		}
		page = append(page, total)
		d, err := get("/api/v1/fleet?limit=50&sort=-cpu")
		if err != nil {
			return err
		}
		byCPU = append(byCPU, d)
	}
	rep.FleetPageServer, rep.FleetAPI, rep.FleetAPIByCPU = Summarize(page), Summarize(byName), Summarize(byCPU)
	return nil
}

var assetURL = regexp.MustCompile(`/assets/app\.(js|css)\?v=[0-9a-f]+`)

// bundleSizes reads the bundle's script and style as a browser gets them.
func bundleSizes(ctx context.Context, api *HubAPI) (js, css int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, api.URL+"/login", nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := api.HTTP.Do(req)
	if err != nil {
		return 0, 0, err
	}
	page, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close() // read to the end
	if err != nil {
		return 0, 0, err
	}
	for _, u := range assetURL.FindAllString(string(page), -1) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, api.URL+u, nil)
		if err != nil {
			return 0, 0, err
		}
		req.Header.Set("Accept-Encoding", "gzip") // set by hand, the body stays compressed
		resp, err := api.HTTP.Do(req)
		if err != nil {
			return 0, 0, err
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close() // read to the end
		if err != nil {
			return 0, 0, err
		}
		if resp.Header.Get("Content-Encoding") != "gzip" {
			return 0, 0, fmt.Errorf("%s was not sent gzipped", u)
		}
		if strings.Contains(u, ".js") {
			js = len(b)
		} else {
			css = len(b)
		}
	}
	if js == 0 {
		return 0, 0, errors.New("the login page loads no bundle: build the hub after `make assets`")
	}
	return js, css, nil
}

// timeBrowser signs in with Chromium and times the fleet page and the
// host page's 30 days.
func (s *WebScenario) timeBrowser(ctx context.Context, base string, host uuid.UUID, rep *WebReport) error {
	path, err := ChromiumPath()
	if err != nil {
		return err
	}
	profile, err := os.MkdirTemp(s.Dir, "chromium-")
	if err != nil {
		return err
	}
	alloc, cancelAlloc := NewChromium(context.WithoutCancel(ctx), path, profile)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()
	if err := chromedp.Do(tab); err != nil { // starts the browser: its life is tab's, not a step's
		return fmt.Errorf("start Chromium: %w", err)
	}
	step := func(actions ...chromedp.Action[chromedp.Void]) error {
		c, cancel := context.WithTimeout(tab, time.Minute)
		defer cancel()
		return chromedp.Do(c, actions...)
	}
	value := func(expr string) (float64, error) {
		c, cancel := context.WithTimeout(tab, time.Minute)
		defer cancel()
		return chromedp.Run(c, chromedp.Evaluate[float64](expr, chromedp.EvalAwaitPromise))
	}
	wait := func(pred string) error { return WaitFor(tab, pred, time.Minute) }
	if err := step(chromedp.Navigate(base + "/login")); err != nil {
		return fmt.Errorf("open the sign-in page: %w", err)
	}
	if err := wait(`document.body.dataset.ready === 'true'`); err != nil {
		return fmt.Errorf("the sign-in page: %w", err)
	}
	if _, err := value(fmt.Sprintf(`(() => { document.querySelector('#email').value = %q; document.querySelector('#password').value = %q;
		document.querySelector('#login-form button[type=submit]').click(); return 0; })()`, webEmail, webPassword)); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	if err := wait(`location.pathname === '/' && document.body.dataset.ready === 'true'`); err != nil {
		c, cancel := context.WithTimeout(tab, 5*time.Second)
		defer cancel()
		text, _ := chromedp.Run(c, chromedp.Evaluate[string](`location.href + ' ' + document.body.innerText`))
		return fmt.Errorf("the fleet after sign-in: %w; the page shows %.500s", err, text)
	}
	fleetTimes := func(cold bool) (paint, drawn time.Duration, err error) {
		if cold {
			if _, err := chromedp.Call(tab, network.ClearBrowserCache, cdp.Empty{}); err != nil {
				return 0, 0, err
			}
		}
		if err := step(chromedp.Navigate(base + "/")); err != nil {
			return 0, 0, err
		}
		if err := wait(`document.querySelectorAll('#fleet-table tbody tr').length === 50 && performance.getEntriesByName('first-contentful-paint').length > 0`); err != nil {
			return 0, 0, err
		}
		p, err := value(`performance.getEntriesByName('first-contentful-paint')[0].startTime`)
		if err != nil {
			return 0, 0, err
		}
		d, err := value(`performance.getEntriesByName('monsys:fleet-drawn')[0].startTime`)
		return msDuration(p), msDuration(d), err
	}
	var paintCold, drawnCold, paintWarm, drawnWarm, charts, page []time.Duration
	for i := range s.Reps {
		p, d, err := fleetTimes(i%2 == 0)
		if err != nil {
			return fmt.Errorf("time the fleet page: %w", err)
		}
		if i%2 == 0 {
			paintCold, drawnCold = append(paintCold, p), append(drawnCold, d)
		} else {
			paintWarm, drawnWarm = append(paintWarm, p), append(drawnWarm, d)
		}
	}
	hostURL := base + "/hosts/" + host.String() + "?range=30d"
	for range s.Reps {
		if err := step(chromedp.Navigate(hostURL)); err != nil {
			return err
		}
		if err := wait(`(() => { const p = document.querySelector('#tab-charts'); return p && p.dataset.draws === '1' && !p.dataset.loading; })()`); err != nil {
			return fmt.Errorf("the host's charts: %w", err)
		}
		total, err := value(`performance.now()`)
		if err != nil {
			return err
		}
		draw, err := value(`Number(document.querySelector('#tab-charts').dataset.drawMs)`)
		if err != nil {
			return err
		}
		points, err := value(`Number(document.querySelector('#chart-cpu').dataset.points)`)
		if err != nil || points < float64(s.Days*24/4) {
			return fmt.Errorf("the 30-day CPU chart drew %v points (%v)", points, err)
		}
		charts, page = append(charts, msDuration(draw)), append(page, msDuration(total))
	}
	c, cancel := context.WithTimeout(tab, time.Minute)
	defer cancel()
	if rep.HostSource30d, err = chromedp.Run(c, chromedp.Evaluate[string](`document.querySelector('#chart-cpu').dataset.source`)); err != nil {
		return err
	}
	rep.FirstPaintCold, rep.FleetDrawnCold = Summarize(paintCold), Summarize(drawnCold)
	rep.FirstPaintWarm, rep.FleetDrawnWarm = Summarize(paintWarm), Summarize(drawnWarm)
	rep.HostCharts30d, rep.HostPage30d = Summarize(charts), Summarize(page)
	return nil
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// markdown appends the web figures to a run's table.
func (w *WebReport) markdown(b *strings.Builder) {
	fmt.Fprintf(b, "\ndashboard: %d agents (1 h of host metrics each) and one host with %d days at 60 s (%d samples, rolled up in %.0f s); "+
		"%d repetitions; load average %s at the end; hub RSS %.0f MiB\n\n",
		w.Agents, w.Days, w.LoadedSamples, w.CatchUpSeconds, w.Reps, w.LoadAverageEnd, w.HubRSSMiBAtEnd)
	b.WriteString("| what | p50 | p95 | target |\n|---|---|---|---|\n")
	row := func(what string, l Latency, target string) {
		fmt.Fprintf(b, "| %s | %.0f ms | %.0f ms | %s |\n", what, l.P50, l.P95, target)
	}
	row("fleet page, server: frame + session + 50 agents", w.FleetPageServer, "p95 ≤ 100 ms")
	row("GET /api/v1/fleet, by hostname", w.FleetAPI, "")
	row("GET /api/v1/fleet, by CPU", w.FleetAPIByCPU, "")
	row("fleet page, first contentful paint, warm cache", w.FirstPaintWarm, "≤ 1 s")
	row("fleet page, 50 rows drawn, warm cache", w.FleetDrawnWarm, "≤ 1 s")
	row("fleet page, first contentful paint, cache cleared", w.FirstPaintCold, "")
	row("fleet page, 50 rows drawn, cache cleared", w.FleetDrawnCold, "")
	row("host, 30 days ("+w.HostSource30d+" tier): requests to six charts drawn", w.HostCharts30d, "≤ 1 s")
	row("host, 30 days: navigation to six charts drawn", w.HostPage30d, "")
	fmt.Fprintf(b, "| JavaScript shipped, gzip | %.1f KB | | ≤ 150 KB |\n| stylesheet, gzip | %.1f KB | | |\n",
		float64(w.JSGzipBytes)/1000, float64(w.CSSGzipBytes)/1000)
}
