package query

import (
	"strings"
	"testing"
)

func TestParseSelector(t *testing.T) {
	cases := map[string]string{ // selector → matchers as String writes them, joined by ;
		`{cpu="0"}`: `cpu="0"`,
		`cpu="0"`:   `cpu="0"`,
		` { cpu = "0" , mode =~ "user|system" , } `: `cpu="0";mode=~"user|system"`,
		`{cpu!="0",mode!~'idle'}`:                   `cpu!="0";mode!~"idle"`,
		`node_cpu_seconds_total{cpu="0"}`:           `__name__="node_cpu_seconds_total";cpu="0"`,
		`node_cpu_seconds_total`:                    `__name__="node_cpu_seconds_total"`,
		`job:rate5m{}`:                              `__name__="job:rate5m"`,
		`{path="C:\\temp",q="say \"hi\""}`:          `path="C:\\temp";q="say \"hi\""`,
		`{q='it\'s "x"'}`:                           `q="it's \"x\""`,
		`{e="\u00e9\n"}`:                            `e="é\n"`,
		`{__name__=~"cpu_.*"}`:                      `__name__=~"cpu_.*"`,
		`{a=""}`:                                    `a=""`,
	}
	for in, want := range cases {
		ms, err := ParseSelector(in)
		if err != nil {
			t.Errorf("ParseSelector(%s): %v", in, err)
			continue
		}
		var got []string
		for _, m := range ms {
			got = append(got, m.String())
		}
		if strings.Join(got, ";") != want {
			t.Errorf("ParseSelector(%s) = %s, want %s", in, strings.Join(got, ";"), want)
		}
	}
	bad := []string{``, `{}`, `{cpu}`, `{cpu=}`, `{cpu=0}`, `{cpu="0"`, `{cpu="0"}}`, `{cpu="0" mode="1"}`, `{0cpu="0"}`,
		`{cpu=="0"}`, `{cpu="0\q"}`, `{cpu="a` + "\n" + `"}`, `{cpu=~"("}`, `{cpu="0"} x`, `1metric{}`, `{cpu:x="0"}`,
		`{cpu="` + strings.Repeat("x", 1025) + `"}`, strings.Repeat(`a="",`, 33), `{a="\"}`, `cpu="0",,`}
	for _, in := range bad {
		if ms, err := ParseSelector(in); err == nil {
			t.Errorf("ParseSelector(%.40q) = %v, want an error", in, ms)
		} else if e, ok := err.(*Error); !ok || e.Param != "match" {
			t.Errorf("ParseSelector(%.40q): %v, want an *Error about match", in, err)
		}
	}
}

func TestMatchSeriesFollowsPrometheus(t *testing.T) {
	labels := map[string]string{"cpu": "10", "mode": "user"}
	cases := map[string]bool{
		`{cpu="10"}`:                  true,
		`{cpu="1"}`:                   false,
		`{cpu=~"1"}`:                  false, // regexes match the whole value
		`{cpu=~"1.*"}`:                true,
		`{cpu!~"\\d+"}`:               false,
		`{mode=~"user|system"}`:       true,
		`{missing=""}`:                true, // an absent label matches as ""
		`{missing!=""}`:               false,
		`{missing=~".*"}`:             true,
		`cpu_seconds_total{cpu="10"}`: true,
		`memory{cpu="10"}`:            false,
		`{__name__=~"cpu_.*_total"}`:  true,
		`{cpu="10",mode="system"}`:    false,
	}
	for sel, want := range cases {
		ms, err := ParseSelector(sel)
		if err != nil {
			t.Fatal(err)
		}
		if got := MatchSeries(ms, "cpu_seconds_total", labels); got != want {
			t.Errorf("%s matches = %v, want %v", sel, got, want)
		}
	}
}

func TestEqualitiesGoToStorage(t *testing.T) {
	ms, err := ParseSelector(`m{cpu="all",mode!="idle",dev=~"sd.",host="",cpu="all",__name__="m"}`)
	if err != nil {
		t.Fatal(err)
	}
	eq := equalities(ms)
	if len(eq) != 1 || eq["cpu"] != "all" {
		t.Errorf("equalities = %v, want only cpu=all (not regexes, inequalities, empty values or the name)", eq)
	}
	if eq := equalities(nil); eq != nil {
		t.Errorf("equalities(nil) = %v", eq)
	}
}
