// Package integrity is the agent integrity check: a worker job that
// compares what each agent says about its own binary and machine with
// what it said when last judged, records agent_version_seen in the audit
// log and raises integrity anomalies (GET /integrity-anomalies, the
// Security page). It decides; store writes (agent_integrity,
// integrity_anomalies, audit_log).
//
// # Version and binary
//
//   - The first version an agent reports, and every change, is recorded as
//     agent_version_seen (actor system, target the agent, details with the
//     version, the previous one and the binary's SHA-256).
//   - agent_version_downgrade: the new version is lower than the previous
//     one (semantic versions, "v" prefix and build metadata ignored; a
//     version that does not parse is never called lower).
//   - agent_binary_unknown: with MONSYS_AGENT_DIST_DIR set, the SHA-256 the
//     agent reports for its own executable matches none of the builds the
//     hub serves. Raised when the hash changes, not again for the same one.
//
// # Machine DNA (wire.HostDNA, sent with the host inventory)
//
// Identity keys are the facts that name one machine: the DMI product UUID,
// the cloud instance id, the set of SSH host key fingerprints and the set
// of disk serials (the last two as a hash of the sorted set).
//
//   - dna_duplicate: another live agent of the tenant (seen within an
//     hour, not deleted) shares an identity key: a cloned VM or a copied
//     identity. Checked when an agent's keys are new or changed.
//   - dna_reregistered: an agent that is not live any more (deleted or
//     silent) shares a key with an agent of a different machine id: the
//     machine was reinstalled, or its identity is being reused.
//   - dna_changed: the same agent's DNA changed beyond what maintenance
//     explains. A new boot id is a reboot and never counts. The product
//     UUID or the cloud instance id changing (both known before and after)
//     is a different machine. Of the SSH host keys, the disk serials, the
//     MAC addresses and the product serial, one changing entirely (no value
//     in common) is a key regeneration, a new disk or a new NIC; two or more
//     at once is not explained.
package integrity
