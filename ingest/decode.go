package ingest

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/monsys/monsys/textcheck"
)

// Limits bound what one batch may hold beyond its byte size.
type Limits struct {
	MaxSeries        int // metrics[] entries per batch
	MaxLabels        int // labels per series
	MaxNameLen       int // bytes of a metric or label name
	MaxLabelValueLen int // bytes of a label value
	MaxDepth         int // nesting of the free-form parts (inventory items)
}

// DefaultLimits are generous for a host agent and small enough that a
// hostile body cannot make the hub do unbounded work.
var DefaultLimits = Limits{MaxSeries: 100_000, MaxLabels: 32, MaxNameLen: 256, MaxLabelValueLen: 2048, MaxDepth: 64}

// FieldError is well-formed JSON with a value the protocol refuses; it
// answers 422 and names the field.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Decode parses body into b, which it resets first. Unknown and repeated
// keys are refused: the protocol is versioned by its signing string, not
// by tolerance.
func Decode(body []byte, b *Batch, lim Limits) error {
	b.Reset()
	d := decoder{buf: body, b: b, lim: lim}
	return d.batch()
}

const (
	keyBatchID = 1 << iota
	keySeq
	keyMetrics
	keyHeartbeat
	keyInventory
	keyAlerts
	keyEvents
)

func (d *decoder) batch() error {
	if err := d.expect('{'); err != nil {
		return err
	}
	seen := 0
	err := d.object(func(key []byte) error {
		bit, err := topLevelKey(key)
		if err != nil {
			return d.fail(err.Error())
		}
		if seen&bit != 0 {
			return d.fail("key " + strconv.Quote(string(key)) + " appears twice")
		}
		seen |= bit
		switch bit {
		case keyBatchID:
			return d.batchID()
		case keySeq:
			v, err := d.int64()
			if err != nil {
				return err
			}
			if v < 0 {
				return &FieldError{Field: "seq", Msg: "must not be negative"}
			}
			d.b.Seq = uint64(v)
			return nil
		case keyMetrics:
			return d.metrics()
		case keyHeartbeat:
			d.b.Heartbeat, err = d.raw('{')
		case keyInventory:
			d.b.Inventory, err = d.raw('[')
		case keyAlerts:
			d.b.Alerts, err = d.raw('[')
		case keyEvents:
			d.b.Events, err = d.raw('[')
		}
		return err
	})
	if err != nil {
		return err
	}
	d.ws()
	if d.pos != len(d.buf) {
		return d.fail("unexpected data after the batch object")
	}
	if seen&keyBatchID == 0 {
		return &FieldError{Field: "batch_id", Msg: "is required"}
	}
	return nil
}

func topLevelKey(key []byte) (int, error) {
	switch string(key) {
	case "batch_id":
		return keyBatchID, nil
	case "seq":
		return keySeq, nil
	case "metrics":
		return keyMetrics, nil
	case "heartbeat":
		return keyHeartbeat, nil
	case "inventory":
		return keyInventory, nil
	case "alerts":
		return keyAlerts, nil
	case "security_events":
		return keyEvents, nil
	}
	return 0, errors.New("unknown key " + strconv.Quote(string(key)))
}

func (d *decoder) batchID() error {
	s, err := d.str()
	if err != nil {
		return err
	}
	id, ok := parseUUID(d.b.strs[s.Off : s.Off+s.Len])
	d.b.strs = d.b.strs[:s.Off]
	if !ok {
		return &FieldError{Field: "batch_id", Msg: "must be a UUID"}
	}
	d.b.BatchID = id
	return nil
}

func (d *decoder) metrics() error {
	if err := d.expect('['); err != nil {
		return err
	}
	d.ws()
	if d.peek() == ']' {
		d.pos++
		return nil
	}
	for {
		d.ws()
		if len(d.b.Series) >= d.lim.MaxSeries {
			return &FieldError{Field: "metrics", Msg: fmt.Sprintf("more than %d series in one batch", d.lim.MaxSeries)}
		}
		if err := d.metric(); err != nil {
			return err
		}
		d.ws()
		switch d.next() {
		case ',':
			continue
		case ']':
			return nil
		}
		return d.failPrev("expected ',' or ']' in metrics")
	}
}

