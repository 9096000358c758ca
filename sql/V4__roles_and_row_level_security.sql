-- Who may read and write (SPEC §4, "Who may read and write (Supabase)").
--
-- Two NOLOGIN roles, so this works the same on plain PostgreSQL and on Supabase:
--   kpi_writer  what the job needs: upsert every KPI and alert table, insert dead letters,
--               update alert delivery columns; nothing is ever deleted. The job runs as a
--               LOGIN role granted kpi_writer, never as the owner or postgres.
--   kpi_reader  reads the KPI and alert tables and dead-letter counts by reason; it cannot
--               write anything and cannot read a dead letter's detail or raw payload.
-- Row-level security is on for every table of schema kpi (Flyway's history table included),
-- with a policy per role and command, so a role that is granted nothing sees nothing even if
-- a table privilege is granted by mistake (Supabase's anon and authenticated roles, say).
-- The owner (the role that runs `migrate`) bypasses RLS, as PostgreSQL owners do.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kpi_writer') THEN
    CREATE ROLE kpi_writer NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kpi_reader') THEN
    CREATE ROLE kpi_reader NOLOGIN;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA kpi TO kpi_writer, kpi_reader;

-- Nothing by default: whatever was granted to PUBLIC on these tables is taken back.
REVOKE ALL ON ALL TABLES IN SCHEMA kpi FROM PUBLIC;

DO $$
DECLARE
  t text;
BEGIN
  -- The tables the job upserts (INSERT … ON CONFLICT … DO UPDATE needs SELECT, INSERT, UPDATE).
  FOREACH t IN ARRAY ARRAY['latency', 'traffic', 'accuracy', 'cost', 'endpoint_health',
                           'alerts', 'alert_evidence', 'dead_letters'] LOOP
    EXECUTE format('ALTER TABLE kpi.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE ON kpi.%I TO kpi_writer', t);
    EXECUTE format('DROP POLICY IF EXISTS writer_select ON kpi.%I', t);
    EXECUTE format('DROP POLICY IF EXISTS writer_insert ON kpi.%I', t);
    EXECUTE format('DROP POLICY IF EXISTS writer_update ON kpi.%I', t);
    EXECUTE format('CREATE POLICY writer_select ON kpi.%I FOR SELECT TO kpi_writer USING (true)', t);
    EXECUTE format('CREATE POLICY writer_insert ON kpi.%I FOR INSERT TO kpi_writer WITH CHECK (true)', t);
    EXECUTE format('CREATE POLICY writer_update ON kpi.%I FOR UPDATE TO kpi_writer USING (true) WITH CHECK (true)', t);
    EXECUTE format('DROP POLICY IF EXISTS reader_select ON kpi.%I', t);
    EXECUTE format('CREATE POLICY reader_select ON kpi.%I FOR SELECT TO kpi_reader USING (true)', t);
  END LOOP;
  -- The reader reads every KPI and alert table whole ...
  FOREACH t IN ARRAY ARRAY['latency', 'traffic', 'accuracy', 'cost', 'endpoint_health',
                           'alerts', 'alert_evidence'] LOOP
    EXECUTE format('GRANT SELECT ON kpi.%I TO kpi_reader', t);
  END LOOP;
END
$$;

-- ... and of the dead letters only what the counts need: no detail (it quotes values), no raw.
GRANT SELECT (id, received_at, reason, event_ts) ON kpi.dead_letters TO kpi_reader;

-- Dead letters by reason, for the dashboard and the admin panel. security_invoker: the view
-- reads with the caller's rights and policies (a view that ran as its owner would bypass RLS,
-- which Supabase's linter reports as an ERROR, security_definer_view).
CREATE OR REPLACE VIEW kpi.dead_letter_counts WITH (security_invoker = true) AS
  SELECT reason, count(*) AS dead_letters, min(received_at) AS first_received_at,
         max(received_at) AS last_received_at
  FROM kpi.dead_letters
  GROUP BY reason;
GRANT SELECT ON kpi.dead_letter_counts TO kpi_reader;

-- Flyway's history table gets RLS too, but not here: Flyway holds a lock on it while a
-- migration runs, so altering it from one would wait for ever. Migrations.apply does it right
-- after every migrate (idempotent): RLS on, SELECT for both roles, so `run` (kpi_writer) and
-- `dashboard` (kpi_reader) can check that the schema is current without being able to change it.

-- Tables added by later migrations get nothing by default; each migration that adds one grants
-- and enables RLS explicitly (MigrationsRolesITCase checks every table of the schema).
