-- Emergency console (package console): sessions, their recordings in
-- bounded chunks, emergency grants and the hub's grant-signing key.

CREATE TABLE console_sessions (
    id                 uuid PRIMARY KEY,
    tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    agent_id           uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    user_id            uuid NOT NULL,
    reason             text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    state              text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'active', 'ended', 'terminated', 'failed')),
    cols               integer NOT NULL,
    rows               integer NOT NULL,
    max_seconds        integer NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL,   -- the browser's ticket and the agent's dial-back are refused after it
    started_at         timestamptz,
    ended_at           timestamptz,
    end_reason         text NOT NULL DEFAULT '',
    exit_status        integer,
    bytes_in           bigint NOT NULL DEFAULT 0, -- typed by the person
    bytes_out          bigint NOT NULL DEFAULT 0, -- shown by the shell
    recording_sha256   text NOT NULL DEFAULT '',  -- hex, over the chunks in seq order, set when the session ends
    terminated_by      uuid,
    browser_ticket     bytea NOT NULL,            -- sha256 of the one-time tickets
    agent_ticket       bytea NOT NULL
);
CREATE INDEX console_sessions_tenant ON console_sessions (tenant_id, created_at DESC);
CREATE INDEX console_sessions_agent ON console_sessions (agent_id, created_at DESC);

-- A recording is the asciicast v2 event lines ([t, "o"|"i"|"r", data])
-- of its chunks in seq order; search_text is what was typed and shown,
-- for GET /console/search.
CREATE TABLE console_chunks (
    session_id   uuid NOT NULL REFERENCES console_sessions (id) ON DELETE CASCADE,
    seq          integer NOT NULL,
    tenant_id    uuid NOT NULL,
    data         bytea NOT NULL,
    search_text  text NOT NULL DEFAULT '',
    PRIMARY KEY (session_id, seq)
);

CREATE TABLE emergency_grants (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    agent_id    uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    created_by  uuid NOT NULL,
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    not_before  timestamptz NOT NULL,
    not_after   timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    revoked_by  uuid
);
CREATE INDEX emergency_grants_agent ON emergency_grants (agent_id, not_after DESC);

-- hub_keys holds the hub's own keys; 'grant' is the Ed25519 key that signs
-- emergency grants, its seed sealed like TOTP secrets (MONSYS_TOTP_KEY).
CREATE TABLE hub_keys (
    name        text PRIMARY KEY,
    sealed_seed text NOT NULL,
    public_key  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