const (
	keyName = 1 << iota
	keyLabels
	keySamples
)

func (d *decoder) metric() error {
	if err := d.expect('{'); err != nil {
		return err
	}
	b := d.b
	idx := len(b.Series)
	s := Series{LabelsStart: len(b.Labels), LabelsEnd: len(b.Labels), SamplesStart: len(b.Times), SamplesEnd: len(b.Times)}
	seen := 0
	err := d.object(func(key []byte) error {
		var bit int
		switch string(key) {
		case "name":
			bit = keyName
		case "labels":
			bit = keyLabels
		case "samples":
			bit = keySamples
		default:
			return d.fail(fmt.Sprintf("metrics[%d]: unknown key %q", idx, key))
		}
		if seen&bit != 0 {
			return d.fail(fmt.Sprintf("metrics[%d]: key %q appears twice", idx, key))
		}
		seen |= bit
		switch bit {
		case keyName:
			name, err := d.str()
			if err != nil {
				return err
			}
			if !validMetricName(b.Str(name), d.lim.MaxNameLen) {
				return &FieldError{Field: fmt.Sprintf("metrics[%d].name", idx), Msg: "must match [a-zA-Z_:][a-zA-Z0-9_:]* and be at most " + strconv.Itoa(d.lim.MaxNameLen) + " bytes"}
			}
			s.Name = name
			return nil
		case keyLabels:
			return d.labels(idx, &s)
		default:
			return d.samples(idx, &s)
		}
	})
	if err != nil {
		return err
	}
	if seen&keyName == 0 {
		return &FieldError{Field: fmt.Sprintf("metrics[%d].name", idx), Msg: "is required"}
	}
	b.Series = append(b.Series, s)
	return nil
}

func (d *decoder) labels(idx int, s *Series) error {
	if err := d.expect('{'); err != nil {
		return err
	}
	b := d.b
	start := len(b.Labels)
	err := d.object(func(key []byte) error {
		off := int32(len(b.strs)) - int32(len(key))
		name := Span{Off: off, Len: int32(len(key))}
		if !validLabelName(key, d.lim.MaxNameLen) {
			return &FieldError{Field: fmt.Sprintf("metrics[%d].labels", idx), Msg: fmt.Sprintf("label name %q must match [a-zA-Z_][a-zA-Z0-9_]*", key)}
		}
		if d.peek() != '"' {
			return d.fail(fmt.Sprintf("metrics[%d].labels: values must be strings", idx))
		}
		val, err := d.str()
		if err != nil {
			return err
		}
		if int(val.Len) > d.lim.MaxLabelValueLen {
			return &FieldError{Field: fmt.Sprintf("metrics[%d].labels", idx), Msg: fmt.Sprintf("label value longer than %d bytes", d.lim.MaxLabelValueLen)}
		}
		if p := textcheck.Bytes(b.Str(val)); p != "" { // \u0000 decodes to NUL, which PostgreSQL refuses
			return &FieldError{Field: fmt.Sprintf("metrics[%d].labels.%s", idx, key), Msg: string(p)}
		}
		if val.Len == 0 {
			return nil // an empty value is an absent label, as in Prometheus
		}
		if len(b.Labels)-start >= d.lim.MaxLabels {
			return &FieldError{Field: fmt.Sprintf("metrics[%d].labels", idx), Msg: fmt.Sprintf("more than %d labels", d.lim.MaxLabels)}
		}
		b.Labels = append(b.Labels, Label{Name: name, Value: val})
		return nil
	})
	if err != nil {
		return err
	}
	ls := b.Labels[start:]
	sortLabels(b, ls)
	for i := 1; i < len(ls); i++ {
		if string(b.Str(ls[i].Name)) == string(b.Str(ls[i-1].Name)) {
			return &FieldError{Field: fmt.Sprintf("metrics[%d].labels", idx), Msg: fmt.Sprintf("label %q appears twice", b.Str(ls[i].Name))}
		}
	}
	s.LabelsStart, s.LabelsEnd = start, len(b.Labels)
	return nil
}

