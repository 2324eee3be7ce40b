package output

import (
	"io"
	"strings"
	"unicode/utf8"
)

// TableWriter lays out rows in aligned columns under an upper-case header,
// kubectl style: three spaces between columns, no trailing spaces.
type TableWriter struct {
	header []string
	rows   [][]string
	colors map[int]func(string) Color
}

// NewTable starts a table with these column names.
func NewTable(header ...string) *TableWriter {
	return &TableWriter{header: header, colors: map[int]func(string) Color{}}
}

// Row adds a row; missing cells are empty, an empty cell shows as "-".
func (t *TableWriter) Row(cells ...string) { t.rows = append(t.rows, cells) }

// ColorColumn colors the cells of the named column by their value.
func (t *TableWriter) ColorColumn(name string, by func(string) Color) {
	for i, h := range t.header {
		if h == name {
			t.colors[i] = by
		}
	}
}

// Len is the number of rows.
func (t *TableWriter) Len() int { return len(t.rows) }

// Write writes the table; color allows escape sequences in colored columns.
func (t *TableWriter) Write(w io.Writer, color bool) error {
	widths := make([]int, len(t.header))
	cell := func(row []string, i int) string {
		if i >= len(row) || row[i] == "" {
			return "-"
		}
		return oneLine(row[i])
	}
	for i, h := range t.header {
		widths[i] = utf8.RuneCountInString(h)
		for _, r := range t.rows {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell(r, i)))
		}
	}
	var b strings.Builder
	line := func(get func(i int) string, paint bool) {
		for i := range t.header {
			s := get(i)
			pad := widths[i] - utf8.RuneCountInString(s)
			if by, ok := t.colors[i]; ok && paint {
				s = Paint(s, by(s), color)
			}
			b.WriteString(s)
			if i < len(t.header)-1 {
				b.WriteString(strings.Repeat(" ", pad+3))
			}
		}
		b.WriteByte('\n')
	}
	line(func(i int) string { return t.header[i] }, false)
	for _, r := range t.rows {
		line(func(i int) string { return cell(r, i) }, true)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// oneLine keeps a cell on its row: line breaks and tabs become spaces.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\n\r\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
