package vuln_test

import (
	"os"
	"testing"

	"github.com/monsys/monsys/internal/pgtest"
)

var db *pgtest.Harness

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &db)) }
