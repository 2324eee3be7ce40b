package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// MaxURLLength bounds an endpoint URL.
const MaxURLLength = 2048

// blockedRanges are never dialled unless an operator allows them.
var blockedRanges = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("10.0.0.0/8"),      // private
	netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT
	netip.MustParsePrefix("127.0.0.0/8"),     // loopback
	netip.MustParsePrefix("169.254.0.0/16"),  // link-local, cloud metadata
	netip.MustParsePrefix("172.16.0.0/12"),   // private
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("192.168.0.0/16"),  // private
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("224.0.0.0/4"),     // multicast
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("::/128"),          // unspecified
	netip.MustParsePrefix("::1/128"),         // loopback
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64 of any IPv4, private ones included
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fc00::/7"),        // unique-local
	netip.MustParsePrefix("fe80::/10"),       // link-local
	netip.MustParsePrefix("ff00::/8"),        // multicast
	netip.MustParsePrefix("fd00:ec2::254/128"),
}

// ErrBlocked is returned for a target address in a refused range.
var ErrBlocked = errors.New("webhook target address is not allowed")

// Policy says which addresses webhooks may reach: anything public, plus
// the ranges an operator allowed.
type Policy struct {
	Allow []netip.Prefix
}

// Permits reports whether a delivery may connect to ip.
func (p Policy) Permits(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, a := range p.Allow {
		if a.Contains(ip) {
			return true
		}
	}
	if !ip.IsValid() || ip.Zone() != "" {
		return false
	}
	for _, b := range blockedRanges {
		if b.Contains(ip) {
			return false
		}
	}
	return true
}

// ValidateURL checks an endpoint URL before it is stored: absolute http or
// https, a host, no credentials, no fragment, and, when the host is an IP
// literal, an address the policy permits. Host names are checked again at
// every dial, after DNS, so a name that later resolves to a refused
// address is refused then.
func (p Policy) ValidateURL(raw string) error {
	if len(raw) > MaxURLLength {
		return fmt.Errorf("the URL is longer than %d bytes", MaxURLLength)
	}
	if strings.ContainsAny(raw, " \t\r\n\x00") {
		return errors.New("the URL contains whitespace or control characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("the URL does not parse")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("the URL must start with https:// or http://")
	case u.Opaque != "" || u.Host == "":
		return errors.New("the URL must name a host")
	case u.User != nil:
		return errors.New("the URL must not carry credentials; authenticate receivers by the signature")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return errors.New("the URL must not have a fragment")
	}
	host := u.Hostname()
	if host == "" {
		return errors.New("the URL must name a host")
	}
	if port := u.Port(); port != "" {
		if n, ok := parsePort(port); !ok || n == 0 {
			return errors.New("the URL's port must be 1 to 65535")
		}
	}
	if ip, isNumeric, ok := numericHost(host); isNumeric {
		if !ok {
			return fmt.Errorf("the URL's host %q is a number but no IPv4 address", host)
		}
		if !p.Permits(ip) {
			return fmt.Errorf("%s is %s, a loopback, private, link-local or otherwise reserved address: %w", host, ip, ErrBlocked)
		}
	} else if ip, err := netip.ParseAddr(host); err == nil {
		if !p.Permits(ip) {
			return fmt.Errorf("%s is a loopback, private, link-local or otherwise reserved address: %w", host, ErrBlocked)
		}
	} else if name := strings.TrimSuffix(strings.ToLower(host), "."); name == "localhost" || strings.HasSuffix(name, ".localhost") {
		if !p.Permits(netip.MustParseAddr("127.0.0.1")) {
			return fmt.Errorf("localhost is a loopback name: %w", ErrBlocked)
		}
	}
	return nil
}

func parsePort(s string) (int, bool) {
	if len(s) > 5 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= 65535
}

// CheckHost resolves host (a name or an IP literal) and fails with
// ErrBlocked unless the policy permits every address it resolves to: the
// check for senders that cannot be given the dialer of this package (the
// notify package's library clients), made right before they connect.
func (p Policy) CheckHost(ctx context.Context, host string) error {
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if !p.Permits(ip) {
			return fmt.Errorf("%s: %w", ip, ErrBlocked)
		}
		return nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return fmt.Errorf("resolve %s: no address", host)
	}
	for _, a := range addrs {
		if !p.Permits(a) {
			return fmt.Errorf("%s resolves to %s: %w", host, a.Unmap(), ErrBlocked)
		}
	}
	return nil
}
