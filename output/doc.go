// Package output writes what the command line shows: aligned tables and
// detail views for people, the API's JSON (indented) or the same as YAML
// for scripts, CSV of metric points, and a terminal chart of a series.
//
// Nothing here talks to a hub or knows the API's types: callers hand over
// strings, raw JSON and points. Color is an argument, decided once by the
// caller (Colorful: a terminal, NO_COLOR unset, TERM not dumb); without it
// the output holds no escape sequences, so it can be piped and compared.
package output
