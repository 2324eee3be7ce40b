-- Signing keys an agent no longer holds: the pinned key an admin cleared
-- (POST /agents/:id/rotate-signing-key) or a registration rotated away.
-- An ingest batch signed by one of them is refused like any bad signature
-- and also raises an integrity anomaly (retired_key_signature): someone
-- kept a copy of the old key.
CREATE TABLE retired_signing_keys (
    agent_id    uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    pubkey      bytea NOT NULL,
    retired_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agent_id, pubkey)
);
