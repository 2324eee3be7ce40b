package webhook

import (
	"net/netip"
	"net/url"
	"testing"
)

func TestPolicyPermits(t *testing.T) {
	var none Policy
	for addr, want := range map[string]bool{
		"93.184.215.14": true, "2606:4700::1111": true, "8.8.8.8": true,
		"127.0.0.1": false, "127.9.9.9": false, "10.0.0.1": false, "172.16.5.4": false, "192.168.1.1": false,
		"169.254.169.254": false, "100.64.0.1": false, "0.0.0.0": false, "::1": false, "::": false, "fd00::1": false,
		"fe80::1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "64:ff9b::a00:1": false, "224.0.0.1": false,
		"fd00:ec2::254": false,
	} {
		if got := none.Permits(netip.MustParseAddr(addr)); got != want {
			t.Errorf("%s: permitted %v, want %v", addr, got, want)
		}
	}
	allow := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")}}
	if !allow.Permits(netip.MustParseAddr("10.20.3.4")) || allow.Permits(netip.MustParseAddr("10.21.0.1")) {
		t.Error("an allowed range is not honoured exactly")
	}
}

func TestValidateURL(t *testing.T) {
	var p Policy
	for raw, ok := range map[string]bool{
		"https://hooks.example.com/monsys": true, "http://example.com:8080/x?y=1": true,
		"https://93.184.215.14/": true, "ftp://example.com/": false, "https:///nohost": false, "//example.com/": false,
		"https://u:p@example.com/": false, "https://example.com/#frag": false, "http://127.0.0.1/": false,
		"http://[::1]/": false, "http://localhost/": false, "http://api.localhost/": false, "http://example.com:0/": false,
		"http://example.com:99999/": false, "http://exa mple.com/": false, "": false,
		// Other spellings of loopback and private addresses (inet_aton).
		"http://127.1/": false, "http://0x7f000001/": false, "http://2130706433/": false, "http://0177.0.0.1/": false,
		"http://0x7f.1/": false, "http://127.0.0.1./": false, "http://017700000001/": false, "http://10.1/": false,
		"http://0xa9.0xfe.0xa9.0xfe/": false, "http://3232235777/": false, "http://localhost./": false,
		"http://%31%32%37.0.0.1/": false, "http://[::ffff:127.0.0.1]/": false, "http://0/": false,
		// Numbers that are no address at all, and public ones in other spellings.
		"http://4294967296/": false, "http://1.2.3.4.5/": false, "http://1.256.1/": false, "http://8.8.2056/": true, "http://0x5db8d70e/": true,
		"http://1.2.3.4a/": true, "http://1e3/": true,
	} {
		if err := p.ValidateURL(raw); (err == nil) != ok {
			t.Errorf("%q: err %v, want ok=%v", raw, err, ok)
		}
	}
}

// FuzzValidateURL: the validator never panics, and whatever it accepts is
// an absolute http(s) URL with a host, no credentials, and no IP literal
// the policy refuses.
func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{"https://hooks.example.com/x", "http://127.0.0.1:80/", "http://[::ffff:10.0.0.1]/",
		"http://0x7f.1/", "http://2130706433/", "https://example.com:443@evil/", "http://[fe80::1%25eth0]/", "http://%31%32%37.0.0.1/"} {
		f.Add(s)
	}
	var p Policy
	f.Fuzz(func(t *testing.T, raw string) {
		if p.ValidateURL(raw) != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			t.Fatalf("accepted %q: %+v %v", raw, u, err)
		}
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !p.Permits(ip) {
			t.Fatalf("accepted refused address %q", raw)
		}
		if ip, numeric, ok := numericHost(u.Hostname()); numeric && (!ok || !p.Permits(ip)) {
			t.Fatalf("accepted %q, which names %s", raw, ip)
		}
	})
}
