package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// newClient returns the HTTP client deliveries use: every connection's
// address is checked by policy after DNS resolution, at dial time (so a
// name that resolves to a refused address, or is rebound to one, is
// refused); no proxy; no redirects.
func newClient(policy Policy, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("dial %s: %w", address, ErrBlocked)
			}
			if !policy.Permits(ap.Addr()) {
				return fmt.Errorf("dial %s: %w", ap.Addr(), ErrBlocked)
			}
			return nil
		},
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a 3xx is an answer, and not a success
		},
	}
}

// describe turns a send error into the delivery log's words.
func describe(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, ErrBlocked):
		return "refused: the target resolves to a loopback, private, link-local or reserved address"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	}
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300]
	}
	return msg
}
