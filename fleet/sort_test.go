package fleet

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/monsys/monsys/store"
)

func item(host, status string, cpu *float64) Item {
	return Item{FleetAgent: store.FleetAgent{Agent: store.Agent{ID: uuid.New(), Hostname: host, Status: status}}, CPU: cpu}
}

func hosts(items []Item) string {
	var out []string
	for _, it := range items {
		out = append(out, it.Hostname)
	}
	return strings.Join(out, " ")
}

// Missing values go last in both directions; ties fall back to the
// hostname, so pages of one order never overlap.
func TestSortItems(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	items := []Item{item("c", "online", v(0.5)), item("a", "online", nil), item("b", "offline", v(0.5)), item("d", "pending", v(0.9))}
	for _, c := range []struct{ sort, want string }{
		{"cpu", "b c d a"},
		{"-cpu", "d b c a"},
		{"hostname", "a b c d"},
		{"-hostname", "d c b a"},
		{"status", "b d a c"},
	} {
		s, err := ParseSort(c.sort)
		if err != nil {
			t.Fatal(err)
		}
		if s.String() != c.sort {
			t.Errorf("ParseSort(%q).String() = %q", c.sort, s.String())
		}
		sortItems(items, s)
		if got := hosts(items); got != c.want {
			t.Errorf("sort %s = %q, want %q", c.sort, got, c.want)
		}
	}
	if _, err := ParseSort("-uptime"); err == nil {
		t.Error("ParseSort accepted an unknown column")
	}
	if s, _ := ParseSort(""); s.Column != "hostname" || s.Desc {
		t.Errorf("default sort = %+v", s)
	}
}
