package textcheck

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Problem says what is wrong with a piece of text, in words for the
// client; "" means nothing.
type Problem string

const (
	NUL           Problem = "must not contain NUL (U+0000)"
	InvalidUTF8   Problem = "must be valid UTF-8"
	LoneSurrogate Problem = "must not contain a lone UTF-16 surrogate escape (\\ud800-\\udfff without its pair)"
)

// String is the problem of s as stored text, "" when it is fine.
func String(s string) Problem {
	if strings.IndexByte(s, 0) >= 0 {
		return NUL
	}
	if !utf8.ValidString(s) {
		return InvalidUTF8
	}
	return ""
}

// Bytes is String for a byte slice, without copying it.
func Bytes(b []byte) Problem {
	if bytes.IndexByte(b, 0) >= 0 { // vectorised: this runs on every label value ingest decodes
		return NUL
	}
	if !utf8.Valid(b) {
		return InvalidUTF8
	}
	return ""
}
