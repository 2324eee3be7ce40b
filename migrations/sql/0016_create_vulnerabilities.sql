-- Vulnerabilities (issue 22): OSV records imported by `monsys cve import`
-- or from MONSYS_CVE_DIR, what each agent's packages match, and the
-- exceptions that hide a finding until they expire. Written by package
-- vuln alone.

-- One OSV record. Records are the hub's, not a tenant's: every tenant's
-- agents are matched against the same data. An import skips a record whose
-- id and modified are unchanged.
CREATE TABLE vuln_records (
    id           text PRIMARY KEY,
    modified     timestamptz NOT NULL,
    published    timestamptz,
    cve          text NOT NULL,          -- the CVE id (the record id, or its CVE alias)
    summary      text NOT NULL DEFAULT '',
    severity     text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'unknown')),
    cvss_score   real,                   -- CVSS v3 base score computed from the vector
    cvss_vector  text NOT NULL DEFAULT '',
    aliases      text[] NOT NULL DEFAULT '{}',
    withdrawn    boolean NOT NULL DEFAULT false,
    source_file  text NOT NULL DEFAULT '',
    imported_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vuln_records_cve_idx ON vuln_records (cve);

-- One affected package of a record in one ecosystem ("Debian:12",
-- "Alpine:v3.19", "Rocky Linux:9"): its ECOSYSTEM range events in the
-- record's order and its explicit versions.
CREATE TABLE vuln_affected (
    record_id  text NOT NULL REFERENCES vuln_records (id) ON DELETE CASCADE,
    ecosystem  text NOT NULL,
    package    text NOT NULL,
    events     jsonb NOT NULL DEFAULT '[]',
    versions   text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX vuln_affected_record_idx ON vuln_affected (record_id);

-- The data's generation: each import that changed a record bumps it, and
-- an agent matched against an older generation is matched again.
CREATE TABLE vuln_data (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    generation  bigint NOT NULL DEFAULT 0,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO vuln_data (singleton) VALUES (true);

-- What each agent was last matched against: its packages and host
-- snapshots and the data generation. A difference makes it due.
CREATE TABLE vuln_agent_matches (
    agent_id             uuid PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    tenant_id            uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    packages_snapshot_id bigint,
    host_snapshot_id     bigint,
    generation           bigint NOT NULL,
    ecosystem            text NOT NULL DEFAULT '',
    matched_at           timestamptz NOT NULL DEFAULT now()
);

-- One vulnerable installed package of an agent, per CVE.
CREATE TABLE vuln_findings (
    tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    agent_id           uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    cve                text NOT NULL,
    package            text NOT NULL,
    arch               text NOT NULL DEFAULT '',
    record_id          text NOT NULL,
    source_package     text NOT NULL DEFAULT '',
    installed_version  text NOT NULL,
    fixed_version      text NOT NULL DEFAULT '',   -- '' when no fix is known
    severity           text NOT NULL,
    severity_rank      smallint NOT NULL,          -- 4 critical … 0 unknown, for ordering
    cvss_score         real,
    first_seen         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agent_id, cve, package, arch)
);
-- The list's order: a page groups the first rows of this index and stops.
CREATE INDEX vuln_findings_list_idx ON vuln_findings (tenant_id, severity_rank DESC, cvss_score DESC NULLS LAST, cve, package);
CREATE INDEX vuln_findings_cve_idx ON vuln_findings (tenant_id, cve);

-- An exception hides findings of a CVE (optionally one package, one agent
-- or the agents carrying a governance tag) until it expires.
CREATE TABLE vuln_exceptions (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    cve         text NOT NULL CHECK (length(cve) BETWEEN 1 AND 100),
    package     text NOT NULL DEFAULT '',
    agent_id    uuid REFERENCES agents (id) ON DELETE CASCADE,
    tag         text NOT NULL DEFAULT '',
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    expires_at  timestamptz NOT NULL,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    CHECK (agent_id IS NULL OR tag = '')
);
CREATE INDEX vuln_exceptions_tenant_idx ON vuln_exceptions (tenant_id, cve) WHERE deleted_at IS NULL;

-- Findings raise alerts of their own source.
ALTER TABLE alerts DROP CONSTRAINT alerts_source_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_source_check CHECK (source IN ('agent', 'rule', 'system', 'cve'));

-- Whether an unexpired exception hides the finding (cve, package) of an
-- agent at a time: one definition for every read and for alerting.
CREATE FUNCTION vuln_hidden(p_tenant uuid, p_agent uuid, p_cve text, p_package text, p_at timestamptz) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT EXISTS (SELECT 1 FROM vuln_exceptions e
    WHERE e.tenant_id = p_tenant AND e.cve = p_cve AND e.deleted_at IS NULL AND e.expires_at > p_at
      AND (e.package = '' OR e.package = p_package)
      AND (e.agent_id IS NULL OR e.agent_id = p_agent)
      AND (e.tag = '' OR EXISTS (SELECT 1 FROM agents a WHERE a.id = p_agent AND a.governance -> 'tags' ? e.tag)))
$$;

-- Pending updates (inventory kind "updates", one per installed package a
-- repository offers newer) are keyed like packages, and searched by the
-- version offered. The functions of migration 0008, with that row added.
CREATE OR REPLACE FUNCTION inventory_item_key(kind text, item jsonb) RETURNS text
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
    WHEN 'updates'    THEN (item->>'name') || '/' || COALESCE(item->>'arch', '')
  END, md5(item::text)) AS k) AS x
$$;

-- What fleet-wide search matches on: the name people ask for.
CREATE OR REPLACE FUNCTION inventory_item_name(kind text, item jsonb) RETURNS text
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
CREATE OR REPLACE FUNCTION inventory_item_version(kind text, item jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT left(COALESCE(CASE kind
    WHEN 'packages'   THEN item->>'version'
    WHEN 'containers' THEN item->>'image'
    WHEN 'host'       THEN item->>'platform_version'
    WHEN 'updates'    THEN item->>'available'
  END, ''), 100)
$$;

