package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzWriteYAML checks the JSON-to-YAML writer on arbitrary answers: it
// never panics, it takes every valid JSON document, and a YAML reader
// gets back the same data.
func FuzzWriteYAML(f *testing.F) {
	for _, seed := range []string{`{"a":1,"b":[true,null,"yes"],"c":{"d":-0.5e3}}`, `[]`, `"on"`, `{"":{"":[]}}`, `{"x":"a: b\n- c"}`, `1e308`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var out bytes.Buffer
		err := WriteYAML(&out, raw)
		var want any
		if json.Unmarshal(raw, &want) != nil {
			return // not JSON, or numbers beyond float64: only no panic
		}
		if err != nil {
			t.Fatalf("WriteYAML(%q): %v", raw, err)
		}
		var got any
		if err := yaml.Unmarshal(out.Bytes(), &got); err != nil {
			if strings.Contains(err.Error(), "already defined") {
				return // duplicate keys are JSON's to allow and YAML's to refuse
			}
			t.Fatalf("the YAML written for %q does not read back: %v\n%s", raw, err, out.Bytes())
		}
		if !sameData(want, got) {
			t.Fatalf("%q came back from YAML as %#v\n%s", raw, got, out.Bytes())
		}
	})
}

// sameData compares a JSON value with a YAML one: numbers by value, maps
// and lists element by element.
func sameData(j, y any) bool {
	switch jv := j.(type) {
	case map[string]any:
		ym, ok := y.(map[string]any)
		if !ok || len(ym) != len(jv) {
			return false
		}
		for k, v := range jv {
			if !sameData(v, ym[k]) {
				return false
			}
		}
		return true
	case []any:
		yl, ok := y.([]any)
		if !ok || len(yl) != len(jv) {
			return false
		}
		for i := range jv {
			if !sameData(jv[i], yl[i]) {
				return false
			}
		}
		return true
	case float64:
		switch yv := y.(type) {
		case int:
			return float64(yv) == jv
		case float64:
			return yv == jv
		case uint64:
			return float64(yv) == jv
		}
		return false
	}
	return j == y
}
