-- What agents' decoys saw (package store, security_events.go): connections
-- to honeypot ports and opened canary files. Each event also raises or
-- refreshes an agent alert (honeypot:<proto>/<port>, canary:<path>) in the
-- same transaction; GET /security lists the events and counts them by
-- source address across the fleet.
CREATE TABLE security_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    agent_id     uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('honeypot', 'canary')),
    occurred_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    proto        text NOT NULL DEFAULT '',
    port         integer NOT NULL DEFAULT 0,
    source_ip    text NOT NULL DEFAULT '',
    source_port  integer NOT NULL DEFAULT 0,
    first_bytes  text NOT NULL DEFAULT '',
    path         text NOT NULL DEFAULT '',
    access       text NOT NULL DEFAULT ''
);
CREATE INDEX security_events_tenant_time_idx ON security_events (tenant_id, occurred_at DESC);
CREATE INDEX security_events_source_idx ON security_events (tenant_id, source_ip, occurred_at DESC) WHERE source_ip <> '';
