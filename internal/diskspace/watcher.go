package diskspace

import (
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Usage is one measurement of a filesystem.
type Usage struct {
	Path       string
	FreeBytes  int64 // available to an unprivileged writer
	SizeBytes  int64
	MeasuredAt time.Time
}

// FreeRatio is the free fraction of the filesystem, 0 to 1.
func (u Usage) FreeRatio() float64 {
	if u.SizeBytes <= 0 {
		return 0
	}
	return float64(u.FreeBytes) / float64(u.SizeBytes)
}

// Watcher measures the filesystem holding one path.
type Watcher struct {
	path string

	mu     sync.Mutex
	latest Usage
	ok     bool
}

// New watches the filesystem of path.
func New(path string) *Watcher { return &Watcher{path: path} }

// Measure reads the filesystem's space now and keeps it as the latest.
func (w *Watcher) Measure() (Usage, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(w.path, &st); err != nil {
		return Usage{}, fmt.Errorf("measure free space of %s: %w", w.path, err)
	}
	u := Usage{Path: w.path, FreeBytes: int64(st.Bavail) * int64(st.Bsize), SizeBytes: int64(st.Blocks) * int64(st.Bsize),
		MeasuredAt: time.Now()}
	w.mu.Lock()
	w.latest, w.ok = u, true
	w.mu.Unlock()
	return u, nil
}

// Latest is the last measurement; ok is false before the first.
func (w *Watcher) Latest() (Usage, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.latest, w.ok
}

// Register adds the gauges of the latest measurement to reg.
func (w *Watcher) Register(reg prometheus.Registerer) error {
	free := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "monsys_storage_free_bytes",
		Help: "Free space of the filesystem holding the database's data, at the last check."},
		func() float64 { u, _ := w.Latest(); return float64(u.FreeBytes) })
	size := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "monsys_storage_size_bytes",
		Help: "Size of the filesystem holding the database's data."},
		func() float64 { u, _ := w.Latest(); return float64(u.SizeBytes) })
	for _, c := range []prometheus.Collector{free, size} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("register disk space metrics: %w", err)
		}
	}
	return nil
}
