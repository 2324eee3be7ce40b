-- The audit log, and the account features built on the tables of 0002:
-- TOTP, recovery codes, login challenges, password resets, invitations,
-- the mail outbox and shared rate-limit counters.

-- audit_log is append-only and hash-chained per tenant: row n's hash is
-- sha256(row n-1's hash || canonical bytes of row n) (see package audit).
-- There is no foreign key to tenants on purpose: deleting a tenant must not
-- cascade into the audit trail, which the trigger below would refuse anyway.
CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    uuid NOT NULL,
    seq          bigint NOT NULL CHECK (seq > 0),
    occurred_at  timestamptz NOT NULL,
    actor_type   text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'agent', 'system')),
    actor_id     text NOT NULL DEFAULT '',
    event_type   text NOT NULL CHECK (event_type ~ '^[a-z][a-z0-9_]{0,62}$'),
    target_type  text NOT NULL DEFAULT '',
    target_id    text NOT NULL DEFAULT '',
    ip           text NOT NULL DEFAULT '',
    details      jsonb NOT NULL DEFAULT '{}',
    prev_hash    bytea NOT NULL CHECK (length(prev_hash) = 32),
    hash         bytea NOT NULL CHECK (length(hash) = 32),
    UNIQUE (tenant_id, seq)
);
CREATE INDEX audit_log_tenant_id_idx ON audit_log (tenant_id, id DESC);
CREATE INDEX audit_log_tenant_type_idx ON audit_log (tenant_id, event_type, id DESC);

-- The head of each tenant's chain, so verify also notices rows cut off the
-- end. Updated in the same transaction as the insert, under the chain's
-- advisory lock.
CREATE TABLE audit_heads (
    tenant_id  uuid PRIMARY KEY,
    seq        bigint NOT NULL,
    hash       bytea NOT NULL
);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- TOTP: totp_secret holds the secret from setup on; totp_enabled_at is set
-- once a code proved the authenticator has it. totp_last_step is the last
-- accepted time step, so a code is accepted once. failed_logins counts
-- consecutive bad passwords; locked_until is the lock they caused.
ALTER TABLE users
    ADD COLUMN totp_last_step bigint,
    ADD COLUMN failed_logins  integer NOT NULL DEFAULT 0,
    ADD COLUMN locked_until   timestamptz;

CREATE TABLE recovery_codes (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL,
    used_at    timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- A password that was right for a TOTP user: the challenge finishes the
-- login with a code.
CREATE TABLE login_challenges (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

CREATE TABLE password_resets (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

CREATE TABLE invitations (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email       text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    token_hash  bytea NOT NULL UNIQUE,
    invited_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by uuid REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX invitations_tenant_idx ON invitations (tenant_id, id);

-- Mail waiting to be sent; the mail worker sends and retries with backoff.
CREATE TABLE outbox (
    id               uuid PRIMARY KEY,
    to_addr          text NOT NULL,
    subject          text NOT NULL,
    body             text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    last_error       text NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE sent_at IS NULL;

-- Fixed-window rate-limit counters shared by the hubs of a cluster
-- (MONSYS_CLUSTER=1). Unlogged: losing counts in a crash only resets
-- windows early.
CREATE UNLOGGED TABLE rate_counters (
    policy        text NOT NULL,
    key           text NOT NULL,
    window_start  timestamptz NOT NULL,
    count         integer NOT NULL,
    PRIMARY KEY (policy, key, window_start)
);
