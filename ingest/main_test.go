package ingest

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/monsys/monsys/internal/pgtest"
)

var db *pgtest.Harness

func TestMain(m *testing.M) {
	code := pgtest.Main(m, &db)
	if code == 0 {
		if err := goleak.Find(goleak.IgnoreTopFunction("github.com/jackc/pgx/v5/pgxpool.(*Pool).backgroundHealthCheck")); err != nil {
			os.Stderr.WriteString("goleak: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}
