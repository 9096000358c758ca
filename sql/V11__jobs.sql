-- Async jobs (SPEC §4 kpi.jobs): one row per window, service and kind in which a job event has
-- its ts or at whose end a job of that service and kind is open. The events of one job are
-- joined by job_id up to jobs.horizon (default 1 day) of event time.
--   submitted … webhooks_failed   events of that state in the window (a repeated state of one
--                                  job counts once, at its first ts)
--   queue_p95_ms                  p95 of started - submitted, jobs whose started is in the window
--   run_p95_ms                    p95 of (completed or failed) - started, jobs finished in it
--   e2e_p50/p95/p99_ms            submitted -> webhook_sent, jobs whose webhook_sent is in it
--   e2e_sketch                    their DDSketch (1 %), stored sketch format 1 as kpi.latency's
--                                  sketch: kpi.sketch_merge / kpi.sketch_quantile read it (V5)
--   open_at_end, stuck_at_end,    jobs submitted before window_end and not completed or failed
--   oldest_open_seconds           before it; those submitted more than jobs.stuck_after (15 min)
--                                  before it; the age of the oldest of them (0 if none)
-- Durations are NULL when the window has none.
CREATE TABLE IF NOT EXISTS kpi.jobs (
  window_start        timestamptz      NOT NULL,
  window_end          timestamptz      NOT NULL,
  service             text             NOT NULL DEFAULT '',
  kind                text             NOT NULL DEFAULT '',
  submitted           bigint           NOT NULL,
  completed           bigint           NOT NULL,
  failed              bigint           NOT NULL,
  webhooks_sent       bigint           NOT NULL,
  webhooks_failed     bigint           NOT NULL,
  queue_p95_ms        double precision,
  run_p95_ms          double precision,
  e2e_p50_ms          double precision,
  e2e_p95_ms          double precision,
  e2e_p99_ms          double precision,
  e2e_sketch          bytea,
  open_at_end         bigint           NOT NULL,
  stuck_at_end        bigint           NOT NULL,
  oldest_open_seconds double precision NOT NULL,
  updated_at          timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (window_start, window_end, service, kind)
);

-- The dashboard and analysts read the latest rows of a service.
CREATE INDEX IF NOT EXISTS jobs_window_end_idx ON kpi.jobs (window_end);

-- As every KPI table (V4): RLS on, the job upserts (SELECT, INSERT, UPDATE), the reader reads.
ALTER TABLE kpi.jobs ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON kpi.jobs FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON kpi.jobs TO kpi_writer;
GRANT SELECT ON kpi.jobs TO kpi_reader;
DROP POLICY IF EXISTS writer_select ON kpi.jobs;
DROP POLICY IF EXISTS writer_insert ON kpi.jobs;
DROP POLICY IF EXISTS writer_update ON kpi.jobs;
CREATE POLICY writer_select ON kpi.jobs FOR SELECT TO kpi_writer USING (true);
CREATE POLICY writer_insert ON kpi.jobs FOR INSERT TO kpi_writer WITH CHECK (true);
CREATE POLICY writer_update ON kpi.jobs FOR UPDATE TO kpi_writer USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS reader_select ON kpi.jobs;
CREATE POLICY reader_select ON kpi.jobs FOR SELECT TO kpi_reader USING (true);
