package textcheck

import (
	"encoding/json"
	"testing"
)

func TestJSONNamesTheBadString(t *testing.T) {
	cases := []struct {
		doc, path string
		want      Problem
	}{
		{`{"email":"a\u0000b","password":"x"}`, "email", NUL},
		{`{"email":"ok","password":"x"}`, "", ""},
		{`[{"name":"a"},{"name":"b\ud800"}]`, "[1].name", LoneSurrogate},
		{`[{"name":"a"},{"name":"b\udc00"}]`, "[1].name", LoneSurrogate},
		{`{"s":"\ud83d\ude00"}`, "", ""},
		{`{"s":"\ud83d\u0041"}`, "s", LoneSurrogate},
		{"{\"a\":{\"b\":[1,2,\"x\xffy\"]}}", "a.b[2]", InvalidUTF8},
		{"{\"k\x00\":1}", "\"k\\x00\"", NUL},
		{`{"items":[1,"a",{"deep":["\u0000"]}]}`, "items[2].deep[0]", NUL},
		{`{"a":"x, y","b":["p","q\u0000"]}`, "b[1]", NUL},
		{`"\u0000"`, "", NUL},
		{`{"a":"\\u0000"}`, "", ""}, // an escaped backslash, then text
		{`{"a":"\u00"}`, "", ""},    // grammar, not text: the decoder's error
	}
	for _, c := range cases {
		err := JSON([]byte(c.doc), "")
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: got %v, want no problem", c.doc, err)
			}
			continue
		}
		if err == nil || err.Problem != c.want || (c.path != "" && err.Path != c.path) {
			t.Errorf("%s: got %+v, want %q at %q", c.doc, err, c.want, c.path)
		}
	}
}

func TestJSONPrefix(t *testing.T) {
	err := JSON([]byte(`[{"summary":"\u0000"}]`), "alerts")
	if err == nil || err.Path != "alerts[0].summary" {
		t.Fatalf("got %+v, want alerts[0].summary", err)
	}
}

// FuzzJSON: the checker never panics, and a document it passes that Go
// can decode holds no NUL and only valid UTF-8 in its strings.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `["\u0000"]`, `{"x":"\ud800"}`, "\"\xff\"", `[1,{"k":[true,null]}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		err := JSON(doc, "p")
		if err != nil {
			if err.Problem == "" {
				t.Fatalf("error without a problem: %+v", err)
			}
			return
		}
		var v any
		if json.Unmarshal(doc, &v) != nil {
			return
		}
		var walk func(any)
		walk = func(v any) {
			switch x := v.(type) {
			case string:
				if p := String(x); p != "" {
					t.Fatalf("passed %q but a string %q is %s", doc, x, p)
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			case map[string]any:
				for k, e := range x {
					walk(k)
					walk(e)
				}
			}
		}
		walk(v)
	})
}

func TestJSONMaxRefusesLongStrings(t *testing.T) {
	if err := JSONMax([]byte(`{"a":"12345","b":"123456"}`), "", 5); err == nil || err.Path != "b" {
		t.Fatalf("got %+v, want b refused", err)
	}
	if err := JSONMax([]byte(`{"a":"12345"}`), "", 5); err != nil {
		t.Fatalf("got %+v for a string at the limit", err)
	}
}
