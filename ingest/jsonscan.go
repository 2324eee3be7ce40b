package ingest

// The JSON scanner under the batch grammar (decode.go): strings into the
// batch's arena, whitespace, objects member by member, and skipping over
// any value under a depth limit (numbers are in jsonnum.go). It allocates
// nothing once the batch's buffers have grown, and every error is a
// SyntaxError with the byte offset.

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// SyntaxError is a body that is not the batch JSON grammar; it answers 400.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("at byte %d: %s", e.Offset, e.Msg) }

// decoder is a single-pass scanner for the ingest JSON. It writes straight
// into a Batch's columns and allocates nothing once the Batch has grown.
type decoder struct {
	buf []byte
	pos int
	b   *Batch
	lim Limits
}

// object walks the members of an object whose '{' was consumed, calling
// member with each key positioned at its value.
func (d *decoder) object(member func(key []byte) error) error {
	d.ws()
	if d.peek() == '}' {
		d.pos++
		return nil
	}
	for {
		d.ws()
		start := len(d.b.strs)
		key, err := d.str()
		if err != nil {
			return err
		}
		keyBytes := d.b.strs[key.Off : key.Off+key.Len]
		d.ws()
		if err := d.expect(':'); err != nil {
			return err
		}
		d.ws()
		err = member(keyBytes)
		// keys are scratch: drop them from the arena unless the member
		// appended after them (labels keep their names).
		if len(d.b.strs) == start+int(key.Len) {
			d.b.strs = d.b.strs[:start]
		}
		if err != nil {
			return err
		}
		d.ws()
		switch d.next() {
		case ',':
			continue
		case '}':
			return nil
		}
		return d.failPrev("expected ',' or '}' in object")
	}
}

// skipValue passes over any JSON value, iteratively, refusing nesting
// deeper than the limit. stack holds the open containers' brackets.
func (d *decoder) skipValue() error {
	stack := d.b.stack[:0]
	defer func() { d.b.stack = stack[:0] }()
	for {
		d.ws()
		switch c := d.peek(); c {
		case '{', '[':
			if len(stack) >= d.lim.MaxDepth {
				return d.fail(fmt.Sprintf("nesting deeper than %d", d.lim.MaxDepth))
			}
			d.pos++
			d.ws()
			if cl := d.peek(); (c == '{' && cl == '}') || (c == '[' && cl == ']') {
				d.pos++
				break // an empty container is a complete value
			}
			stack = append(stack, c)
			if c == '{' {
				if err := d.skipKey(); err != nil {
					return err
				}
			}
			continue
		case '"':
			start := len(d.b.strs)
			if _, err := d.str(); err != nil {
				return err
			}
			d.b.strs = d.b.strs[:start]
		case 't', 'f', 'n':
			if err := d.literal(); err != nil {
				return err
			}
		default:
			if _, err := d.float64(); err != nil {
				return err
			}
		}
		// A value ended: close finished containers, or step to the next
		// element of the innermost one.
		for {
			if len(stack) == 0 {
				return nil
			}
			top := stack[len(stack)-1]
			d.ws()
			c := d.next()
			if c == ',' {
				if top == '{' {
					if err := d.skipKey(); err != nil {
						return err
					}
				}
				break
			}
			if (top == '{' && c == '}') || (top == '[' && c == ']') {
				stack = stack[:len(stack)-1]
				continue
			}
			return d.failPrev("expected ',' or a closing bracket")
		}
	}
}

func (d *decoder) skipKey() error {
	d.ws()
	start := len(d.b.strs)
	if _, err := d.str(); err != nil {
		return err
	}
	d.b.strs = d.b.strs[:start]
	d.ws()
	return d.expect(':')
}

