package pgtest

import (
	"os"

	"go.uber.org/goleak"
)

// NoLeaks turns the exit code of a passing run into a failure when a
// goroutine outlived the tests; for packages that start goroutines:
// `os.Exit(pgtest.NoLeaks(pgtest.Main(m, &db)))`. pgxpool's health
// check, which ends with its pool's Close, is not counted, nor what
// ignore names (a library's goroutines that end in their own time).
func NoLeaks(code int, ignore ...goleak.Option) int {
	if code != 0 {
		return code
	}
	opts := append([]goleak.Option{goleak.IgnoreTopFunction("github.com/jackc/pgx/v5/pgxpool.(*Pool).backgroundHealthCheck")}, ignore...)
	if err := goleak.Find(opts...); err != nil {
		os.Stderr.WriteString("goleak: " + err.Error() + "\n")
		return 1
	}
	return 0
}
