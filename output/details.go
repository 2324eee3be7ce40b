package output

import (
	"io"
	"strings"
	"unicode/utf8"
)

// Details is a detail view of one object: labelled fields in sections,
// labels aligned within each section, as `kubectl describe` shows them.
type Details struct {
	sections []detailSection
}

type detailSection struct {
	title  string // empty for the first, untitled section
	fields [][2]string
	colors map[int]Color
}

// Field adds a labelled value to the current section; an empty value
// shows as "-".
func (d *Details) Field(label, value string) { d.ColorField(label, value, None) }

// ColorField is Field with the value in color c.
func (d *Details) ColorField(label, value string, c Color) {
	if len(d.sections) == 0 {
		d.sections = append(d.sections, detailSection{})
	}
	s := &d.sections[len(d.sections)-1]
	if value == "" {
		value = "-"
	}
	if c != None {
		if s.colors == nil {
			s.colors = map[int]Color{}
		}
		s.colors[len(s.fields)] = c
	}
	s.fields = append(s.fields, [2]string{label, oneLine(value)})
}

// Section starts a titled section; its fields are indented under it.
func (d *Details) Section(title string) { d.sections = append(d.sections, detailSection{title: title}) }

// Write writes the view.
func (d *Details) Write(w io.Writer, color bool) error {
	var b strings.Builder
	for _, s := range d.sections {
		indent := ""
		if s.title != "" {
			b.WriteString(s.title + ":\n")
			indent = "  "
		}
		width := 0
		for _, f := range s.fields {
			width = max(width, utf8.RuneCountInString(f[0]))
		}
		for i, f := range s.fields {
			b.WriteString(indent + f[0] + ":" + strings.Repeat(" ", width-utf8.RuneCountInString(f[0])+2))
			b.WriteString(Paint(f[1], s.colors[i], color) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