// literal passes over true, false or null, whichever the next byte starts.
func (d *decoder) literal() error {
	word := "null"
	switch d.peek() {
	case 't':
		word = "true"
	case 'f':
		word = "false"
	}
	if len(d.buf)-d.pos < len(word) || string(d.buf[d.pos:d.pos+len(word)]) != word {
		return d.fail("invalid literal")
	}
	d.pos += len(word)
	return nil
}

// str reads a JSON string into the batch's arena, unescaping it.
func (d *decoder) str() (Span, error) {
	if d.peek() != '"' {
		return Span{}, d.fail("expected a string")
	}
	d.pos++
	b := d.b
	off := len(b.strs)
	start := d.pos
	for d.pos < len(d.buf) {
		c := d.buf[d.pos]
		switch {
		case c == '"':
			b.strs = append(b.strs, d.buf[start:d.pos]...)
			d.pos++
			s := Span{Off: int32(off), Len: int32(len(b.strs) - off)}
			if !utf8.Valid(b.strs[off:]) {
				return Span{}, d.failPrev("string is not valid UTF-8")
			}
			return s, nil
		case c == '\\':
			b.strs = append(b.strs, d.buf[start:d.pos]...)
			if err := d.escape(); err != nil {
				return Span{}, err
			}
			start = d.pos
		case c < 0x20:
			return Span{}, d.fail("control character in string")
		default:
			d.pos++
		}
	}
	return Span{}, d.fail("unterminated string")
}

// escape decodes one backslash escape at pos into the arena.
func (d *decoder) escape() error {
	if d.pos+1 >= len(d.buf) {
		return d.fail("unterminated escape")
	}
	c := d.buf[d.pos+1]
	d.pos += 2
	switch c {
	case '"', '\\', '/':
		d.b.strs = append(d.b.strs, c)
	case 'b':
		d.b.strs = append(d.b.strs, '\b')
	case 'f':
		d.b.strs = append(d.b.strs, '\f')
	case 'n':
		d.b.strs = append(d.b.strs, '\n')
	case 'r':
		d.b.strs = append(d.b.strs, '\r')
	case 't':
		d.b.strs = append(d.b.strs, '\t')
	case 'u':
		r, ok := d.hex4()
		if !ok {
			return d.fail("invalid \\u escape")
		}
		if r >= 0xD800 && r < 0xDC00 { // high surrogate: a low one must follow
			if d.pos+1 < len(d.buf) && d.buf[d.pos] == '\\' && d.buf[d.pos+1] == 'u' {
				d.pos += 2
				lo, ok := d.hex4()
				if ok && lo >= 0xDC00 && lo < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				} else {
					r = utf8.RuneError
				}
			} else {
				r = utf8.RuneError
			}
		} else if r >= 0xDC00 && r < 0xE000 {
			r = utf8.RuneError
		}
		d.b.strs = utf8.AppendRune(d.b.strs, r)
	default:
		return d.fail("invalid escape")
	}
	return nil
}

func (d *decoder) hex4() (rune, bool) {
	if d.pos+4 > len(d.buf) {
		return 0, false
	}
	var r rune
	for _, c := range d.buf[d.pos : d.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	d.pos += 4
	return r, true
}

func (d *decoder) ws() {
	for d.pos < len(d.buf) {
		switch d.buf[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) peek() byte {
	if d.pos < len(d.buf) {
		return d.buf[d.pos]
	}
	return 0
}

func (d *decoder) next() byte {
	c := d.peek()
	d.pos++
	return c
}

// token passes over whitespace and then c.
func (d *decoder) token(c byte) error {
	d.ws()
	return d.expect(c)
}

func (d *decoder) expect(c byte) error {
	if d.peek() != c {
		return d.fail("expected " + strconv.QuoteRune(rune(c)))
	}
	d.pos++
	return nil
}

func (d *decoder) fail(msg string) error { return &SyntaxError{Offset: d.pos, Msg: msg} }

func (d *decoder) failPrev(msg string) error { return &SyntaxError{Offset: max(d.pos-1, 0), Msg: msg} }
