package bench

import (
	"crypto/ed25519"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/klauspost/compress/zstd"

	"github.com/monsys/monsys/wire"
)

// SimAgent is one simulated host agent: its identity at the hub, its
// signing key and its series. One goroutine at a time uses it.
type SimAgent struct {
	ID     string
	Token  string
	Key    ed25519.PrivateKey
	Pub    ed25519.PublicKey
	Series []SeriesSpec

	seq    uint64
	values []float64 // current value of each series
	rng    *rand.Rand
	batch  wire.Batch
	json   []byte
}

// NewSimAgent makes an agent with a fresh key and the first nSeries host
// series; ID and Token come from registration.
func NewSimAgent(nSeries int, seed uint64) (*SimAgent, error) {
	pub, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	a := &SimAgent{Key: key, Pub: pub, Series: HostSeries(nSeries), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	a.values = make([]float64, len(a.Series))
	for i, s := range a.Series {
		switch s.Kind {
		case Ratio:
			a.values[i] = a.rng.Float64()
		case Counter:
			a.values[i] = float64(a.rng.IntN(1 << 30))
		default:
			a.values[i] = float64(a.rng.IntN(1<<20)) + 1
		}
	}
	a.batch.Metrics = make([]wire.Metric, len(a.Series))
	for i, s := range a.Series {
		a.batch.Metrics[i] = wire.Metric{Name: s.Name, Labels: s.Labels}
	}
	return a, nil
}

// Body is one batch ready to send: compressed bytes and what they hold.
type Body struct {
	BatchID string
	Samples int
	Bytes   []byte // zstd frame of the batch JSON; owned by the caller
}

// NextBatch builds the next batch: perSeries samples of every series at
// step spacing, the newest at end, encoded as JSON and compressed by enc
// (EncodeAll is safe for concurrent use).
func (a *SimAgent) NextBatch(enc *zstd.Encoder, end time.Time, perSeries int, step time.Duration) Body {
	a.seq++
	a.batch.BatchID = uuid.Must(uuid.NewV7()).String()
	a.batch.Seq = a.seq
	endMs, stepMs := end.UnixMilli(), step.Milliseconds()
	for i := range a.batch.Metrics {
		m := &a.batch.Metrics[i]
		m.Samples = m.Samples[:0]
		for j := range perSeries {
			m.Samples = append(m.Samples, wire.Sample{TimeMs: endMs - int64(perSeries-1-j)*stepMs, Value: a.next(i)})
		}
	}
	a.json = wire.AppendBatchJSON(a.json[:0], &a.batch)
	return Body{BatchID: a.batch.BatchID, Samples: len(a.Series) * perSeries, Bytes: enc.EncodeAll(a.json, nil)}
}

// next moves series i one step as a host's metric would.
func (a *SimAgent) next(i int) float64 {
	v := a.values[i]
	switch a.Series[i].Kind {
	case Ratio:
		v = math.Min(1, math.Max(0, v+(a.rng.Float64()-0.5)*0.1))
	case Counter:
		v += float64(a.rng.IntN(4096))
	default:
		v = math.Max(0, v*(1+(a.rng.Float64()-0.5)*0.02))
	}
	a.values[i] = math.Round(v*1000) / 1000
	return a.values[i]
}
