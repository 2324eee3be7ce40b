// Package decoy runs the agent's honeypots and canary files, off unless
// configured (--honeypot, --canary-file), and queues what they see as
// wire.SecurityEvent for the next batch.
//
// A honeypot listens on a decoy TCP port that nothing else uses (a port in
// use is skipped with a log line; it is never taken over). It accepts a
// connection, answers a plausible banner where the real service speaks
// first (SSH, Telnet, FTP, SMTP), reads at most 256 bytes for at most 2 s,
// records who connected and what they sent, and closes. A flood stays
// bounded: at most 16 connections are handled at once (more are closed at
// once, still counted), and at most 1000 events wait for a batch (past it
// they are counted as dropped, and the agent logs how many).
//
// A canary file is watched with inotify: opening it (IN_OPEN) or writing
// it (IN_MODIFY) is an event, at most one per file and access kind every
// 5 s. The agent never opens the file itself. Tools that read every file
// (backups, indexers) also trigger it: exclude canary paths from them.
package decoy
