-- gluu-kpi: alert episodes and their evidence (SPEC §4, §5).
-- Plain PostgreSQL: runs under Flyway (`gluu-kpi migrate`), psql or the Supabase CLI.

-- One row per alert episode. The row is also the outbox of notifications: every transition
-- (fired, repeated while firing, resolved) increments notify_seq, and a channel is behind while
-- its *_seq is lower. Delivery writes back *_seq, *_delivered_at, *_attempts and *_last_error.
CREATE TABLE IF NOT EXISTS kpi.alerts (
  alert_id              text             PRIMARY KEY,   -- deterministic: rule, labels, start
  rule                  text             NOT NULL,
  severity              text             NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  labels                jsonb            NOT NULL DEFAULT '{}'::jsonb,
  state                 text             NOT NULL CHECK (state IN ('firing', 'resolved')),
  started_at            timestamptz      NOT NULL,
  resolved_at           timestamptz,
  value                 double precision,
  threshold             double precision,
  summary               text             NOT NULL DEFAULT '',
  notify_seq            integer          NOT NULL DEFAULT 1,   -- transitions to notify so far
  last_transition_at    timestamptz      NOT NULL,             -- event time of the latest transition
  posthog_seq           integer          NOT NULL DEFAULT 0,   -- transitions delivered to PostHog
  posthog_delivered_at  timestamptz,
  posthog_attempts      integer          NOT NULL DEFAULT 0,
  posthog_last_error    text,
  sns_seq               integer          NOT NULL DEFAULT 0,
  sns_delivered_at      timestamptz,
  sns_attempts          integer          NOT NULL DEFAULT 0,
  sns_last_error        text,
  updated_at            timestamptz      NOT NULL DEFAULT now()
);

-- Up to 20 requests behind each episode: the slowest for latency rules, the failed ones for
-- error rules, so an engineer can go from the page to the requests. No foreign key to
-- kpi.alerts: the job writes the two tables through independent batched sinks, so an evidence
-- row may land a moment before its episode row.
CREATE TABLE IF NOT EXISTS kpi.alert_evidence (
  alert_id   text             NOT NULL,
  request_id text             NOT NULL,
  ts         timestamptz      NOT NULL,
  value      double precision,
  PRIMARY KEY (alert_id, request_id)
);

CREATE INDEX IF NOT EXISTS alerts_state_idx ON kpi.alerts (state, started_at);
-- The delivery loop looks for rows a channel is behind on.
CREATE INDEX IF NOT EXISTS alerts_undelivered_idx ON kpi.alerts (alert_id)
  WHERE posthog_seq < notify_seq OR sns_seq < notify_seq;
