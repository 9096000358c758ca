-- Grouping (SPEC §5 "Grouping"): transitions that belong together reach SNS as one message.
-- With `grouping:` in the rules file the job groups notified transitions by the group_by labels
-- in event time (group_wait, group_interval) and writes one row per message; the alert outbox
-- sends these rows to SNS instead of one message per kpi.alerts transition. PostHog still gets
-- one event per transition, carrying the message's id as group_id.
CREATE TABLE IF NOT EXISTS kpi.alert_notifications (
  notification_id   text        PRIMARY KEY,          -- deterministic: group and due time (FIFO dedup id)
  group_labels      jsonb       NOT NULL DEFAULT '{}'::jsonb,  -- the group's values of group_by
  opened_at         timestamptz NOT NULL,             -- event time of its first transition
  due_at            timestamptz NOT NULL,             -- event time it was due
  -- the transitions, the latest of each episode, as the job saw them: [{alert_id, seq, rule,
  -- severity, labels, state, value, threshold, summary, started_at, resolved_at, transition_at}]
  members           jsonb       NOT NULL CHECK (jsonb_typeof(members) = 'array'),
  member_count      integer     NOT NULL,
  firing_in_group   integer     NOT NULL,             -- episodes of the group still firing after it
  -- pending: to send; delivered: sent (or every member was already delivered);
  -- held: every member not yet delivered was silenced or in a maintenance window
  sns_state         text        NOT NULL DEFAULT 'pending' CHECK (sns_state IN ('pending', 'delivered', 'held')),
  sns_delivered_at  timestamptz,
  sns_attempts      integer     NOT NULL DEFAULT 0,
  sns_last_error    text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- The outbox looks for pending messages, oldest due first.
CREATE INDEX IF NOT EXISTS alert_notifications_pending_idx ON kpi.alert_notifications (due_at)
  WHERE sns_state = 'pending';

-- The message a transition went out in (the latest transition's), NULL when SNS is not grouped
-- or the episode is not notified. The table's grants and policies (V4) cover the new column.
ALTER TABLE kpi.alerts ADD COLUMN IF NOT EXISTS group_id text;

-- As every table of the schema (V4): RLS on, the job upserts and updates delivery columns,
-- the reader reads.
ALTER TABLE kpi.alert_notifications ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON kpi.alert_notifications FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON kpi.alert_notifications TO kpi_writer;
GRANT SELECT ON kpi.alert_notifications TO kpi_reader;
DROP POLICY IF EXISTS writer_select ON kpi.alert_notifications;
CREATE POLICY writer_select ON kpi.alert_notifications FOR SELECT TO kpi_writer USING (true);
DROP POLICY IF EXISTS writer_insert ON kpi.alert_notifications;
CREATE POLICY writer_insert ON kpi.alert_notifications FOR INSERT TO kpi_writer WITH CHECK (true);
DROP POLICY IF EXISTS writer_update ON kpi.alert_notifications;
CREATE POLICY writer_update ON kpi.alert_notifications FOR UPDATE TO kpi_writer USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS reader_select ON kpi.alert_notifications;
CREATE POLICY reader_select ON kpi.alert_notifications FOR SELECT TO kpi_reader USING (true);
