// Package grafana holds no code: it is the home of monsys's Grafana
// provisioning (provisioning/, dashboards/, README.md) and of the tests
// that keep it working.
//
// The tests migrate a database with internal/pgtest, fill it with a small
// fleet, and run, as the monsys_grafana role, every SQL query of every
// provisioned dashboard after expanding Grafana's macros and template
// variables the way Grafana does (internal/grafanatest): for each tier the
// panels switch between (raw, 1m, 1h) and with the datasource's
// TimescaleDB option on and off. They also check that the role reads the
// grafana views and nothing else, that the views agree with each other,
// and that time_bucket gives TimescaleDB's answers on plain PostgreSQL.
package grafana
