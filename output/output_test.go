package output

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestTableAlignsAndMarksEmptyCells(t *testing.T) {
	tb := NewTable("HOSTNAME", "STATUS", "LAST SEEN")
	tb.Row("web-1", "online", "3s ago")
	tb.Row("database-primary", "", "never")
	tb.Row("ünïcode", "offline\nwrapped", "12d ago")
	var b bytes.Buffer
	if err := tb.Write(&b, false); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"HOSTNAME           STATUS            LAST SEEN\n" +
		"web-1              online            3s ago\n" +
		"database-primary   -                 never\n" +
		"ünïcode            offline wrapped   12d ago\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestTableColorsOnlyWhenAllowed(t *testing.T) {
	tb := NewTable("NAME", "STATUS")
	tb.ColorColumn("STATUS", StateColor)
	tb.Row("web-1", "offline")
	var plain, colored bytes.Buffer
	_ = tb.Write(&plain, false)
	_ = tb.Write(&colored, true)
	if strings.Contains(plain.String(), "\x1b[") {
		t.Errorf("color off, yet escape sequences: %q", plain.String())
	}
	if !strings.Contains(colored.String(), "\x1b[31moffline\x1b[0m") {
		t.Errorf("color on: offline should be red: %q", colored.String())
	}
}

func TestColorful(t *testing.T) {
	for _, tc := range []struct {
		env      []string
		terminal bool
		want     bool
	}{
		{nil, true, true},
		{nil, false, false},
		{[]string{"NO_COLOR=1"}, true, false},
		{[]string{"NO_COLOR="}, true, true}, // set but empty does not count (no-color.org)
		{[]string{"TERM=dumb"}, true, false},
	} {
		if got := Colorful(tc.env, tc.terminal); got != tc.want {
			t.Errorf("Colorful(%q, terminal=%v) = %v, want %v", tc.env, tc.terminal, got, tc.want)
		}
	}
}

func TestJSONAndYAMLKeepTheHubsOrderAndNumbers(t *testing.T) {
	raw := []byte(`{"zeta":1,"alpha":{"n":1732680000000,"f":0.1,"big":1e300,"s":"123","yes":"yes","On":"Off","y":"n","t":true,"nil":null},"list":[],"obj":{},"items":[{"b":"x: y"}]}`)
	var j, y bytes.Buffer
	if err := WriteJSON(&j, raw); err != nil {
		t.Fatal(err)
	}
	if err := WriteYAML(&y, raw); err != nil {
		t.Fatal(err)
	}
	golden(t, "order.json", j.String())
	golden(t, "order.yaml", y.String())
	if err := WriteYAML(&y, []byte(`{"unclosed":`)); err == nil {
		t.Error("WriteYAML took broken JSON")
	}
}

func TestValueUnits(t *testing.T) {
	for _, tc := range []struct {
		metric string
		v      float64
		want   string
	}{
		{"cpu_usage_ratio", 0.125, "12.5%"},
		{"memory_used_bytes", 1536, "1.5 KiB"},
		{"memory_used_bytes", 3 << 30, "3 GiB"},
		{"memory_used_bytes", 512, "512 B"},
		{"system_uptime_seconds", 90, "90s"},
		{"load1", 0.5, "0.5"},
		{"network_receive_bytes_total", 123456, "123.5k"},
		{"processes_total", 9999, "9999"},
		{"processes_total", 123456, "123.5k"},
		{"temperature_celsius", -40.25, "-40.25"},
		{"temperature_celsius", math.NaN(), "NaN"},
	} {
		if got := Value(tc.metric, tc.v); got != tc.want {
			t.Errorf("Value(%s, %v) = %q, want %q", tc.metric, tc.v, got, tc.want)
		}
	}
}

func TestAge(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	for _, tc := range []struct {
		t    *time.Time
		want string
	}{
		{nil, "never"}, {at(0), "0s ago"}, {at(59 * time.Second), "59s ago"}, {at(3 * time.Minute), "3m ago"},
		{at(47 * time.Hour), "47h ago"}, {at(72 * time.Hour), "3d ago"}, {at(-time.Hour), "0s ago"},
	} {
		if got := Age(tc.t, now); got != tc.want {
			t.Errorf("Age(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func TestDetails(t *testing.T) {
	var d Details
	d.Field("Hostname", "web-1")
	d.ColorField("Status", "online", Green)
	d.Section("Governance")
	d.Field("Data classification", "")
	d.Field("Tags", "prod, web")
	var b bytes.Buffer
	if err := d.Write(&b, false); err != nil {
		t.Fatal(err)
	}
	want := "Hostname:  web-1\nStatus:    online\nGovernance:\n  Data classification:  -\n  Tags:                 prod, web\n"
	if b.String() != want {
		t.Errorf("details:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestParseFormat(t *testing.T) {
	if f, err := ParseFormat("", JSON); err != nil || f != Table {
		t.Errorf(`ParseFormat("") = %q, %v; want table`, f, err)
	}
	if f, err := ParseFormat("YAML", JSON, YAML); err != nil || f != YAML {
		t.Errorf(`ParseFormat("YAML") = %q, %v; want yaml`, f, err)
	}
	if _, err := ParseFormat("csv", JSON, YAML); err == nil || !strings.Contains(err.Error(), "table, json, yaml") {
		t.Errorf("csv where only json and yaml are offered: %v", err)
	}
}
