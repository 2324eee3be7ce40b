package output

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

func TestChart(t *testing.T) {
	from := time.Date(2026, 11, 27, 6, 0, 0, 0, time.Local)
	wave := func(skip func(i int) bool, f func(i int) float64) []Point {
		var pts []Point
		for i := range 72 {
			if !skip(i) {
				pts = append(pts, Point{from.Add(time.Duration(i) * 5 * time.Minute), f(i)})
			}
		}
		return pts
	}
	none := func(int) bool { return false }
	for _, tc := range []struct {
		name string
		pts  []Point
	}{
		{"wave", wave(none, func(i int) float64 { return 0.5 + 0.4*math.Sin(float64(i)/8) })},
		{"gap", wave(func(i int) bool { return i > 30 && i < 40 }, func(i int) float64 { return float64(i % 12) })},
		{"flat", wave(none, func(int) float64 { return 42 })},
		{"one-point", []Point{{from.Add(time.Hour), 3}}},
		{"empty", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			c := Chart{Title: "temperature_celsius{sensor=\"cpu\"}", Metric: "temperature_celsius", Points: tc.pts,
				From: from, To: from.Add(6 * time.Hour), Step: 5 * time.Minute, Width: 60, Height: 6}
			if err := c.Write(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, "chart-"+tc.name+".txt", b.String())
			if strings.Contains(b.String(), "\x1b[") {
				t.Error("color off, yet escape sequences")
			}
		})
	}
}

// TestChartAxisIsTheSeriesRange pins what a reader relies on: the top
// label is the maximum, the bottom one the minimum, and the summary line
// says both.
func TestChartAxisIsTheSeriesRange(t *testing.T) {
	from := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	pts := []Point{{from, 21.5}, {from.Add(time.Minute), 37.25}, {from.Add(2 * time.Minute), math.NaN()}, {from.Add(3 * time.Minute), 30}}
	var b bytes.Buffer
	if err := (Chart{Title: "t", Metric: "temperature_celsius", Points: pts, From: from, To: from.Add(4 * time.Minute),
		Step: time.Minute, Width: 50, Height: 4}).Write(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if !strings.HasPrefix(strings.TrimSpace(lines[1]), "37.25 ┤") || !strings.HasPrefix(strings.TrimSpace(lines[4]), "21.5 ┤") {
		t.Errorf("axis labels: top %q, bottom %q; want 37.25 and 21.5", lines[1], lines[4])
	}
	if want := "min 21.5   avg 29.58   max 37.25   last 30   (3 points)"; !strings.Contains(b.String(), want) {
		t.Errorf("summary missing %q:\n%s", want, b.String())
	}
	if s := Summarize(pts); s.N != 3 || s.Min != 21.5 || s.Max != 37.25 || s.Last != 30 {
		t.Errorf("Summarize = %+v", s)
	}
}
