-- Notification channels (notify/doc.go): e-mail through the hub's SMTP,
-- and chat and push services through shoutrrr URLs.
CREATE TABLE notification_channels (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind            text NOT NULL CHECK (kind IN ('email', 'slack', 'discord', 'teams', 'telegram', 'ntfy',
                                                  'gotify', 'pushover', 'matrix', 'generic')),
    -- The shoutrrr URL (or, for e-mail, the addresses) carries tokens: it
    -- is sealed (auth.SealSecret, MONSYS_TOTP_KEY) and never shown again;
    -- target_shown is its scheme and host.
    target_sealed   text NOT NULL,
    target_shown    text NOT NULL,
    -- Routing: an empty list matches everything.
    severities      text[] NOT NULL DEFAULT '{}',
    sources         text[] NOT NULL DEFAULT '{}',
    tags            text[] NOT NULL DEFAULT '{}',
    environments    text[] NOT NULL DEFAULT '{}',
    -- Quiet hours, HH:MM to HH:MM in quiet_tz ('' start: none).
    quiet_tz        text NOT NULL DEFAULT '',
    quiet_start     text NOT NULL DEFAULT '',
    quiet_end       text NOT NULL DEFAULT '',
    group_window_s  integer NOT NULL DEFAULT 30 CHECK (group_window_s BETWEEN 0 AND 3600),
    enabled         boolean NOT NULL DEFAULT true,
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz
);
CREATE INDEX notification_channels_tenant_idx ON notification_channels (tenant_id, id) WHERE deleted_at IS NULL;

-- One message sent (or to be sent) to a channel: a group of alert events,
-- or a test. The delivery log.
CREATE TABLE notification_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    channel_id       uuid NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    purpose          text NOT NULL CHECK (purpose IN ('alerts', 'test')),
    events           integer NOT NULL DEFAULT 0,
    title            text NOT NULL,
    body             text NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_attempt_at  timestamptz,
    last_error       text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz
);
CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notification_deliveries_channel_idx ON notification_deliveries (channel_id, id DESC);

-- The outbox: one row per alert event (firing or resolved) and channel
-- whose routing matches, written by a trigger in the transaction that
-- writes the event (as webhook_deliveries are). delivery_id stays NULL
-- until the deliverer groups the row into a message.
CREATE TABLE notification_outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    channel_id   uuid NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    event_id     bigint NOT NULL REFERENCES alert_events (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    delivery_id  bigint REFERENCES notification_deliveries (id) ON DELETE CASCADE
);
CREATE INDEX notification_outbox_waiting_idx ON notification_outbox (channel_id, id) WHERE delivery_id IS NULL;
CREATE INDEX notification_outbox_delivery_idx ON notification_outbox (delivery_id);

CREATE FUNCTION enqueue_notifications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state NOT IN ('firing', 'resolved') THEN
    RETURN NULL;
  END IF;
  INSERT INTO notification_outbox (tenant_id, channel_id, event_id)
  SELECT NEW.tenant_id, c.id, NEW.id
  FROM notification_channels c
  JOIN alerts al ON al.id = NEW.alert_id
  LEFT JOIN agents a ON a.id = al.agent_id
  WHERE c.tenant_id = NEW.tenant_id AND c.deleted_at IS NULL AND c.enabled
    AND (cardinality(c.severities) = 0 OR NEW.severity = ANY (c.severities))
    AND (cardinality(c.sources) = 0 OR al.source = ANY (c.sources))
    AND (cardinality(c.tags) = 0 OR COALESCE(a.governance -> 'tags', '[]'::jsonb) ?| c.tags)
    AND (cardinality(c.environments) = 0 OR COALESCE(a.governance ->> 'environment', '') = ANY (c.environments));
  RETURN NULL;
END
$$;
CREATE TRIGGER alert_events_enqueue_notifications AFTER INSERT ON alert_events
FOR EACH ROW EXECUTE FUNCTION enqueue_notifications();
