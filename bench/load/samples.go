package load

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/tsdb"
)

// rowsPerCopy is about how many rows one COPY carries.
const rowsPerCopy = 200_000

// Value is the sample of series s at minute m: a multiple of 1/64 in [0, 1).
func Value(m, s int64) float64 {
	return float64((uint64(m)*2654435761+uint64(s)*40503)%64) / 64
}

// LoadSamples writes every series firstID … firstID+nSeries−1 at every
// minute of [from, to), in time order as a fleet sends, in COPYs of about
// 200 000 rows over conns connections. It returns the rows written.
func LoadSamples(ctx context.Context, pool *pgxpool.Pool, firstID int64, nSeries int, from, to time.Time, conns int) (int64, error) {
	perCopy := max(1, rowsPerCopy/nSeries) // minutes per COPY
	minutes := int(to.Sub(from) / time.Minute)
	var next, total atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, conns)
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := pool.Acquire(ctx)
			if err != nil {
				errs[w] = err
				return
			}
			defer conn.Release()
			rows := &tsdb.SampleRows{}
			var buf []byte
			for ctx.Err() == nil {
				m0 := int(next.Add(int64(perCopy))) - perCopy
				if m0 >= minutes {
					return
				}
				rows.Reset()
				for m := m0; m < min(m0+perCopy, minutes); m++ {
					ts := from.Add(time.Duration(m) * time.Minute).UnixMilli()
					for s := range int64(nSeries) {
						rows.TimesMs = append(rows.TimesMs, ts)
						rows.SeriesIDs = append(rows.SeriesIDs, firstID+s)
						rows.Values = append(rows.Values, Value(int64(m), s))
					}
				}
				if buf, err = tsdb.CopySamples(ctx, conn.Conn().PgConn(), rows, buf); err != nil {
					errs[w] = err
					return
				}
				total.Add(int64(rows.Len()))
			}
			errs[w] = ctx.Err()
		}()
	}
	wg.Wait()
	return total.Load(), errors.Join(errs...)
}
