-- Fleet views (issue 8): searchable latest inventory items, latest-only
-- processes, alert rules and their per-agent state, webhooks and their
-- delivery outbox.

-- The identity of one inventory item within its kind: two snapshots are
-- compared item by item on this key (inventory changes), and the latest
-- items are kept per key for fleet-wide search. One definition, used by the
-- ingest flush and by the change queries alike.
-- Items come from agents: whatever their shape, these functions answer
-- (never fail the ingest transaction) and stay short enough for a btree
-- entry (a long key keeps 200 characters and the md5 of the whole).
CREATE FUNCTION inventory_item_key(kind text, item jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN length(k) > 232 THEN left(k, 200) || md5(k) ELSE k END FROM (SELECT COALESCE(CASE kind
    WHEN 'packages'   THEN (item->>'name') || '/' || COALESCE(item->>'arch', '')
    WHEN 'systemd'    THEN item->>'name'
    WHEN 'users'      THEN item->>'name'
    WHEN 'groups'     THEN item->>'name'
    WHEN 'sudo'       THEN (item->>'source') || ' ' || (item->>'principal')
    WHEN 'ssh_keys'   THEN (item->>'user') || ' ' || (item->>'fingerprint')
    WHEN 'containers' THEN item->>'id'
    WHEN 'sockets'    THEN (item->>'proto') || ' ' || (item->>'local_addr') || ':' || (item->>'local_port')
                           || ' ' || COALESCE(item->>'remote_addr', '') || ':' || COALESCE(item->>'remote_port', '')
    WHEN 'backups'    THEN (item->>'tool') || ' ' || (item->>'name')
    WHEN 'host'       THEN 'host'
  END, md5(item::text)) AS k) AS x
$$;

-- What fleet-wide search matches on: the name people ask for.
CREATE FUNCTION inventory_item_name(kind text, item jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT left(COALESCE(CASE kind
    WHEN 'sudo'       THEN item->>'principal'
    WHEN 'ssh_keys'   THEN item->>'fingerprint'
    WHEN 'sockets'    THEN item->>'local_port'
    WHEN 'host'       THEN item->>'hostname'
    ELSE item->>'name'
  END, ''), 200)
$$;

-- The version a search answers with, where a kind has one.
CREATE FUNCTION inventory_item_version(kind text, item jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT left(COALESCE(CASE kind
    WHEN 'packages'   THEN item->>'version'
    WHEN 'containers' THEN item->>'image'
    WHEN 'host'       THEN item->>'platform_version'
  END, ''), 100)
$$;

-- The elements of a stored items value: an array as is, a single object
-- (host) as one element, anything else as none.
CREATE FUNCTION inventory_elements(items jsonb) RETURNS SETOF jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT e FROM jsonb_array_elements(CASE jsonb_typeof(items)
    WHEN 'array' THEN items WHEN 'object' THEN jsonb_build_array(items) ELSE '[]'::jsonb END) AS e
$$;

-- The latest items of every (agent, kind), one row per item, rewritten by
-- the ingest flush whenever a kind's snapshot changes. Keys may repeat
-- within a snapshot (an rpm system installs several kernels of one arch).
CREATE TABLE inventory_items (
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    agent_id     uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    kind         text NOT NULL,
    key          text NOT NULL,
    name         text NOT NULL,
    version      text NOT NULL,
    item         jsonb NOT NULL,
    snapshot_id  bigint NOT NULL REFERENCES inventory_snapshots (id) ON DELETE CASCADE
);
CREATE INDEX inventory_items_agent_idx ON inventory_items (agent_id, kind, key);
-- Fleet search: exact name or name prefix (COLLATE "C" lets LIKE 'x%' use it).
CREATE INDEX inventory_items_search_idx ON inventory_items (tenant_id, kind, name COLLATE "C", version, agent_id);
CREATE INDEX inventory_items_snapshot_idx ON inventory_items (snapshot_id);

-- Top processes arrive with every interval: only the latest list is kept.
CREATE TABLE agent_processes (
    agent_id      uuid PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    collected_at  timestamptz NOT NULL,
    items         jsonb NOT NULL,
    error         text NOT NULL DEFAULT ''
);

-- Alert rules go pending before they fire.
ALTER TABLE alerts DROP CONSTRAINT alerts_state_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_state_check CHECK (state IN ('pending', 'firing', 'resolved'));
CREATE INDEX alerts_tenant_state_idx ON alerts (tenant_id, state, started_at DESC);
CREATE INDEX alert_events_tenant_idx ON alert_events (tenant_id, id);

-- Governance tags scope alert rules.
CREATE INDEX agents_governance_tags_idx ON agents USING gin ((governance -> 'tags'));

CREATE TABLE alert_rules (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    metric       text NOT NULL,
    match        text NOT NULL DEFAULT '',
    agg          text NOT NULL,
    op           text NOT NULL,
    threshold    double precision NOT NULL,
    window_s     integer NOT NULL CHECK (window_s BETWEEN 60 AND 86400),
    for_s        integer NOT NULL CHECK (for_s BETWEEN 0 AND 604800),
    severity     text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    scope        text NOT NULL CHECK (scope IN ('fleet', 'agent', 'tag')),
    scope_agent  uuid REFERENCES agents (id) ON DELETE CASCADE,
    scope_tag    text NOT NULL DEFAULT '',
    enabled      boolean NOT NULL DEFAULT true,
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_rules_tenant_idx ON alert_rules (tenant_id, id);

-- One open (pending or firing) alert per rule and agent.
CREATE TABLE alert_rule_states (
    rule_id   uuid NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    agent_id  uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    alert_id  uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    PRIMARY KEY (rule_id, agent_id)
);

CREATE TABLE webhooks (
    id             uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    url            text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    description    text NOT NULL DEFAULT '',
    -- whsec_<base64>: the HMAC key must be readable to sign, so it is
    -- stored as is (like any webhook sender) and shown only at creation.
    secret         text NOT NULL,
    created_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    failing_since  timestamptz,
    disabled_at    timestamptz,
    deleted_at     timestamptz
);
CREATE INDEX webhooks_tenant_idx ON webhooks (tenant_id, id) WHERE deleted_at IS NULL;

-- The outbox: one delivery per alert event and live webhook of its
-- tenant, written by a trigger in the transaction that writes the event,
-- so no event is lost whichever code path raised it.
CREATE TABLE webhook_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    webhook_id       uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         bigint NOT NULL REFERENCES alert_events (id) ON DELETE CASCADE,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_attempt_at  timestamptz,
    last_status      integer,
    last_error       text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id DESC);

CREATE FUNCTION enqueue_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_id)
  SELECT NEW.tenant_id, w.id, NEW.id FROM webhooks w
  WHERE w.tenant_id = NEW.tenant_id AND w.deleted_at IS NULL AND w.disabled_at IS NULL;
  RETURN NULL;
END
$$;
CREATE TRIGGER alert_events_enqueue_webhooks AFTER INSERT ON alert_events
FOR EACH ROW EXECUTE FUNCTION enqueue_webhook_deliveries();
