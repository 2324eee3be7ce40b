package vuln

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeRecord: an export is outside input; every byte string is a
// record or ErrInvalidRecord, never a panic, and a record it accepts
// can be indexed and matched.
func FuzzDecodeRecord(f *testing.F) {
	files, _ := filepath.Glob("testdata/osv/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Debian:12","name":"p"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0","fixed":"1"}]}]}]}`))
	f.Add([]byte(`{"id":"X","modified":"nope"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeRecord(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidRecord) {
				t.Fatalf("error %v does not wrap ErrInvalidRecord", err)
			}
			return
		}
		if r.ID == "" || r.CVE == "" || !ValidSeverity(r.Severity) {
			t.Fatalf("accepted record without id, cve or severity: %+v", r)
		}
		ix := NewIndex(1, []Record{r})
		for _, a := range r.Affected {
			if tgt, ok := TargetOf("debian", "12"); ok {
				ix.Match(tgt, []Package{{Name: a.Package, Version: "1.0-1"}})
			}
		}
	})
}
