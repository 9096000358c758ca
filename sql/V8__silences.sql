-- Silences (SPEC §5 "Silences and maintenance"): label matchers with a start and an end, who and
-- why, managed with `gluu-kpi silence add | list | expire`. A transition whose episode matches an
-- active silence at the transition's event time is recorded but not sent: the outbox marks the
-- row (silenced_by) and moves the channel's seq on without a delivery time.
CREATE TABLE IF NOT EXISTS kpi.silences (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- {"rule": "no_data", "service": "analyze-api"}: every key must equal the episode's rule,
  -- severity or label of that name
  matchers    jsonb       NOT NULL CHECK (jsonb_typeof(matchers) = 'object' AND matchers <> '{}'::jsonb),
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  created_by  text        NOT NULL,
  comment     text        NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  expired_at  timestamptz,
  CHECK (ends_at > starts_at)
);

ALTER TABLE kpi.alerts ADD COLUMN IF NOT EXISTS silenced_by bigint;
-- Or the name of the rules file's maintenance window the transitions fell in (same effect).
ALTER TABLE kpi.alerts ADD COLUMN IF NOT EXISTS maintenance text;

-- As every table of the schema (V4): RLS on; the job's outbox reads silences, the reader sees
-- them (the dashboard and admin panel may show them); changes are the owner's (the `silence`
-- command runs with the credentials `migrate` uses) or of a role an admin grants them to.
ALTER TABLE kpi.silences ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON kpi.silences FROM PUBLIC;
GRANT SELECT ON kpi.silences TO kpi_writer, kpi_reader;
DROP POLICY IF EXISTS writer_select ON kpi.silences;
CREATE POLICY writer_select ON kpi.silences FOR SELECT TO kpi_writer USING (true);
DROP POLICY IF EXISTS reader_select ON kpi.silences;
CREATE POLICY reader_select ON kpi.silences FOR SELECT TO kpi_reader USING (true);
