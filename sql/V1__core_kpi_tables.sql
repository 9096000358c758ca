-- gluu-kpi core tables (SPEC §4): latency, traffic, dead letters.
-- Plain PostgreSQL: runs under Flyway (`gluu-kpi migrate`), psql or the Supabase CLI.
-- Dimensions an event lacks are '' (never NULL) so that they can be part of a key.

-- Flyway creates the schema before this runs (its history table lives there); psql does not.
-- Quiet the "already exists, skipping" notice of the first case.
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS kpi;

CREATE TABLE IF NOT EXISTS kpi.latency (
  window_start timestamptz      NOT NULL,
  window_end   timestamptz      NOT NULL,
  service      text             NOT NULL DEFAULT '',
  model        text             NOT NULL DEFAULT '',
  endpoint     text             NOT NULL DEFAULT '',
  stage        text             NOT NULL CHECK (stage IN ('total', 'model', 'llm')),
  count        bigint           NOT NULL,
  p50_ms       double precision NOT NULL,
  p90_ms       double precision NOT NULL,
  p95_ms       double precision NOT NULL,
  p99_ms       double precision NOT NULL,
  max_ms       double precision NOT NULL,
  mean_ms      double precision NOT NULL,
  sketch       bytea            NOT NULL,
  updated_at   timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (window_start, window_end, service, model, endpoint, stage)
);

CREATE TABLE IF NOT EXISTS kpi.traffic (
  window_start   timestamptz      NOT NULL,
  window_end     timestamptz      NOT NULL,
  service        text             NOT NULL DEFAULT '',
  route          text             NOT NULL DEFAULT '',
  model          text             NOT NULL DEFAULT '',
  endpoint       text             NOT NULL DEFAULT '',
  requests       bigint           NOT NULL,
  ok             bigint           NOT NULL,
  client_errors  bigint           NOT NULL,
  errors         bigint           NOT NULL,
  error_rate     double precision NOT NULL,
  async_requests bigint           NOT NULL,
  images         bigint           NOT NULL,
  updated_at     timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (window_start, window_end, service, route, model, endpoint)
);

-- Every rejected record, with why. `id` names the record's place in its source
-- (file name and line number, or Kinesis stream/shard and sequence number), so a replay
-- or a recovery rewrites the same row instead of adding one.
CREATE TABLE IF NOT EXISTS kpi.dead_letters (
  id          text        PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now(),
  reason      text        NOT NULL,
  detail      text        NOT NULL DEFAULT '',
  raw         text        NOT NULL DEFAULT '',
  event_id    text        NOT NULL DEFAULT '',
  event_ts    timestamptz
);

-- The dashboard reads recent windows by size and time.
CREATE INDEX IF NOT EXISTS latency_window_end_idx ON kpi.latency (window_end);
CREATE INDEX IF NOT EXISTS traffic_window_end_idx ON kpi.traffic (window_end);
CREATE INDEX IF NOT EXISTS dead_letters_reason_idx ON kpi.dead_letters (reason, received_at);
