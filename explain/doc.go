// Package explain says what a log line means, its likely cause and what to
// do about it, for GET /api/v1/ai/explain.
//
// The answer comes from one of two sources, and says which:
//
//   - The rule library (rules.yaml, embedded): ordered RE2 patterns, each
//     with a sample line it must match and a near miss it must not, both
//     checked when the library loads, and texts per language with the
//     pattern's named groups filled in. It works offline; nothing leaves
//     the hub. The first matching rule answers.
//   - A model behind any OpenAI-compatible chat-completions endpoint
//     (MONSYS_AI_URL, MONSYS_AI_MODEL), when configured. The line and the
//     agent's context are redacted first (Redact: secrets, tokens, keys,
//     e-mail addresses, and IP addresses when asked), and the matching rule,
//     if any, is given to the model as a hint. When the model fails, the
//     rule library answers and the answer carries the model's error as a
//     warning.
//
// The package knows nothing of HTTP or storage: the caller supplies the
// agent's context (host facts, recent metric values, open alerts) as
// plain values.
package explain
