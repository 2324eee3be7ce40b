// Package governance is what an operator records about an agent beyond
// what the agent reports: owner, environment, criticality, data
// classification, tags and maintenance windows. It validates a record and
// answers whether a moment falls inside a maintenance window; the store
// keeps the record (agents.governance) and alert rules read it.
//
// Maintenance windows are deliberately RRULE-free: a weekly window is a
// set of weekdays and a local start and end time in an IANA time zone (an
// end at or before the start runs past midnight into the next day); a
// one-off window is an absolute start and end. Values are immutable once
// validated and safe to share between goroutines.
package governance
