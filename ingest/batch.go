package ingest

// Batch is one decoded ingest body in columnar form. It is owned by one
// request from decode until the flush that commits it answers; Reset
// keeps its buffers for the next request, so a warm Batch decodes without
// allocating per sample or per series.
type Batch struct {
	BatchID [16]byte // the UUID from batch_id
	Seq     uint64

	Series []Series  // one per metrics[] entry, in body order
	Labels []Label   // every series' labels, sorted by name within a series
	Times  []int64   // sample times, unix ms, grouped by series
	Values []float64 // sample values, parallel to Times
	// SeriesIDs holds the resolved storage id of each sample's series,
	// parallel to Times, filled by series resolution.
	SeriesIDs []int64

	// strs holds every decoded name and label byte; Spans index into it.
	strs []byte

	// Raw JSON of the optional parts, kept for the flush that stores them
	// (nil when absent). They point into raw, a copy owned by the Batch.
	Heartbeat []byte
	Inventory []byte
	Alerts    []byte
	Events    []byte // security_events
	raw       []byte
	stack     []byte // the decoder's open brackets while skipping free-form parts
	scratch   []byte // series resolution's canonical key
	misses    []miss // series resolution's cache misses

	MinTimeMs, MaxTimeMs int64
}

// Series is one metric entry of a batch.
type Series struct {
	Name                     Span
	LabelsStart, LabelsEnd   int // range in Batch.Labels
	SamplesStart, SamplesEnd int // range in Batch.Times and Batch.Values
	ID                       int64
}

// Label is one name/value pair.
type Label struct {
	Name, Value Span
}

// Span is a string inside Batch.strs.
type Span struct {
	Off, Len int32
}

// Str returns the bytes of a span; valid until the Batch is reset.
func (b *Batch) Str(s Span) []byte { return b.strs[s.Off : s.Off+s.Len] }

// addSample appends one sample and widens the batch's time range.
func (b *Batch) addSample(t int64, v float64) {
	if len(b.Times) == 0 || t < b.MinTimeMs {
		b.MinTimeMs = t
	}
	if len(b.Times) == 0 || t > b.MaxTimeMs {
		b.MaxTimeMs = t
	}
	b.Times = append(b.Times, t)
	b.Values = append(b.Values, v)
}

// SampleCount is the number of samples in the batch.
func (b *Batch) SampleCount() int { return len(b.Times) }

// Reset empties the batch, keeping its buffers.
func (b *Batch) Reset() {
	b.BatchID = [16]byte{}
	b.Seq = 0
	b.Series = b.Series[:0]
	b.Labels = b.Labels[:0]
	b.Times = b.Times[:0]
	b.Values = b.Values[:0]
	b.SeriesIDs = b.SeriesIDs[:0]
	b.strs = b.strs[:0]
	b.Heartbeat, b.Inventory, b.Alerts, b.Events = nil, nil, nil, nil
	b.raw = b.raw[:0]
	b.misses = b.misses[:0]
	b.MinTimeMs, b.MaxTimeMs = 0, 0
}
