package integrity

import (
	"testing"

	"github.com/monsys/monsys/wire"
)

func TestLowerVersion(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"1.2.3", "1.2.4", true}, {"v1.2.3", "1.10.0", true}, {"1.9.0", "1.10.0", true}, {"2.0.0", "1.99.99", false},
		{"1.2.0-rc.1", "1.2.0", true}, {"1.2.0", "1.2.0-rc.1", false}, {"1.2.0+build.5", "1.2.0", false},
		{"dev", "1.0.0", false}, {"1.0.0", "dev", false}, {"1.2", "1.2.1", true}, {"1.2.3", "1.2.3", false},
	}
	for _, c := range cases {
		if got := lowerVersion(c.a, c.b); got != c.want {
			t.Errorf("lowerVersion(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestUnexplainedChanges(t *testing.T) {
	base := wire.HostDNA{ProductUUID: "u-1", ProductSerial: "S1", DiskSerials: []string{"d1", "d2"}, MACs: []string{"m1"},
		SSHHostKeys: []string{"k1", "k2"}, BootID: "b1", CloudInstanceID: "i-1"}
	with := func(f func(*wire.HostDNA)) *wire.HostDNA {
		d := base
		f(&d)
		return &d
	}
	cases := []struct {
		name string
		cur  *wire.HostDNA
		want int // number of reasons; 0 explained
	}{
		{"reboot", with(func(d *wire.HostDNA) { d.BootID = "b2" }), 0},
		{"a new disk beside the old", with(func(d *wire.HostDNA) { d.DiskSerials = []string{"d1", "d2", "d3"} }), 0},
		{"all disks replaced", with(func(d *wire.HostDNA) { d.DiskSerials = []string{"d9"} }), 0},
		{"new NIC", with(func(d *wire.HostDNA) { d.MACs = []string{"m2"} }), 0},
		{"host keys regenerated", with(func(d *wire.HostDNA) { d.SSHHostKeys = []string{"k9"} }), 0},
		{"DMI serial unreadable now", with(func(d *wire.HostDNA) { d.ProductSerial = "" }), 0},
		{"keys and disks at once", with(func(d *wire.HostDNA) { d.SSHHostKeys = []string{"k9"}; d.DiskSerials = []string{"d9"} }), 2},
		{"another machine's UUID", with(func(d *wire.HostDNA) { d.ProductUUID = "u-2" }), 1},
		{"another cloud instance", with(func(d *wire.HostDNA) { d.CloudInstanceID = "i-2" }), 1},
	}
	for _, c := range cases {
		if got := unexplainedChanges(&base, c.cur); len(got) != c.want {
			t.Errorf("%s: reasons %v, want %d", c.name, got, c.want)
		}
	}
	if unexplainedChanges(nil, &base) != nil {
		t.Error("a first DNA is a change")
	}
}
