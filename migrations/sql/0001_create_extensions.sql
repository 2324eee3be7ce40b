-- The TimescaleDB dialect needs its extension before any hypertable exists.
-- Plain PostgreSQL needs nothing: IDs are UUIDv7 made by the hub.
{{if .timescaledb}}
CREATE EXTENSION IF NOT EXISTS timescaledb;
{{end}}

-- Facts about this database that outlive one hub process, starting with the
-- dialect its schema was built for.
CREATE TABLE monsys_meta (
    key    text PRIMARY KEY,
    value  text NOT NULL
);
INSERT INTO monsys_meta (key, value)
VALUES ('dialect', '{{if .timescaledb}}timescaledb{{else}}postgres{{end}}');
