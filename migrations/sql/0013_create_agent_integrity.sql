-- The integrity check (package integrity): what an agent's binary and
-- machine looked like when the check last judged it. The agent reports the
-- SHA-256 of its own executable with every heartbeat (agents.binary_sha256)
-- and its machine's DNA with its host inventory; the check compares both
-- with this row, records agent_version_seen in the audit log and raises
-- integrity anomalies, then moves the row on.
ALTER TABLE agents ADD COLUMN binary_sha256 text NOT NULL DEFAULT '';

CREATE TABLE agent_integrity (
    agent_id          uuid PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    tenant_id         uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    agent_version     text NOT NULL DEFAULT '',
    binary_sha256     text NOT NULL DEFAULT '',
    dna               jsonb,                     -- wire.HostDNA last judged; NULL before the first host inventory
    -- Keys of the identifying facts, for finding other agents that share
    -- one: '' when the agent does not report that fact.
    product_uuid      text NOT NULL DEFAULT '',
    cloud_instance_id text NOT NULL DEFAULT '',
    ssh_keys_key      text NOT NULL DEFAULT '',
    disks_key         text NOT NULL DEFAULT '',
    checked_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_integrity_product_uuid_idx ON agent_integrity (tenant_id, product_uuid) WHERE product_uuid <> '';
CREATE INDEX agent_integrity_instance_idx ON agent_integrity (tenant_id, cloud_instance_id) WHERE cloud_instance_id <> '';
CREATE INDEX agent_integrity_ssh_keys_idx ON agent_integrity (tenant_id, ssh_keys_key) WHERE ssh_keys_key <> '';
CREATE INDEX agent_integrity_disks_idx ON agent_integrity (tenant_id, disks_key) WHERE disks_key <> '';
