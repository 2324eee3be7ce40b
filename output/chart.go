package output

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Point is one value of a series at a time.
type Point struct {
	Time  time.Time
	Value float64
}

// Chart is one series drawn as a line of braille dots (2×4 per character
// cell) over its time range, with the value axis labelled at the top,
// middle and bottom and the time axis at both ends, then a summary line.
type Chart struct {
	Title    string    // first line, e.g. cpu_usage_ratio{cpu="all"}
	Metric   string    // names the unit of the values (see Value)
	Points   []Point   // oldest first; NaN values are left out
	From, To time.Time // the range asked for: the time axis
	// Step is the bucket width: points further apart than two steps are
	// not joined, so a gap in the data shows as a gap.
	Step   time.Duration
	Width  int // whole line, in character cells (at least 30)
	Height int // rows of the plot (at least 3)
	Color  bool
}

// Stats summarises a series: the mean is of the points, not weighted by time.
type Stats struct {
	Min, Max, Mean, Last float64
	N                    int
}

// Summarize computes the stats of the points that are numbers.
func Summarize(pts []Point) Stats {
	s := Stats{Min: math.Inf(1), Max: math.Inf(-1)}
	sum := 0.0
	for _, p := range pts {
		if math.IsNaN(p.Value) {
			continue
		}
		s.Min, s.Max = min(s.Min, p.Value), max(s.Max, p.Value)
		sum += p.Value
		s.Last = p.Value
		s.N++
	}
	if s.N > 0 {
		s.Mean = sum / float64(s.N)
	}
	return s
}

// Write draws the chart.
func (c Chart) Write(w io.Writer) error {
	var b strings.Builder
	b.WriteString(c.Title + "\n")
	st := Summarize(c.Points)
	if st.N == 0 {
		b.WriteString("  no data in this range\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	lo, hi := st.Min, st.Max
	if lo == hi { // a flat line sits in the middle
		lo, hi = lo-1, hi+1
		if st.Min != 0 {
			lo, hi = st.Min-math.Abs(st.Min)/2, st.Max+math.Abs(st.Max)/2
		}
	}
	height := max(c.Height, 3)
	// The middle label is the value at the middle of its row's dots.
	middle := hi - (float64(height/2*4)+1.5)/float64(height*4-1)*(hi-lo)
	labels := []string{Value(c.Metric, st.Max), Value(c.Metric, middle), Value(c.Metric, st.Min)}
	labelRows := []int{0, height / 2, height - 1}
	if st.Min == st.Max {
		// One label, on the row the flat line is drawn in (see plot's y).
		labels, labelRows = []string{Value(c.Metric, st.Min)}, []int{(height*4 - 1 - int(math.Round(float64(height*4-1)/2))) / 4}
	}
	lw := 0
	for _, l := range labels {
		lw = max(lw, utf8.RuneCountInString(l))
	}
	cells := max(c.Width, 30) - lw - 2
	grid := c.plot(cells, height, lo, hi)

	for row := range height {
		label, tick := "", "│"
		for i, r := range labelRows {
			if r == row {
				label, tick = labels[i], "┤"
			}
		}
		b.WriteString(strings.Repeat(" ", lw-utf8.RuneCountInString(label)) + label + " " + tick)
		b.WriteString(Paint(strings.TrimRight(string(grid[row]), "\u2800"), Cyan, c.Color))
		b.WriteByte('\n')
	}
	b.WriteString(strings.Repeat(" ", lw+1) + "└" + strings.Repeat("─", cells) + "\n")
	from, to := axisTime(c.From, c.To)
	gap := max(cells-utf8.RuneCountInString(from)-utf8.RuneCountInString(to), 1)
	b.WriteString(strings.Repeat(" ", lw+2) + from + strings.Repeat(" ", gap) + to + "\n")
	points := "points"
	if st.N == 1 {
		points = "point"
	}
	fmt.Fprintf(&b, "min %s   avg %s   max %s   last %s   (%d %s)\n",
		Value(c.Metric, st.Min), Value(c.Metric, st.Mean), Value(c.Metric, st.Max), Value(c.Metric, st.Last), st.N, points)
	_, err := io.WriteString(w, b.String())
	return err
}

// plot sets the braille dots of the line on a grid of cells×height.
func (c Chart) plot(cells, height int, lo, hi float64) [][]rune {
	grid := make([][]rune, height)
	for i := range grid {
		grid[i] = []rune(strings.Repeat("\u2800", cells))
	}
	pxW, pxH := cells*2, height*4
	span := c.To.Sub(c.From)
	if span <= 0 {
		span = time.Nanosecond
	}
	x := func(t time.Time) int {
		return clamp(int(math.Round(float64(t.Sub(c.From))/float64(span)*float64(pxW-1))), 0, pxW-1)
	}
	y := func(v float64) int { // from the top
		return clamp(pxH-1-int(math.Round((v-lo)/(hi-lo)*float64(pxH-1))), 0, pxH-1)
	}
	set := func(px, py int) {
		grid[py/4][px/2] |= brailleDot(px%2, py%4)
	}
	havePrev := false
	var prev Point
	for _, p := range c.Points {
		if math.IsNaN(p.Value) {
			havePrev = false
			continue
		}
		if havePrev && (c.Step <= 0 || p.Time.Sub(prev.Time) <= 2*c.Step) {
			line(x(prev.Time), y(prev.Value), x(p.Time), y(p.Value), set)
		} else {
			set(x(p.Time), y(p.Value))
		}
		prev, havePrev = p, true
	}
	return grid
}

// brailleDot is the bit of the dot at column dx (0, 1) and row dy (0 to 3)
// of a braille cell.
func brailleDot(dx, dy int) rune {
	bits := [2][4]rune{{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}}
	return bits[dx][dy]
}

// line sets every pixel from (x0, y0) to (x1, y1) (Bresenham).
func line(x0, y0, x1, y1 int, set func(x, y int)) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		set(x0, y0)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

// axisTime labels the ends of the time axis in local time: the clock
// alone within a day, the date too beyond.
func axisTime(from, to time.Time) (string, string) {
	layout := "15:04"
	if to.Sub(from) > 24*time.Hour || from.Local().YearDay() != to.Local().YearDay() {
		layout = "Jan 2 15:04"
	}
	return from.Local().Format(layout), to.Local().Format(layout)
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}
