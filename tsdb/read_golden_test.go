package tsdb

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden statements under testdata/")

// TestReadStatementsGolden keeps the statements the Reader composes from
// fragments (read_source.go, read_aligned.go) as files, one per dialect,
// tier and shape with a statement per aggregation, so that a reviewer
// sees the SQL a change produces and grep finds it. A change to the
// fragments fails here until `go test ./tsdb -run ReadStatementsGolden
// -update` rewrites the files, whose diff is then the change to review.
func TestReadStatementsGolden(t *testing.T) {
	for _, d := range []Dialect{Postgres, TimescaleDB} {
		r := NewReader(nil, d)
		for _, tier := range []Tier{TierRaw, Tier1m, Tier1h} {
			shapes := []struct {
				name  string
				stmts [5]string
			}{
				{"buckets", r.buckets[tier]}, // re-bucketed to the query's step
				{"totals", r.totals[tier]},   // one value per series over the range
				{"aligned", r.aligned[tier]}, // step = the tier's width: rows pass through
			}
			for _, shape := range shapes {
				if tier == TierRaw && shape.name == "aligned" {
					continue // raw samples have no width to align on
				}
				var got bytes.Buffer
				fmt.Fprintf(&got, "-- %s, tier %s, %s: composed by tsdb.NewReader; regenerate with -update\n", d, tier, shape.name)
				for i, a := range AllAggs() {
					fmt.Fprintf(&got, "\n-- agg=%s\n%s;\n", a, shape.stmts[i])
				}
				file := filepath.Join("testdata", fmt.Sprintf("read_%s_%s_%s.sql", d, tier, shape.name))
				if *update {
					if err := os.WriteFile(file, got.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (run with -update to write it)", err)
				}
				if !bytes.Equal(got.Bytes(), want) {
					t.Errorf("%s differs from the statements the reader composes; if the change is meant, rerun with -update and review the diff", file)
				}
			}
		}
	}
}
