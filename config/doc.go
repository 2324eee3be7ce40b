// Package config builds the hub's one Config from MONSYS_* environment
// variables, *_FILE secret variants and command-line flags (flag > env >
// default), and validates it with messages that name the variable.
//
// It is the only place that reads the process environment; every other
// package receives the values it needs.
package config
