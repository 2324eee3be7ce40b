-- When the hub was last known to be up and able to use its database
-- (alerting/doc.go, "Hub outages"). One row, written by the silent-agent
-- check on every pass of every hub: last_tick_at is the latest pass;
-- up_since is when the current stretch of up time began (a hub process
-- started, or passes resumed after a gap longer than the check allows).
-- An agent's silence is counted from the later of its last report and
-- up_since, so time the hub could not hear anyone is not held against it.
CREATE TABLE hub_liveness (
    id            boolean PRIMARY KEY DEFAULT true CHECK (id),
    last_tick_at  timestamptz NOT NULL,
    up_since      timestamptz NOT NULL
);
