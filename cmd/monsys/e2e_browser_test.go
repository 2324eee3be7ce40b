package main_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/monsys/monsys/bench"
)

// browserWithin bounds one browser step (a page load, a click and what it
// waits for) on a slow, shared machine.
const browserWithin = 45 * time.Second

// browser is one headless Chromium with a fresh profile. Every page it
// opens records JavaScript errors, console errors and Content-Security-
// Policy violations; the test fails on any of them.
type browser struct {
	t        *testing.T
	alloc    context.Context
	ctx      context.Context // the tab
	mu       sync.Mutex
	problems []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	profile, err := os.MkdirTemp("", "monsys-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(profile) }) // a leftover profile in the temp dir harms nobody
	path, err := bench.ChromiumPath()
	if err != nil {
		t.Fatal(err)
	}
	alloc, cancelAlloc := bench.NewChromium(context.Background(), path, profile)
	b := &browser{t: t, alloc: alloc}
	ctx, cancelCtx := chromedp.NewContext(alloc, chromedp.WithListener(b.record))
	b.ctx = ctx
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no timeout
		t.Fatalf("start Chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("enable the browser log: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recordViolations}); err != nil {
		t.Fatalf("install the CSP recorder: %v", err)
	}
	return b
}

// recordViolations is installed in every document before its own scripts
// run: it keeps CSP violations where the test can read them.
const recordViolations = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));`

// record runs in the tab's event loop: it keeps the problems the tab
// reports, and returns at once.
func (b *browser) record(ev any) {
	switch e := ev.(type) {
	case *runtime.EventExceptionThrown:
		text := e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			text += " " + e.ExceptionDetails.Exception.Description
		}
		b.problem("JavaScript exception: " + text)
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			b.problem("console error: " + strings.Join(parts, " "))
		}
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError {
			b.problem(fmt.Sprintf("browser log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	}
}

func (b *browser) problem(s string) {
	b.mu.Lock()
	b.problems = append(b.problems, s)
	b.mu.Unlock()
}

// expectProblems drops the recorded problems that contain want (a test
// that provokes an error on purpose, such as a refused sign-in) and
// returns how many it dropped.
func (b *browser) expectProblems(want string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	kept, n := b.problems[:0], 0
	for _, p := range b.problems {
		if strings.Contains(p, want) {
			n++
			continue
		}
		kept = append(kept, p)
	}
	b.problems = kept
	return n
}

// check fails the test on any problem recorded so far, CSP violations the
// page itself saw included.
func (b *browser) check(t *testing.T, where string) {
	t.Helper()
	violations, _ := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`window.__cspViolations || []`))
	b.mu.Lock()
	problems := append(b.problems, violations...)
	b.problems = nil
	b.mu.Unlock()
	for _, p := range problems {
		t.Errorf("%s: %s", where, p)
	}
}

// do runs actions in the tab within browserWithin.
func (b *browser) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserWithin)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fatal(t, what, err)
	}
}

// eval evaluates a JavaScript expression (awaiting a promise) and decodes
// its value.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserWithin)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fatal(t, "evaluate "+expr, err)
	}
	return v
}

// waitFor polls a JavaScript predicate until it holds, across
// navigations.
func (b *browser) waitFor(t *testing.T, what, predicate string) {
	t.Helper()
	if err := bench.WaitFor(b.ctx, predicate, browserWithin); err != nil {
		b.fatal(t, "wait for "+what, err)
	}
}

// open navigates to url and waits until the page has drawn its first data.
func (b *browser) open(t *testing.T, url string) {
	t.Helper()
	b.do(t, "open "+url, chromedp.Navigate(url))
	b.waitFor(t, url+" to be ready", `document.body && (document.body.dataset.ready === 'true' || !!document.querySelector('.error-box'))`)
}

func (b *browser) fatal(t *testing.T, what string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
	b.mu.Lock()
	problems := strings.Join(b.problems, "\n")
	b.mu.Unlock()
	t.Fatalf("%s: %v\nbrowser problems:\n%s\npage:\n%.4000s", what, err, problems, html)
}

// theme switches the emulated colour scheme and width (0: desktop).
func (b *browser) theme(t *testing.T, dark bool, width int64) {
	t.Helper()
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}); err != nil {
		t.Fatalf("emulate %s scheme: %v", scheme, err)
	}
	var err error
	if width > 0 {
		_, err = chromedp.Call(b.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: width, Height: 780, DeviceScaleFactor: 1, Mobile: true})
	} else {
		_, err = chromedp.Call(b.ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
	}
	if err != nil {
		t.Fatalf("emulate width %d: %v", width, err)
	}
}

// screenshot saves the viewport as name.png under MONSYS_SCREENSHOT_DIR,
// when that is set (the README's pictures come from such a run).
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("MONSYS_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	b.do(t, "settle", chromedp.Sleep(400*time.Millisecond))
	ctx, cancel := context.WithTimeout(b.ctx, browserWithin)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // the whole page as PNG, not just the first screen
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
