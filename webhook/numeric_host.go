package webhook

import (
	"net/netip"
	"strconv"
	"strings"
)

// numericHost reads a URL host the way resolvers and browsers do when its
// last label is a number (inet_aton, WHATWG URL "ends in a number"):
// 127.1, 0x7f000001, 2130706433, 0177.0.0.1 and 127.0.0.1. all name
// 127.0.0.1. isNumeric says whether the host is of that shape at all;
// ok says whether it is a valid address (a numeric host that is not, such
// as 1.2.3.4.5 or 4294967296, is no host name either).
func numericHost(host string) (addr netip.Addr, isNumeric, ok bool) {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	labels := strings.Split(host, ".")
	if _, isNum := parseIPv4Part(labels[len(labels)-1]); !isNum && !looksNumeric(labels[len(labels)-1]) {
		return netip.Addr{}, false, false
	}
	if len(labels) > 4 {
		return netip.Addr{}, true, false
	}
	parts := make([]uint64, len(labels))
	for i, l := range labels {
		v, valid := parseIPv4Part(l)
		if !valid {
			return netip.Addr{}, true, false
		}
		parts[i] = v
	}
	// Every part but the last is one byte; the last fills the rest.
	var n uint64
	for _, v := range parts[:len(parts)-1] {
		if v > 255 {
			return netip.Addr{}, true, false
		}
		n = n<<8 | v
	}
	rest := uint(8 * (4 - (len(parts) - 1)))
	last := parts[len(parts)-1]
	if last >= 1<<rest {
		return netip.Addr{}, true, false
	}
	n = n<<rest | last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true, true
}

// parseIPv4Part reads one label: decimal, octal with a leading 0, or hex
// with 0x.
func parseIPv4Part(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case strings.HasPrefix(s, "0x"):
		base, s = 16, s[2:]
		if s == "" {
			return 0, true // "0x" alone is zero
		}
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	v, err := strconv.ParseUint(s, base, 64)
	if err != nil || strings.ContainsAny(s, "+-_") {
		return 0, false
	}
	return v, true
}

// looksNumeric: all decimal digits, or 0x and hex digits (a number too
// large for 64 bits is still numeric, and so no valid host).
func looksNumeric(s string) bool {
	digits := s
	if strings.HasPrefix(s, "0x") {
		digits = s[2:]
		return strings.Trim(digits, "0123456789abcdef") == ""
	}
	return s != "" && strings.Trim(digits, "0123456789") == ""
}
