// Package fleet answers the fleet overview: every agent of a tenant with its
// status, environment and tags, its latest CPU, memory and disk use, and a
// sparkline of its CPU over the last hour, filtered, sorted and paged.
//
// It owns no tables: agents and their governance come from store (one
// read), metric values from query (three Top reads of the newest sample in
// the last 5 minutes for every agent, run at once, then one Lines read for
// the sparklines of the page's agents only), so the overview obeys the same
// limits, turnstile and tenant scoping as every other metric read.
//
// Sorting by a metric needs every agent's value, so the filtered fleet is
// read whole, up to MaxAgents, sorted in memory and cut into pages by
// offset; a cursor is that offset. Agents without a value sort last in
// either direction.
//
// A Service holds no state between calls and is safe for concurrent use;
// an Overview waits for the goroutines it starts.
package fleet
