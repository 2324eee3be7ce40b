// Package load writes a synthetic fleet straight into storage, bypassing
// the hub: a tenant, its agents and their series by SQL, samples by binary
// COPY, then the rollups caught up. The query benchmarks (monsys-bench
// query and query's BenchmarkDashboardQueries) measure reads over what it
// writes; hosts.go writes the series a monsys-agent sends (CPU, load,
// memory, filesystems, disk and network counters) for the dashboard's
// browser tests and monsys-bench web.
//
// Values are multiples of 1/64 in [0, 1), so sums are exact in any order
// and a rollup's answer can be compared with the raw one for equality.
//
// Everything here takes the caller's pool and context; nothing is kept
// between calls. LoadSamples uses its own goroutines and waits for them.
package load
