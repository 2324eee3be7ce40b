-- Time series: one narrow layout for both dialects (DESIGN.md §3).
-- A series is an owner (agent, or the tenant itself for remote-write under
-- an API key) + metric name + label set; samples are (time, series, value).

CREATE TABLE series (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    agent_id     uuid REFERENCES agents (id) ON DELETE CASCADE,
    metric       text NOT NULL,
    labels       jsonb NOT NULL DEFAULT '{}',
    -- first 16 bytes of SHA-256 over the canonical (sorted) label set
    labels_hash  bytea NOT NULL CHECK (length(labels_hash) = 16),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT series_identity_key UNIQUE NULLS NOT DISTINCT (tenant_id, agent_id, metric, labels_hash)
);
CREATE INDEX series_tenant_metric_idx ON series (tenant_id, metric);
CREATE INDEX series_agent_idx ON series (agent_id) WHERE agent_id IS NOT NULL;

-- No foreign key to series: it would cost every COPY a lookup per row.
{{if .timescaledb}}
CREATE TABLE samples (
    time       timestamptz NOT NULL,
    series_id  bigint NOT NULL,
    value      double precision NOT NULL
);
SELECT create_hypertable('samples', by_range('time', INTERVAL '1 day'), create_default_indexes => false);
ALTER TABLE samples SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'series_id',
    timescaledb.compress_orderby = 'time'
);
SELECT add_compression_policy('samples', INTERVAL '2 days');
{{else}}
-- Daily range partitions, created ahead (and dropped by retention) by the
-- hub's partition worker.
CREATE TABLE samples (
    time       timestamptz NOT NULL,
    series_id  bigint NOT NULL,
    value      double precision NOT NULL
) PARTITION BY RANGE (time);
{{end}}
-- The one index: every read is "these series over this range". Measured
-- against the alternatives in tsdb/doc.go.
CREATE INDEX samples_series_time_idx ON samples (series_id, time);

-- The dedup ledger: a batch id is stored once per agent. Written in the
-- same transaction as the batch's rows; kept 48 h (longer than any agent
-- retries), then pruned by a worker.
CREATE TABLE ingest_batches (
    agent_id      uuid NOT NULL,
    batch_id      uuid NOT NULL,
    body_sha256   bytea NOT NULL,
    samples       integer NOT NULL,
    committed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agent_id, batch_id)
);
CREATE INDEX ingest_batches_committed_idx ON ingest_batches (committed_at);

-- Inventory as agents report it: a snapshot per (agent, kind) whenever its
-- content changes, and a pointer to the latest one.
CREATE TABLE inventory_snapshots (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    agent_id      uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    collected_at  timestamptz NOT NULL,
    items         jsonb NOT NULL,
    items_sha256  bytea NOT NULL,
    error         text NOT NULL DEFAULT ''
);
CREATE INDEX inventory_snapshots_agent_kind_idx ON inventory_snapshots (agent_id, kind, collected_at DESC);

CREATE TABLE inventory_latest (
    agent_id      uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    kind          text NOT NULL,
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    snapshot_id   bigint NOT NULL REFERENCES inventory_snapshots (id) ON DELETE CASCADE,
    seen_at       timestamptz NOT NULL,
    PRIMARY KEY (agent_id, kind)
);

-- Alerts raised by agents (source 'agent') and by alert rules (source
-- 'rule'), deduplicated by key: one open alert per (agent, key).
CREATE TABLE alerts (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    agent_id      uuid REFERENCES agents (id) ON DELETE CASCADE,
    source        text NOT NULL CHECK (source IN ('agent', 'rule', 'system')),
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 512),
    severity      text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    summary       text NOT NULL DEFAULT '',
    state         text NOT NULL CHECK (state IN ('firing', 'resolved')),
    started_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at   timestamptz,
    resolved_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    resolve_note  text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX alerts_open_key ON alerts (tenant_id, agent_id, key) NULLS NOT DISTINCT WHERE state = 'firing';
CREATE INDEX alerts_tenant_started_idx ON alerts (tenant_id, started_at DESC);

-- Every alert transition, for history and webhook delivery.
CREATE TABLE alert_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    alert_id    uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    state       text NOT NULL,
    severity    text NOT NULL,
    summary     text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_events_alert_idx ON alert_events (alert_id, at);
