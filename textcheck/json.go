package textcheck

import (
	"strconv"
	"unicode/utf8"
)

// Error is the first string of a JSON document that is not storable text,
// and where it is: a path like items[3].name (keys of objects, indexes of
// arrays; a problem in a key names the key itself).
type Error struct {
	Path    string
	Problem Problem
}

func (e *Error) Error() string { return e.Path + ": " + string(e.Problem) }

// JSON checks every string (keys and values) of the JSON text raw: no NUL,
// raw or escaped; valid UTF-8; no lone surrogate escapes. prefix starts
// every path it reports ("" for a request body). It checks text only, not
// grammar: a document it passes may still be invalid JSON, which the
// decoder that follows reports. It allocates only for the error.
func JSON(raw []byte, prefix string) *Error {
	var w walker
	w.raw, w.prefix = raw, prefix
	return w.run()
}

// JSONMax is JSON that also refuses any string longer than maxLen bytes
// as sent (escapes counted as written).
func JSONMax(raw []byte, prefix string, maxLen int) *Error {
	var w walker
	w.raw, w.prefix, w.maxLen = raw, prefix, maxLen
	return w.run()
}

// step is one level of the path: a key or an array index.
type step struct {
	array bool
	index int
	key   []byte // raw bytes of the key between its quotes (array false)
}

type walker struct {
	raw    []byte
	prefix string
	maxLen int // 0: no limit
	pos    int
	stack  []step
}

func (w *walker) run() *Error {
	for w.pos < len(w.raw) {
		c := w.raw[w.pos]
		switch c {
		case '{':
			w.stack = append(w.stack, step{})
			w.pos++
		case '[':
			w.stack = append(w.stack, step{array: true})
			w.pos++
		case '}', ']':
			if len(w.stack) > 0 {
				w.stack = w.stack[:len(w.stack)-1]
			}
			w.pos++
		case ',':
			if n := len(w.stack); n > 0 && w.stack[n-1].array {
				w.stack[n-1].index++
			}
			w.pos++
		case '"':
			start := w.pos + 1
			p, end := w.str()
			isKey := w.isKey(end)
			if isKey && len(w.stack) > 0 {
				w.stack[len(w.stack)-1].key = w.raw[start:min(end, len(w.raw))]
			}
			if p == "" && w.maxLen > 0 && end-start > w.maxLen {
				p = Problem("must be at most " + strconv.Itoa(w.maxLen) + " bytes")
			}
			if p != "" {
				return &Error{Path: w.path(isKey), Problem: p}
			}
		case 0:
			return &Error{Path: w.path(false), Problem: NUL}
		default:
			w.pos++
		}
	}
	return nil
}

// isKey says whether the string that ended at end is an object key: the
// next non-space byte is a colon.
func (w *walker) isKey(end int) bool {
	for i := end + 1; i < len(w.raw); i++ {
		switch w.raw[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			return true
		}
		return false
	}
	return false
}

// str passes over the string at pos, returning its problem and the index
// of its closing quote.
func (w *walker) str() (Problem, int) {
	w.pos++
	var problem Problem
	for w.pos < len(w.raw) {
		c := w.raw[w.pos]
		switch {
		case c == '"':
			end := w.pos
			w.pos++
			return problem, end
		case c == 0:
			problem = firstOf(problem, NUL)
			w.pos++
		case c == '\\':
			problem = firstOf(problem, w.escape())
		case c < utf8.RuneSelf:
			w.pos++
		default:
			r, size := utf8.DecodeRune(w.raw[w.pos:])
			if r == utf8.RuneError && size == 1 {
				problem = firstOf(problem, InvalidUTF8)
			}
			w.pos += size
		}
	}
	return problem, len(w.raw)
}

// escape passes over one backslash escape, judging \u escapes.
func (w *walker) escape() Problem {
	if w.pos+1 >= len(w.raw) || w.raw[w.pos+1] != 'u' {
		w.pos += 2
		return ""
	}
	w.pos += 2
	r, ok := w.hex4()
	switch {
	case !ok:
		return "" // not an escape at all: the decoder's grammar error
	case r == 0:
		return NUL
	case r >= 0xDC00 && r < 0xE000:
		return LoneSurrogate
	case r >= 0xD800 && r < 0xDC00:
		if w.pos+1 < len(w.raw) && w.raw[w.pos] == '\\' && w.raw[w.pos+1] == 'u' {
			save := w.pos
			w.pos += 2
			if lo, ok := w.hex4(); ok && lo >= 0xDC00 && lo < 0xE000 {
				return ""
			}
			w.pos = save
		}
		return LoneSurrogate
	}
	return ""
}

func (w *walker) hex4() (rune, bool) {
	if w.pos+4 > len(w.raw) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(w.raw[w.pos:w.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	w.pos += 4
	return rune(v), true
}

func firstOf(have, next Problem) Problem {
	if have != "" {
		return have
	}
	return next
}

// path renders the stack; a key's own problem names the key.
func (w *walker) path(isKey bool) string {
	out := []byte(w.prefix)
	for _, s := range w.stack {
		if s.array {
			out = append(out, '[')
			out = strconv.AppendInt(out, int64(s.index), 10)
			out = append(out, ']')
			continue
		}
		if s.key == nil {
			continue
		}
		if len(out) > 0 {
			out = append(out, '.')
		}
		out = appendKey(out, s.key)
	}
	if isKey && len(out) == 0 {
		out = append(out, "(key)"...)
	}
	return string(out)
}

// appendKey writes a key as sent when it is plain, else quoted with its
// bad bytes escaped so the path is itself printable.
func appendKey(out, key []byte) []byte {
	for _, c := range key {
		if c < 0x20 || c == '\\' || c >= utf8.RuneSelf || c == '"' || c == '.' || c == '[' {
			return strconv.AppendQuote(out, string(key))
		}
	}
	return append(out, key...)
}
