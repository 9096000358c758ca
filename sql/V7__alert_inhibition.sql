-- Inhibition (SPEC §5): the alert id of the firing episode that inhibited this one, NULL if
-- none. An inhibited episode is recorded like any other but never notified: the job writes its
-- posthog_seq and sns_seq equal to notify_seq (with no delivery time), so the outbox has nothing
-- to send. The table's grants and policies (V4) cover the new column.
ALTER TABLE kpi.alerts ADD COLUMN IF NOT EXISTS inhibited_by text;
