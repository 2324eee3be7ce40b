package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Format is how a command writes its answer.
type Format string

// The formats; a command says which it offers.
const (
	Table Format = "table" // aligned columns or a detail view, for people
	JSON  Format = "json"  // the API's own JSON, indented
	YAML  Format = "yaml"  // the same data as YAML
	CSV   Format = "csv"   // rows of values (metric points)
)

// ParseFormat checks s against Table (also when s is empty) and the other
// formats a command offers.
func ParseFormat(s string, offered ...Format) (Format, error) {
	if s == "" || strings.EqualFold(s, string(Table)) {
		return Table, nil
	}
	names := make([]string, 0, len(offered)+1)
	names = append(names, string(Table))
	for _, f := range offered {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
		names = append(names, string(f))
	}
	return "", fmt.Errorf("output format %q: this command writes %s", s, strings.Join(names, ", "))
}

// Printer writes one command's answer in the chosen format.
type Printer struct {
	W      io.Writer
	Format Format
	Color  bool // escape sequences allowed (only in Table)
}

// Print writes raw as JSON or YAML, or calls human for the table format.
func (p Printer) Print(raw json.RawMessage, human func(w io.Writer, color bool) error) error {
	switch p.Format {
	case JSON:
		return WriteJSON(p.W, raw)
	case YAML:
		return WriteYAML(p.W, raw)
	}
	return human(p.W, p.Color)
}

// Sentence is Print for a command whose human answer is one line: the
// line (format and args as fmt's, a newline added), or raw as JSON or YAML.
func (p Printer) Sentence(raw json.RawMessage, format string, args ...any) error {
	return p.Print(raw, func(w io.Writer, _ bool) error {
		_, err := fmt.Fprintf(w, format+"\n", args...)
		return err
	})
}

// WriteJSON writes raw indented by two spaces, keys in the hub's order.
func WriteJSON(w io.Writer, raw json.RawMessage) error {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return fmt.Errorf("indent the answer: %w", err)
	}
	b.WriteByte('\n')
	_, err := b.WriteTo(w)
	return err
}
