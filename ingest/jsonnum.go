package ingest

// JSON numbers for the scanner (jsonscan.go): integers, and floats with an
// exact fast path for the plain decimals agents send.

import (
	"strconv"
	"unsafe"
)

// int64 reads a JSON integer (no fraction or exponent).
func (d *decoder) int64() (int64, error) {
	start := d.pos
	neg := false
	if d.peek() == '-' {
		neg = true
		d.pos++
	}
	digits := d.pos
	var v uint64
	// Up to 18 digits cannot overflow: no check inside the loop.
	for d.pos < len(d.buf) && d.pos-digits < 18 {
		c := d.buf[d.pos] - '0'
		if c > 9 {
			break
		}
		v = v*10 + uint64(c)
		d.pos++
	}
	for d.pos < len(d.buf) {
		c := d.buf[d.pos] - '0'
		if c > 9 {
			break
		}
		if v > (1<<63-1-uint64(c))/10 {
			return 0, &SyntaxError{Offset: start, Msg: "integer out of range"}
		}
		v = v*10 + uint64(c)
		d.pos++
	}
	if d.pos == digits || (d.buf[digits] == '0' && d.pos-digits > 1) {
		return 0, &SyntaxError{Offset: start, Msg: "expected an integer"}
	}
	if c := d.peek(); c == '.' || c == 'e' || c == 'E' {
		return 0, &SyntaxError{Offset: start, Msg: "expected an integer, got a fraction"}
	}
	if neg {
		return -int64(v), nil
	}
	return int64(v), nil
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// mantissa accumulates a run of decimal digits into mant, counting the
// significant ones (leading zeros are not) in nd. mant may overflow past
// 19 digits; nd then rules the fast path out.
func (d *decoder) mantissa(mant *uint64, nd *int) {
	d.pos, *mant, *nd = scanDigits(d.buf, d.pos, *mant, *nd)
}

// scanDigits is mantissa over a buffer and position, for the compact path.
func scanDigits(buf []byte, pos int, mant uint64, nd int) (int, uint64, int) {
	for pos < len(buf) {
		c := buf[pos] - '0'
		if c > 9 {
			break
		}
		if nd > 0 || c != 0 {
			nd++
		}
		mant = mant*10 + uint64(c)
		pos++
	}
	return pos, mant, nd
}

// float64 reads a JSON number. Plain decimals with at most 15 significant
// digits take the exact fast path (an integer mantissa < 2^53 divided by an
// exactly representable power of ten rounds correctly); anything else goes
// to strconv. Values too large for float64 are refused, not stored as
// infinity.
func (d *decoder) float64() (float64, error) {
	start := d.pos
	neg := false
	if d.peek() == '-' {
		neg = true
		d.pos++
	}
	intStart := d.pos
	var mant uint64
	nd := 0 // significant digits accumulated in mant
	d.mantissa(&mant, &nd)
	if d.pos == intStart || (d.buf[intStart] == '0' && d.pos-intStart > 1) {
		return 0, &SyntaxError{Offset: start, Msg: "expected a number"}
	}
	frac := 0
	if d.peek() == '.' {
		d.pos++
		fs := d.pos
		d.mantissa(&mant, &nd)
		frac = d.pos - fs
		if frac == 0 {
			return 0, &SyntaxError{Offset: start, Msg: "expected digits after '.'"}
		}
	}
	exact := nd <= 15 && frac < len(pow10)
	if c := d.peek(); c == 'e' || c == 'E' {
		exact = false
		d.pos++
		if c := d.peek(); c == '+' || c == '-' {
			d.pos++
		}
		es := d.pos
		for d.pos < len(d.buf) && d.buf[d.pos] >= '0' && d.buf[d.pos] <= '9' {
			d.pos++
		}
		if d.pos == es {
			return 0, &SyntaxError{Offset: start, Msg: "expected digits in exponent"}
		}
	}
	if exact {
		v := float64(mant) / pow10[frac]
		if neg {
			v = -v
		}
		return v, nil
	}
	num := d.buf[start:d.pos]
	// ParseFloat does not keep its argument, so a string header over the
	// bytes is safe and saves an allocation per sample.
	v, err := strconv.ParseFloat(unsafe.String(&num[0], len(num)), 64)
	if err != nil {
		return 0, &SyntaxError{Offset: start, Msg: "number out of range for a 64-bit float"}
	}
	return v, nil
}
