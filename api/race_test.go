//go:build race

package api

// raceEnabled: the race detector slows decompression tenfold or more, so
// timing targets are only asserted without it (make bench runs them plain).
const raceEnabled = true
