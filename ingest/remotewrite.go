package ingest

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/monsys/monsys/textcheck"
)

// DecodeRemoteWrite parses a Prometheus remote-write v1 WriteRequest
// (already snappy-decoded) into b, which it resets first. Each TimeSeries
// becomes a Series named by its __name__ label; exemplars, native
// histograms and metadata are skipped. The protobuf is walked by hand: no
// generated code and no allocation once b has grown.
func DecodeRemoteWrite(buf []byte, b *Batch, lim Limits) error {
	b.Reset()
	p := pbReader{buf: buf}
	for !p.done() {
		field, wt, err := p.tag()
		if err != nil {
			return err
		}
		if field == 1 && wt == wireBytes {
			ts, err := p.bytes()
			if err != nil {
				return err
			}
			if len(b.Series) >= lim.MaxSeries {
				return &FieldError{Field: "timeseries", Msg: fmt.Sprintf("more than %d series in one request", lim.MaxSeries)}
			}
			if err := decodeTimeSeries(ts, b, lim); err != nil {
				return err
			}
			continue
		}
		if err := p.skip(wt); err != nil {
			return err
		}
	}
	return nil
}

func decodeTimeSeries(buf []byte, b *Batch, lim Limits) error {
	idx := len(b.Series)
	s := Series{Name: Span{Off: -1}, LabelsStart: len(b.Labels), SamplesStart: len(b.Times)}
	p := pbReader{buf: buf}
	for !p.done() {
		field, wt, err := p.tag()
		if err != nil {
			return err
		}
		switch {
		case field == 1 && wt == wireBytes:
			lb, err := p.bytes()
			if err != nil {
				return err
			}
			if err := decodeLabel(lb, b, &s, idx, lim); err != nil {
				return err
			}
		case field == 2 && wt == wireBytes:
			sb, err := p.bytes()
			if err != nil {
				return err
			}
			if err := decodeSample(sb, b); err != nil {
				return err
			}
		default:
			if err := p.skip(wt); err != nil {
				return err
			}
		}
	}
	if s.Name.Off < 0 {
		return &FieldError{Field: fmt.Sprintf("timeseries[%d]", idx), Msg: "has no __name__ label"}
	}
	s.LabelsEnd = len(b.Labels)
	s.SamplesEnd = len(b.Times)
	ls := b.Labels[s.LabelsStart:s.LabelsEnd]
	if len(ls) > lim.MaxLabels {
		return &FieldError{Field: fmt.Sprintf("timeseries[%d].labels", idx), Msg: fmt.Sprintf("more than %d labels", lim.MaxLabels)}
	}
	sortLabels(b, ls)
	for i := 1; i < len(ls); i++ {
		if string(b.Str(ls[i].Name)) == string(b.Str(ls[i-1].Name)) {
			return &FieldError{Field: fmt.Sprintf("timeseries[%d].labels", idx), Msg: fmt.Sprintf("label %q appears twice", b.Str(ls[i].Name))}
		}
	}
	b.Series = append(b.Series, s)
	return nil
}

func decodeLabel(buf []byte, b *Batch, s *Series, idx int, lim Limits) error {
	p := pbReader{buf: buf}
	name, value := Span{Off: -1}, Span{}
	for !p.done() {
		field, wt, err := p.tag()
		if err != nil {
			return err
		}
		if (field == 1 || field == 2) && wt == wireBytes {
			v, err := p.bytes()
			if err != nil {
				return err
			}
			sp := Span{Off: int32(len(b.strs)), Len: int32(len(v))}
			b.strs = append(b.strs, v...)
			if field == 1 {
				name = sp
			} else {
				value = sp
			}
			continue
		}
		if err := p.skip(wt); err != nil {
			return err
		}
	}
	field := fmt.Sprintf("timeseries[%d].labels", idx)
	if name.Off < 0 {
		return &FieldError{Field: field, Msg: "a label has no name"}
	}
	if string(b.Str(name)) == "__name__" {
		if !validMetricName(b.Str(value), lim.MaxNameLen) {
			return &FieldError{Field: field, Msg: fmt.Sprintf("metric name %q must match [a-zA-Z_:][a-zA-Z0-9_:]*", b.Str(value))}
		}
		s.Name = value
		return nil
	}
	if !validLabelName(b.Str(name), lim.MaxNameLen) {
		return &FieldError{Field: field, Msg: fmt.Sprintf("label name %q must match [a-zA-Z_][a-zA-Z0-9_]*", b.Str(name))}
	}
	if int(value.Len) > lim.MaxLabelValueLen {
		return &FieldError{Field: field, Msg: fmt.Sprintf("label value longer than %d bytes", lim.MaxLabelValueLen)}
	}
	if p := textcheck.Bytes(b.Str(value)); p != "" {
		return &FieldError{Field: fmt.Sprintf("%s.%s", field, b.Str(name)), Msg: string(p)}
	}
	if value.Len == 0 {
		return nil
	}
	b.Labels = append(b.Labels, Label{Name: name, Value: value})
	return nil
}

func decodeSample(buf []byte, b *Batch) error {
	p := pbReader{buf: buf}
	var v float64
	var t int64
	for !p.done() {
		field, wt, err := p.tag()
		if err != nil {
			return err
		}
		switch {
		case field == 1 && wt == wireFixed64:
			u, err := p.fixed64()
			if err != nil {
				return err
			}
			v = math.Float64frombits(u)
		case field == 2 && wt == wireVarint:
			u, err := p.varint()
			if err != nil {
				return err
			}
			t = int64(u)
		default:
			if err := p.skip(wt); err != nil {
				return err
			}
		}
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		// Prometheus staleness markers and NaN gauges: not storable as
		// double precision values a query can aggregate; skipped.
		return nil
	}
	b.addSample(t, v)
	return nil
}

// Protobuf wire types used by remote-write.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

type pbReader struct {
	buf []byte
	pos int
}

func (p *pbReader) done() bool { return p.pos >= len(p.buf) }

func (p *pbReader) fail(msg string) error {
	return &SyntaxError{Offset: p.pos, Msg: "protobuf: " + msg}
}

func (p *pbReader) varint() (uint64, error) {
	v, n := binary.Uvarint(p.buf[p.pos:])
	if n <= 0 {
		return 0, p.fail("bad varint")
	}
	p.pos += n
	return v, nil
}

func (p *pbReader) tag() (field uint64, wireType int, err error) {
	v, err := p.varint()
	if err != nil {
		return 0, 0, err
	}
	if v>>3 == 0 {
		return 0, 0, p.fail("field number 0")
	}
	return v >> 3, int(v & 7), nil
}

func (p *pbReader) bytes() ([]byte, error) {
	n, err := p.varint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(p.buf)-p.pos) {
		return nil, p.fail("length past the end")
	}
	out := p.buf[p.pos : p.pos+int(n)]
	p.pos += int(n)
	return out, nil
}

func (p *pbReader) fixed64() (uint64, error) {
	if len(p.buf)-p.pos < 8 {
		return 0, p.fail("truncated fixed64")
	}
	v := binary.LittleEndian.Uint64(p.buf[p.pos:])
	p.pos += 8
	return v, nil
}

func (p *pbReader) skip(wt int) error {
	switch wt {
	case wireVarint:
		_, err := p.varint()
		return err
	case wireFixed64:
		_, err := p.fixed64()
		return err
	case wireBytes:
		_, err := p.bytes()
		return err
	case wireFixed32:
		if len(p.buf)-p.pos < 4 {
			return p.fail("truncated fixed32")
		}
		p.pos += 4
		return nil
	}
	return p.fail(fmt.Sprintf("unsupported wire type %d", wt))
}
