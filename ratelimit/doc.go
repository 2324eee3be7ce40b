// Package ratelimit counts requests per key in fixed windows and answers
// whether one more is allowed, with the numbers the RateLimit and
// RateLimit-Policy headers (IETF draft) and Retry-After need.
//
// A window starts at a key's first request and lasts the policy's window;
// at most Quota requests are allowed in it. Counts live in memory,
// sharded by key; expired windows are swept as shards are used, so memory
// is bounded by the keys active within one window.
package ratelimit
