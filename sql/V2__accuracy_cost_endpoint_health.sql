-- gluu-kpi: accuracy, cost and endpoint health (SPEC §4).
-- Plain PostgreSQL: runs under Flyway (`gluu-kpi migrate`), psql or the Supabase CLI.

-- Accuracy from feedback joined to its inference, in windows of the feedback's ts.
-- Feedback whose inference was never found is counted under model 'unmatched'.
CREATE TABLE IF NOT EXISTS kpi.accuracy (
  window_start  timestamptz      NOT NULL,
  window_end    timestamptz      NOT NULL,
  model         text             NOT NULL DEFAULT '',
  model_version text             NOT NULL DEFAULT '',
  feedback      bigint           NOT NULL,
  correct       bigint           NOT NULL,
  partial       bigint           NOT NULL,
  incorrect     bigint           NOT NULL,
  accuracy      double precision NOT NULL,
  updated_at    timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (window_start, window_end, model, model_version)
);

-- The whole cost of serving one model on one endpoint in a window. The row with model and
-- endpoint '*' sums the window; model and endpoint '' hold Fargate cost of services that had
-- no requests in the window (unallocated).
CREATE TABLE IF NOT EXISTS kpi.cost (
  window_start      timestamptz      NOT NULL,
  window_end        timestamptz      NOT NULL,
  model             text             NOT NULL DEFAULT '',
  endpoint          text             NOT NULL DEFAULT '',
  requests          bigint           NOT NULL,
  llm_usd           double precision NOT NULL,
  hosting_usd       double precision NOT NULL,
  compute_usd       double precision NOT NULL,
  total_usd         double precision NOT NULL,
  usd_per_inference double precision,          -- NULL when requests = 0
  idle_hosting_usd  double precision,          -- only on the '*' row: hosting of rows without requests
  updated_at        timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (window_start, window_end, model, endpoint)
);

-- Availability of each SageMaker endpoint per window, from its state changes.
CREATE TABLE IF NOT EXISTS kpi.endpoint_health (
  window_start       timestamptz      NOT NULL,
  window_end         timestamptz      NOT NULL,
  endpoint           text             NOT NULL,
  in_service_seconds double precision NOT NULL,
  uptime_ratio       double precision,          -- NULL when no second of the window was observed
  restarts           bigint           NOT NULL,
  failures           bigint           NOT NULL,
  updated_at         timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (window_start, window_end, endpoint)
);

CREATE INDEX IF NOT EXISTS accuracy_window_end_idx ON kpi.accuracy (window_end);
CREATE INDEX IF NOT EXISTS cost_window_end_idx ON kpi.cost (window_end);
CREATE INDEX IF NOT EXISTS endpoint_health_window_end_idx ON kpi.endpoint_health (window_end);
