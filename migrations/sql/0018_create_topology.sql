-- Topology and diagrams (issue 23): the map people draw (zones, nodes,
-- edges), the connections agents see on the wire (topology_detected,
-- written by the detection worker through store), snapshots of the map,
-- and diagrams with their share links. Every row belongs to a tenant.

-- A zone is a network, site or environment; zones nest (a site holds
-- networks). Deleting a parent leaves its children at the top.
CREATE TABLE topology_zones (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind        text NOT NULL CHECK (kind IN ('network', 'site', 'environment')),
    parent_id   uuid REFERENCES topology_zones (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name)
);

-- A node is an agent, a cloud resource, or a device or service someone
-- added by hand. An agent is at most one node.
CREATE TABLE topology_nodes (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('agent', 'cloud', 'device', 'service')),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    agent_id    uuid REFERENCES agents (id) ON DELETE CASCADE,
    addresses   text[] NOT NULL DEFAULT '{}',
    zone_id     uuid REFERENCES topology_zones (id) ON DELETE SET NULL,
    tags        text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'agent') = (agent_id IS NOT NULL))
);
CREATE UNIQUE INDEX topology_nodes_agent ON topology_nodes (tenant_id, agent_id) WHERE agent_id IS NOT NULL;

CREATE TABLE topology_edges (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    from_node   uuid NOT NULL REFERENCES topology_nodes (id) ON DELETE CASCADE,
    to_node     uuid NOT NULL REFERENCES topology_nodes (id) ON DELETE CASCADE,
    protocol    text NOT NULL DEFAULT '' CHECK (length(protocol) <= 32),
    port        integer CHECK (port BETWEEN 1 AND 65535),
    label       text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (from_node <> to_node)
);
CREATE UNIQUE INDEX topology_edges_unique ON topology_edges (tenant_id, from_node, to_node, protocol, port) NULLS NOT DISTINCT;

-- A detected connection: from_agent dials to_agent's port, or one end is
-- a peer address no agent owns (the other agent column is NULL). flows
-- is the latest count, seen_count how many detection passes saw it.
CREATE TABLE topology_detected (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    from_agent  uuid REFERENCES agents (id) ON DELETE CASCADE,
    to_agent    uuid REFERENCES agents (id) ON DELETE CASCADE,
    peer        text NOT NULL DEFAULT '',
    proto       text NOT NULL CHECK (proto IN ('tcp', 'udp')),
    port        integer NOT NULL CHECK (port BETWEEN 0 AND 65535),
    service     text NOT NULL DEFAULT '',
    nat         boolean NOT NULL DEFAULT false,
    flows       integer NOT NULL DEFAULT 0,
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    seen_count  bigint NOT NULL DEFAULT 1,
    CHECK (from_agent IS NOT NULL OR to_agent IS NOT NULL)
);
CREATE UNIQUE INDEX topology_detected_key ON topology_detected (tenant_id, from_agent, to_agent, peer, proto, port) NULLS NOT DISTINCT;
CREATE INDEX topology_detected_to ON topology_detected (to_agent);

-- The whole map (nodes, edges, zones, detected edges) at a moment.
CREATE TABLE topology_snapshots (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    taken_at    timestamptz NOT NULL DEFAULT now(),
    content     jsonb NOT NULL
);
CREATE INDEX topology_snapshots_tenant ON topology_snapshots (tenant_id, taken_at DESC);

-- A diagram is Mermaid source. Its share link's token is stored only as
-- its SHA-256; unsharing clears it, so the link answers 404 at once.
CREATE TABLE diagrams (
    id                uuid PRIMARY KEY,
    tenant_id         uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    source            text NOT NULL CHECK (length(source) <= 1048576),
    scope             jsonb,
    template          text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    share_hash        bytea UNIQUE,
    share_expires_at  timestamptz
);
CREATE INDEX diagrams_tenant ON diagrams (tenant_id, id);
