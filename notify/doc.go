// Package notify sends a tenant's alert events to the places people read:
// e-mail through the hub's SMTP server (MONSYS_SMTP_URL, the mail
// package's client), and Slack, Discord, Microsoft Teams, Telegram, ntfy,
// Gotify, Pushover, Matrix and generic JSON webhooks through shoutrrr
// (github.com/nicholas-fedor/shoutrrr) URLs. It owns the tables
// notification_channels, notification_outbox and notification_deliveries.
//
// Channels. A channel is a name, a target (a shoutrrr URL, or
// mailto:a@x,b@y for e-mail), routing, quiet hours and a grouping window.
// The target carries the service's tokens: it is sealed at rest with
// auth.SealSecret under MONSYS_TOTP_KEY, bound to the channel's id (as TOTP
// secrets are bound to their user; without the key it is stored as is,
// as TOTP secrets are), and never shown again: answers carry the scheme
// and the host the hub connects to (slack://hooks.slack.com).
//
// Outbox. A trigger on alert_events (migration 0015) writes one
// notification_outbox row per firing or resolved event and channel whose
// routing matches, in the transaction that writes the event: whichever
// code raised or resolved the alert, the row commits with it or not at
// all. Routing: severities, sources (agent, rule, system), governance tags
// (any of) and environments of the alert's agent; an empty list matches
// all. An alert on no agent (the hub's own) matches only channels without
// tag and environment filters. Pending events are not sent.
//
// Grouping. Deliverer.Run gathers a channel's waiting rows into one
// message once the oldest has waited the channel's window (default 30 s,
// 0 sends at the next pass): a burst of 50 agents going silent is one
// message listing them (the first maxLines, then a count), not 50.
//
// Quiet hours. While a channel's quiet hours hold (HH:MM to HH:MM in its
// time zone; an end at or before the start runs past midnight), nothing
// is grouped for it: events wait in the outbox and go out as one message
// at the first pass after the quiet hours end.
//
// Delivery. A message is a notification_deliveries row, the delivery log.
// Each attempt times out after Config.Timeout (default 20 s); a failure is
// retried on Config.Schedule (default 10 s, 1 min, 5 min, 15 min, 1 h,
// 3 h, 6 h after the previous attempt), then the message is failed.
// Claims lease a row (FOR UPDATE SKIP LOCKED) so several hubs share the
// work and a hub that dies mid-send leaves the row to be retried. An
// e-mail to several addresses is one attempt: a retry may repeat it to
// the addresses that took it the first time (at least once). Prune drops
// finished messages with their outbox rows (the hub keeps 30 days).
// Titles and lines are single lines of at most 300 bytes, at most 100
// lines a message.
//
// SSRF. Targets follow the webhook rule (webhook.Policy): loopback,
// private, link-local and other reserved addresses are refused unless
// MONSYS_WEBHOOK_ALLOW_CIDRS allows them. shoutrrr's services build their
// own HTTP clients (several use http.DefaultClient), so the hub cannot
// hand them its dialer; instead it resolves every host a target makes the
// library contact (the URL's host for ntfy, Gotify, Matrix and generic;
// the service's fixed host for Slack, Discord, Telegram and Pushover; the
// host= parameter for Teams) and refuses the send unless every address is
// permitted, right before each attempt. The window between that check and
// the library's own lookup (DNS rebinding) is the known limit of this
// approach; generic webhooks also follow redirects (http.DefaultClient).
// E-mail goes to the hub's own SMTP server, which the operator configured.
//
// Concurrency. Deliverer.Run is called by one worker per hub; the Service's
// methods are safe for concurrent use.
package notify
