package bench

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath finds the browser the web benchmark and the browser tests
// drive: MONSYS_CHROMIUM, or Chromium or Chrome on PATH (`make browser`
// installs Debian's chromium).
func ChromiumPath() (string, error) {
	if p := os.Getenv("MONSYS_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium found: run `make browser` (apt-get install chromium) or set MONSYS_CHROMIUM")
}

// NewChromium returns an allocator for a headless Chromium at path with a
// fresh profile in profileDir. As root Chromium needs --no-sandbox; the
// background-networking flags keep it from dialling out, which a closed
// network refuses in bursts. Cancel the context to stop the browser.
func NewChromium(ctx context.Context, path, profileDir string) (context.Context, context.CancelFunc) {
	return chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profileDir),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.WindowSize(1360, 900),
	)
}

// WaitFor polls a JavaScript predicate in the tab until it holds or
// within ends. A navigation ends a poll (the page's JavaScript context
// goes away); it then starts again in the new page.
func WaitFor(tab context.Context, predicate string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithDeadline(tab, deadline)
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingInterval(10*time.Millisecond),
			chromedp.WithPollingTimeout(time.Until(deadline))))
		cancel()
		if err == nil || time.Now().After(deadline) || !navigated(err) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// navigated reports whether err says the page went away under a command.
func navigated(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Cannot find context") || strings.Contains(msg, "navigated or closed") ||
		strings.Contains(msg, "Execution context was destroyed")
}
