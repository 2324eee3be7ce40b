package diskspace

import (
	"os"
	"testing"
)

func TestMeasureAgreesWithTheFilesystem(t *testing.T) {
	w := New(os.TempDir())
	if _, ok := w.Latest(); ok {
		t.Fatal("a measurement before Measure")
	}
	u, err := w.Measure()
	if err != nil {
		t.Fatal(err)
	}
	if u.SizeBytes <= 0 || u.FreeBytes < 0 || u.FreeBytes > u.SizeBytes || u.FreeRatio() > 1 {
		t.Fatalf("implausible usage %+v", u)
	}
	if got, ok := w.Latest(); !ok || got != u {
		t.Fatalf("Latest = %+v %v, want %+v", got, ok, u)
	}
	if _, err := New("/no/such/dir").Measure(); err == nil {
		t.Fatal("measuring a missing path did not fail")
	}
}
