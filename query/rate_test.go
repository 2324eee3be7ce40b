package query

import "testing"

func TestRateOfIsResetAware(t *testing.T) {
	pts := []Point{ // last values of 1-minute buckets
		{0, 1000},       // before from: a predecessor only
		{60_000, 7000},  // +6000 in 60 s
		{120_000, 7000}, // flat
		{240_000, 9400}, // a gap: +2400 over 120 s
		{300_000, 600},  // a reset: 600 since the restart
		{360_000, 4200}, // +3600
		{420_000, 9999}, // still open when the query ran
	}
	got := rateOf(pts, 60_000, 60_000, 470_000)
	want := []Point{{60_000, 100}, {120_000, 0}, {240_000, 20}, {300_000, 10}, {360_000, 60}}
	if len(got) != len(want) {
		t.Fatalf("rateOf = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("point %d = %v, want %v", i, got[i], want[i])
		}
	}
	if len(rateOf(nil, 0, 60_000, 1e12)) != 0 || len(rateOf([]Point{{60_000, 1}}, 0, 60_000, 1e12)) != 0 {
		t.Error("no or one bucket gave a rate")
	}
}