// sortLabels orders a series' labels by name; series have few labels, so
// insertion sort beats sort.Slice and allocates nothing.
func sortLabels(b *Batch, ls []Label) {
	for i := 1; i < len(ls); i++ {
		for j := i; j > 0 && string(b.Str(ls[j].Name)) < string(b.Str(ls[j-1].Name)); j-- {
			ls[j], ls[j-1] = ls[j-1], ls[j]
		}
	}
}

func (d *decoder) samples(idx int, s *Series) error {
	if err := d.expect('['); err != nil {
		return err
	}
	b := d.b
	s.SamplesStart = len(b.Times)
	d.ws()
	if d.peek() == ']' {
		d.pos++
		s.SamplesEnd = len(b.Times)
		return nil
	}
	for {
		if t, v, ok := d.compactSample(); ok {
			b.addSample(t, v)
		} else if err := d.sample(); err != nil {
			return err
		}
		d.ws()
		switch d.next() {
		case ',':
			continue
		case ']':
			s.SamplesEnd = len(b.Times)
			return nil
		}
		return d.failPrev(fmt.Sprintf("metrics[%d].samples: expected ',' or ']'", idx))
	}
}

// compactSample reads one sample written the way agents write it —
// [int,decimal] with no spaces, at most 15 significant digits, no
// exponent — in one tight pass. Anything else leaves pos where it was and
// reports false, for sample to read with the full grammar.
func (d *decoder) compactSample() (int64, float64, bool) {
	buf, pos := d.buf, d.pos
	if pos+5 > len(buf) || buf[pos] != '[' {
		return 0, 0, false
	}
	pos++
	neg := buf[pos] == '-'
	if neg {
		pos++
	}
	start := pos
	var t int64
	for pos < len(buf) && pos-start < 18 {
		c := buf[pos] - '0'
		if c > 9 {
			break
		}
		t = t*10 + int64(c)
		pos++
	}
	if pos == start || pos >= len(buf) || buf[pos] != ',' || (buf[start] == '0' && pos-start > 1) {
		return 0, 0, false
	}
	if neg {
		t = -t
	}
	pos++
	vneg := pos < len(buf) && buf[pos] == '-'
	if vneg {
		pos++
	}
	start = pos
	pos, mant, nd := scanDigits(buf, pos, 0, 0)
	frac := 0
	if pos == start || (buf[start] == '0' && pos-start > 1) || pos >= len(buf) {
		return 0, 0, false
	}
	if buf[pos] == '.' {
		pos++
		fs := pos
		pos, mant, nd = scanDigits(buf, pos, mant, nd)
		frac = pos - fs
		if frac == 0 {
			return 0, 0, false
		}
	}
	if nd > 15 || frac >= len(pow10) || pos >= len(buf) || buf[pos] != ']' {
		return 0, 0, false
	}
	v := float64(mant) / pow10[frac]
	if vneg {
		v = -v
	}
	d.pos = pos + 1
	return t, v, true
}

// sample reads one [time, value] pair with the full JSON grammar:
// whitespace may stand around each token.
func (d *decoder) sample() error {
	var t int64
	var v float64
	err := d.token('[')
	if err == nil {
		d.ws()
		t, err = d.int64()
	}
	if err == nil {
		err = d.token(',')
	}
	if err == nil {
		d.ws()
		v, err = d.float64()
	}
	if err == nil {
		err = d.token(']')
	}
	if err != nil {
		return err
	}
	d.b.addSample(t, v)
	return nil
}

// raw captures one JSON value that must open with open ('{' or '['),
// checking its grammar and depth, and copies it into the batch.
func (d *decoder) raw(open byte) ([]byte, error) {
	if d.peek() != open {
		return nil, d.fail("expected " + string(open))
	}
	start := d.pos
	if err := d.skipValue(); err != nil {
		return nil, err
	}
	off := len(d.b.raw)
	d.b.raw = append(d.b.raw, d.buf[start:d.pos]...)
	return d.b.raw[off:len(d.b.raw):len(d.b.raw)], nil
}
