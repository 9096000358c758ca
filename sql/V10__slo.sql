-- SLOs (SPEC §5 "SLOs"): the error budget per service, SLO and hour of event time. An SLO of the
-- rules file (slos:) says what share of a service's requests must be good over a rolling period
-- (99.5 % not `error` over 30 days; 95 % under 10 s). One row per hour with requests:
--   requests, bad            that hour's requests and the ones bad for the SLO
--   period_requests, _bad    the same over the SLO's period ending at window_end (rolling, hourly)
--   objective                the SLO's objective when the row was written (0.995)
--   budget_consumed          period_bad / ((1 - objective) * period_requests): 1 = the whole budget;
--                            above 1 once it is overspent; NULL without requests in the period
--   budget_remaining         1 - budget_consumed (negative once overspent)
-- V9 is reserved for alert grouping: merge it before a database gets V10, since Flyway refuses a
-- V9 that appears after V10 was applied.
CREATE TABLE IF NOT EXISTS kpi.slo (
  window_start     timestamptz      NOT NULL,
  window_end       timestamptz      NOT NULL,
  service          text             NOT NULL DEFAULT '',
  slo              text             NOT NULL,
  requests         bigint           NOT NULL,
  bad              bigint           NOT NULL,
  period_requests  bigint           NOT NULL,
  period_bad       bigint           NOT NULL,
  objective        double precision NOT NULL,
  budget_consumed  double precision,
  budget_remaining double precision,
  updated_at       timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (window_start, window_end, service, slo)
);

-- The dashboard and analysts read the latest rows of a service.
CREATE INDEX IF NOT EXISTS slo_window_end_idx ON kpi.slo (window_end);

-- As every KPI table (V4): RLS on, the job upserts (SELECT, INSERT, UPDATE), the reader reads.
ALTER TABLE kpi.slo ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON kpi.slo FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON kpi.slo TO kpi_writer;
GRANT SELECT ON kpi.slo TO kpi_reader;
DROP POLICY IF EXISTS writer_select ON kpi.slo;
DROP POLICY IF EXISTS writer_insert ON kpi.slo;
DROP POLICY IF EXISTS writer_update ON kpi.slo;
CREATE POLICY writer_select ON kpi.slo FOR SELECT TO kpi_writer USING (true);
CREATE POLICY writer_insert ON kpi.slo FOR INSERT TO kpi_writer WITH CHECK (true);
CREATE POLICY writer_update ON kpi.slo FOR UPDATE TO kpi_writer USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS reader_select ON kpi.slo;
CREATE POLICY reader_select ON kpi.slo FOR SELECT TO kpi_reader USING (true);
