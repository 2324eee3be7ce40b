// Package webhook delivers alert events to the endpoints operators
// register, the way the Standard Webhooks specification describes
// (https://www.standardwebhooks.com):
//
//   - Every event of a tenant becomes one delivery per live endpoint, in
//     the same transaction as the event (a trigger of migration 0008: the
//     outbox), so no event is lost whichever code raised it.
//   - A delivery is a POST of {"type","timestamp","data"} with the headers
//     webhook-id (msg_<delivery id>, the same on every retry, so receivers
//     can deduplicate), webhook-timestamp (Unix seconds of the attempt) and
//     webhook-signature: v1,<base64 HMAC-SHA256 over "id.timestamp.body">
//     keyed with the endpoint's whsec_ secret (base64 after the prefix).
//   - Only a 2xx answer delivers. Failures retry on Config.Schedule
//     (default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after the previous
//     attempt, each ±20 % jitter), then the delivery is failed. An endpoint
//     that has failed without a single success for Config.DisableAfter
//     (default 5 days) is disabled and its pending deliveries failed.
//   - Each attempt times out after Config.Timeout (default 20 s).
//   - SSRF: the dialer refuses, after DNS resolution, loopback, private
//     (RFC 1918), link-local (cloud metadata 169.254.169.254 included),
//     CGNAT (100.64/10), unique-local (fc00::/7), unspecified, multicast
//     and other special addresses, unless an operator allowed the range
//     (MONSYS_WEBHOOK_ALLOW_CIDRS). Redirects are not followed (a 3xx is a
//     failed attempt), no proxy from the environment is used.
//
// A Deliverer is safe for one Run at a time per hub; several hubs share
// the outbox through FOR UPDATE SKIP LOCKED leases.
package webhook
