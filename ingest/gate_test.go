package ingest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/tsdb"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestReadOnlyDatabaseIsRefusedAtOnceUntilItCommits makes the database
// read-only under a running pipeline: the flush that finds out fails with
// ErrStorage, later batches are refused without reaching the database
// until a probe is due, and the first probe after the database is writable
// again commits and opens the gate.
func TestReadOnlyDatabaseIsRefusedAtOnceUntilItCommits(t *testing.T) {
	f := newFixture(t, 1, Config{Shards: 1})
	clock := &fakeClock{t: time.Now()}
	f.pipe.gate.now = clock.now // before any flush reads it
	ctx := context.Background()
	var dbName string
	if err := f.pool.QueryRow(ctx, `SELECT current_database()`).Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	readOnly := func(on bool) {
		t.Helper()
		// Its own transaction says read-write: the database's default may
		// be read-only already.
		err := pgx.BeginTxFunc(ctx, f.pool, pgx.TxOptions{AccessMode: pgx.ReadWrite}, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{dbName}.Sanitize()+` SET default_transaction_read_only = `+map[bool]string{true: "on", false: "off"}[on])
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		f.pool.Reset() // new connections take the setting
	}
	agent := f.agents[0]
	base := time.Now().Add(-time.Minute)
	send := func() (time.Duration, error) {
		start := time.Now()
		_, err := f.submit(ctx, agent, recentBatch(uuid.Must(uuid.NewV7()), 2, 3, base))
		return time.Since(start), err
	}

	if _, err := send(); err != nil { // the series are cached from now on
		t.Fatal(err)
	}
	readOnly(true)
	if _, err := send(); !errors.Is(err, ErrStorage) {
		t.Fatalf("batch on a read-only database: %v, want ErrStorage", err)
	}
	if st := f.pipe.Storage(); st.Fault != tsdb.FaultReadOnly {
		t.Fatalf("storage state %+v, want fault %q", st, tsdb.FaultReadOnly)
	}
	took, err := send()
	if !errors.Is(err, ErrStorage) {
		t.Fatalf("batch while the gate is shut: %v, want ErrStorage", err)
	}
	if took > 100*time.Millisecond {
		t.Errorf("refusal took %v; it must not wait for the database", took)
	}
	readOnly(false)
	if _, err := send(); !errors.Is(err, ErrStorage) {
		t.Fatalf("batch before a probe is due: %v, want ErrStorage", err)
	}
	clock.add(probeEvery)
	if _, err := send(); err != nil {
		t.Fatalf("the probe after the database is writable again: %v", err)
	}
	if st := f.pipe.Storage(); st.Fault != "" {
		t.Fatalf("storage state %+v after a commit, want no fault", st)
	}
	if _, err := send(); err != nil {
		t.Fatalf("batch after recovery: %v", err)
	}
	if n := countSamples(t, f.pool); n != 18 {
		t.Fatalf("%d samples stored, want 18 (three batches of 6)", n)
	}
}
