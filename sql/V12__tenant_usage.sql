-- Usage and cost per calling tenant (SPEC §4 kpi.tenant_usage): one row per window and client_id
-- ('' for requests without one, '~other' for tenants beyond limits.max_keys_per_window), from the
-- deduplicated inference events of the window (any status).
--   requests, errors               inference events; errors = status 'error', as in kpi.traffic
--   images, prompt_tokens,         sums over those events
--   completion_tokens
--   llm_usd                        their LLM tokens at the prices of jobs/pricing.yaml, as kpi.cost
--   allocated_usd                  the tenant's share of the hosting + compute of each kpi.cost row
--                                  its requests fell in, by requests (split exactly in whole
--                                  pico-dollars, the remainder to the largest fractions); rows
--                                  without requests (idle endpoints, the '' Fargate row) are
--                                  overhead, allocated to nobody
--   total_usd                      llm_usd + allocated_usd: a window's tenants add up to the
--                                  total_usd of its kpi.cost rows with requests
--   usd_per_request                total_usd / requests
CREATE TABLE IF NOT EXISTS kpi.tenant_usage (
  window_start      timestamptz      NOT NULL,
  window_end        timestamptz      NOT NULL,
  client_id         text             NOT NULL DEFAULT '',
  requests          bigint           NOT NULL,
  errors            bigint           NOT NULL,
  images            bigint           NOT NULL,
  prompt_tokens     bigint           NOT NULL,
  completion_tokens bigint           NOT NULL,
  llm_usd           double precision NOT NULL,
  allocated_usd     double precision NOT NULL,
  total_usd         double precision NOT NULL,
  usd_per_request   double precision NOT NULL,
  updated_at        timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (window_start, window_end, client_id)
);

-- A tenant's spend over a period (the admin panel, a month-to-date budget) reads by client and time.
CREATE INDEX IF NOT EXISTS tenant_usage_client_idx ON kpi.tenant_usage (client_id, window_start);

-- As every KPI table (V4): RLS on, the job upserts (SELECT, INSERT, UPDATE), the reader reads.
ALTER TABLE kpi.tenant_usage ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON kpi.tenant_usage FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON kpi.tenant_usage TO kpi_writer;
GRANT SELECT ON kpi.tenant_usage TO kpi_reader;
DROP POLICY IF EXISTS writer_select ON kpi.tenant_usage;
DROP POLICY IF EXISTS writer_insert ON kpi.tenant_usage;
DROP POLICY IF EXISTS writer_update ON kpi.tenant_usage;
CREATE POLICY writer_select ON kpi.tenant_usage FOR SELECT TO kpi_writer USING (true);
CREATE POLICY writer_insert ON kpi.tenant_usage FOR INSERT TO kpi_writer WITH CHECK (true);
CREATE POLICY writer_update ON kpi.tenant_usage FOR UPDATE TO kpi_writer USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS reader_select ON kpi.tenant_usage;
CREATE POLICY reader_select ON kpi.tenant_usage FOR SELECT TO kpi_reader USING (true);
