package ingest

import (
	"fmt"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the pipeline's counters, all in /metrics under monsys_ingest_.
type metrics struct {
	samples       prometheus.Counter
	batches       *prometheus.CounterVec // result: accepted, duplicate
	rejects       *prometheus.CounterVec // reason
	flushRows     prometheus.Histogram
	flushDuration prometheus.Histogram
	flushErrors   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		samples: prometheus.NewCounter(prometheus.CounterOpts{Name: "monsys_ingest_samples_total",
			Help: "Samples committed to storage."}),
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "monsys_ingest_batches_total",
			Help: "Batches answered 200, by result (accepted or duplicate)."}, []string{"result"}),
		rejects: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "monsys_ingest_rejects_total",
			Help: "Batches refused, by reason."}, []string{"reason"}),
		flushRows: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "monsys_ingest_flush_rows",
			Help: "Rows per flush transaction.", Buckets: prometheus.ExponentialBuckets(100, 4, 8)}),
		flushDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "monsys_ingest_flush_duration_seconds",
			Help: "Time from BEGIN to COMMIT of a flush.", Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 10)}),
		flushErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "monsys_ingest_flush_errors_total",
			Help: "Flush transactions that failed; their batches were answered 503."}),
	}
	for _, c := range []prometheus.Collector{m.samples, m.batches, m.rejects, m.flushRows, m.flushDuration, m.flushErrors} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register ingest metrics: %w", err)
		}
	}
	return m, nil
}

// Reject counts a batch refused before it reached a ring.
func (p *Pipeline) Reject(reason string) { p.metrics.rejects.WithLabelValues(reason).Inc() }

// registerStorageState adds monsys_ingest_storage_failing: 1 while flushes
// fail for a fault of the database's and batches are refused at once.
func (m *metrics) registerStorageState(reg prometheus.Registerer, g *gate) {
	_ = reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "monsys_ingest_storage_failing", // as registerRingDepth
		Help: "1 while storage does not commit and ingest refuses batches with 503 (one a second goes through as a probe)."},
		func() float64 {
			if g.get().Fault != "" {
				return 1
			}
			return 0
		}))
}

// ringDepth reports every shard's queued rows at scrape time.
type ringDepth struct {
	desc   *prometheus.Desc
	shards []*shard
}

func (m *metrics) registerRingDepth(reg prometheus.Registerer, shards []*shard) {
	_ = reg.Register(&ringDepth{ // a second pipeline on one registry is a programming error caught by tests
		desc:   prometheus.NewDesc("monsys_ingest_ring_rows", "Rows queued in a ring shard, waiting for a flush.", []string{"shard"}, nil),
		shards: shards,
	})
}

func (r *ringDepth) Describe(ch chan<- *prometheus.Desc) { ch <- r.desc }

func (r *ringDepth) Collect(ch chan<- prometheus.Metric) {
	for _, s := range r.shards {
		rows, _ := s.depth()
		ch <- prometheus.MustNewConstMetric(r.desc, prometheus.GaugeValue, float64(rows), strconv.Itoa(s.id))
	}
}

// seriesCacheCollector exposes the cache's size and misses.
type seriesCacheCollector struct {
	size, misses *prometheus.Desc
	cache        *SeriesCache
}

// RegisterCacheMetrics adds monsys_series_cache_size and
// monsys_series_cache_misses_total for cache.
func RegisterCacheMetrics(reg prometheus.Registerer, cache *SeriesCache) error {
	return reg.Register(&seriesCacheCollector{
		size:   prometheus.NewDesc("monsys_series_cache_size", "Series ids held in the cache.", nil, nil),
		misses: prometheus.NewDesc("monsys_series_cache_misses_total", "Series looked up in storage because the cache lacked them.", nil, nil),
		cache:  cache,
	})
}

func (c *seriesCacheCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.size; ch <- c.misses }

func (c *seriesCacheCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.size, prometheus.GaugeValue, float64(c.cache.Len()))
	ch <- prometheus.MustNewConstMetric(c.misses, prometheus.CounterValue, float64(c.cache.Misses()))
}
