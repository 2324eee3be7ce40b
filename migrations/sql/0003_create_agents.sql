-- Enrollment tokens, agents and the integrity anomalies raised about them.

CREATE TABLE enrollment_tokens (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    token_hash  bytea NOT NULL UNIQUE,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    max_uses    integer CHECK (max_uses IS NULL OR max_uses > 0),
    uses        integer NOT NULL DEFAULT 0,
    revoked_at  timestamptz
);
CREATE INDEX enrollment_tokens_tenant_idx ON enrollment_tokens (tenant_id, id);

-- An agent is one machine (machine_id) in one tenant. Deleting an agent
-- marks it deleted and clears its token: the row stays so time series,
-- alerts and the audit trail keep their owner until retention removes them.
-- The same machine enrolling again becomes a new agent.
CREATE TABLE agents (
    id                   uuid PRIMARY KEY,
    tenant_id            uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    machine_id           text NOT NULL CHECK (length(machine_id) BETWEEN 1 AND 256),
    hostname             text NOT NULL CHECK (length(hostname) BETWEEN 1 AND 255),
    os                   text NOT NULL DEFAULT '',
    arch                 text NOT NULL DEFAULT '',
    agent_version        text NOT NULL DEFAULT '',
    token_hash           bytea UNIQUE,
    signing_pubkey       bytea CHECK (signing_pubkey IS NULL OR length(signing_pubkey) = 32),
    signing_key_pinned_at timestamptz,
    enrollment_token_id  uuid REFERENCES enrollment_tokens (id) ON DELETE SET NULL,
    -- expected reporting interval; status turns offline after 3 missed beats
    heartbeat_interval_s integer NOT NULL DEFAULT 30 CHECK (heartbeat_interval_s BETWEEN 1 AND 86400),
    uptime_s             bigint,
    registered_at        timestamptz NOT NULL DEFAULT now(),
    last_seen_at         timestamptz,
    governance           jsonb NOT NULL DEFAULT '{}',
    deleted_at           timestamptz
);
CREATE UNIQUE INDEX agents_machine_key ON agents (tenant_id, machine_id) WHERE deleted_at IS NULL;
CREATE INDEX agents_tenant_hostname_idx ON agents (tenant_id, hostname, id) WHERE deleted_at IS NULL;

CREATE TABLE integrity_anomalies (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    agent_id     uuid REFERENCES agents (id) ON DELETE CASCADE,
    kind         text NOT NULL,
    detail       jsonb NOT NULL DEFAULT '{}',
    source_ip    text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    resolved_at  timestamptz,
    resolved_by  uuid REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX integrity_anomalies_tenant_idx ON integrity_anomalies (tenant_id, created_at DESC);
