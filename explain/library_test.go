package explain

import (
	"strings"
	"testing"
)

// TestShippedRules: the library loads, is large enough, and each rule's
// sample is answered by that very rule (no earlier rule shadows it) while
// its near miss is not.
func TestShippedRules(t *testing.T) {
	lib := Shipped()
	if lib.Len() < 60 {
		t.Fatalf("%d rules, want at least 60", lib.Len())
	}
	categories := map[string]int{}
	for _, r := range lib.Rules() {
		categories[r.Category]++
		m := lib.Find(r.Sample)
		if m == nil || m.Rule.ID != r.ID {
			got := "nothing"
			if m != nil {
				got = m.Rule.ID
			}
			t.Errorf("%s: its sample is answered by %s", r.ID, got)
		}
		if m := lib.Find(r.NearMiss); m != nil && m.Rule.ID == r.ID {
			t.Errorf("%s: its near miss %q matches it", r.ID, r.NearMiss)
		}
		txt, lang := lib.Find(r.Sample).Text("en")
		if lang != "en" || strings.Contains(txt.Meaning+txt.Cause+txt.Action, "{") {
			t.Errorf("%s: text not filled: %+v", r.ID, txt)
		}
	}
	for _, c := range []string{"memory", "disk", "kernel", "auth", "systemd", "tls", "postgresql", "nginx"} {
		if categories[c] == 0 {
			t.Errorf("no rule in category %s", c)
		}
	}
}

func TestFindFillsGroups(t *testing.T) {
	lib := Shipped()
	m := lib.Find("Dec  6 10:00:01 web-1 kernel: Out of memory: Killed process 4711 (java) total-vm:8251212kB")
	if m == nil || m.Rule.ID != "oom-kill" {
		t.Fatalf("got %+v, want oom-kill", m)
	}
	txt, _ := m.Text("en")
	if !strings.Contains(txt.Meaning, "java (pid 4711)") {
		t.Errorf("meaning %q does not name the process", txt.Meaning)
	}
	if lib.Find("everything is fine") != nil {
		t.Error("an ordinary line matched a rule")
	}
}

func TestParseRefusesBadRules(t *testing.T) {
	cases := map[string]string{
		"sample does not match": `- {id: a, category: c, severity: info, match: 'foo', sample: 'bar', near_miss: 'baz', text: {en: {meaning: m, cause: c, action: a}}}`,
		"near miss matches":     `- {id: a, category: c, severity: info, match: 'foo', sample: 'foo', near_miss: 'foo!', text: {en: {meaning: m, cause: c, action: a}}}`,
		"bad severity":          `- {id: a, category: c, severity: urgent, match: 'foo', sample: 'foo', near_miss: 'bar', text: {en: {meaning: m, cause: c, action: a}}}`,
		"unknown placeholder":   `- {id: a, category: c, severity: info, match: 'foo', sample: 'foo', near_miss: 'bar', text: {en: {meaning: '{who}', cause: c, action: a}}}`,
		"no english":            `- {id: a, category: c, severity: info, match: 'foo', sample: 'foo', near_miss: 'bar', text: {de: {meaning: m, cause: c, action: a}}}`,
		"bad regexp":            `- {id: a, category: c, severity: info, match: 'fo(o', sample: 'foo', near_miss: 'bar', text: {en: {meaning: m, cause: c, action: a}}}`,
		"duplicate id": `- {id: a, category: c, severity: info, match: 'foo', sample: 'foo', near_miss: 'bar', text: {en: {meaning: m, cause: c, action: a}}}
- {id: a, category: c, severity: info, match: 'foo', sample: 'foo', near_miss: 'bar', text: {en: {meaning: m, cause: c, action: a}}}`,
	}
	for name, doc := range cases {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
