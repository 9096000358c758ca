package com.gluu.kpi.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.alerts.AlertRecord;
import com.gluu.kpi.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The kpi.alerts upsert against a real PostgreSQL: content follows the newest transition, delivery columns are never touched. */
class AlertsTableITCase {
    private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    private static TestDatabase db;

    @BeforeAll
    static void startDatabase() {
        db = TestDatabase.startMigrated();
    }

    @AfterAll
    static void stopDatabase() {
        db.close();
    }

    @BeforeEach
    void emptyTables() throws Exception {
        db.truncateKpiTables();
    }

    static AlertRecord record(int seq, String state, double value) {
        AlertRecord r = new AlertRecord();
        r.alertId = "ecs_error_rate:analyze-api:" + T0;
        r.rule = "ecs_error_rate";
        r.severity = "critical";
        r.labelsJson = "{\"service\":\"analyze-api\"}";
        r.state = state;
        r.startedAt = T0;
        r.value = value;
        r.threshold = 0.01;
        r.summary = "error rate " + value;
        r.notifySeq = seq;
        r.transitionAt = T0 + (seq - 1) * 3_600_000L;
        if (AlertRecord.RESOLVED.equals(state)) {
            r.resolvedAt = r.transitionAt;
        }
        return r;
    }

    private static void upsert(AlertRecord r) throws Exception {
        var table = KpiTables.ALERTS;
        try (Connection c = db.jdbc().connect(); PreparedStatement s = c.prepareStatement(table.sql())) {
            table.bind(s, r);
            s.executeUpdate();
        }
    }

    private static Map<String, Object> row() throws Exception {
        List<Map<String, Object>> rows = db.rows("SELECT state, (extract(epoch FROM resolved_at) * 1000)::bigint AS resolved_at, value, threshold, summary, notify_seq,"
                + " (extract(epoch FROM last_transition_at) * 1000)::bigint AS last_transition_at, labels->>'service' AS service, posthog_seq, posthog_attempts, posthog_last_error,"
                + " sns_seq, sns_attempts FROM kpi.alerts");
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }

    @Test
    void firingThenRepeatThenResolvedKeepsTheNewestContentAndNeverTouchesDelivery() throws Exception {
        upsert(record(1, AlertRecord.FIRING, 0.05));
        Map<String, Object> fired = row();
        assertThat(fired.get("state")).isEqualTo("firing");
        assertThat(fired.get("resolved_at")).isNull();
        assertThat(fired.get("notify_seq")).isEqualTo(1);
        assertThat(fired.get("service")).isEqualTo("analyze-api");
        assertThat(fired.get("posthog_seq")).isEqualTo(0);

        // The delivery loop delivered seq 1 to PostHog and failed twice on SNS.
        db.execute("UPDATE kpi.alerts SET posthog_seq = 1, posthog_attempts = 1, sns_attempts = 2,"
                + " posthog_last_error = 'earlier'");

        upsert(record(2, AlertRecord.FIRING, 0.07));
        upsert(record(3, AlertRecord.RESOLVED, 0.004));
        Map<String, Object> resolved = row();
        assertThat(resolved.get("state")).isEqualTo("resolved");
        assertThat(resolved.get("resolved_at")).isEqualTo(T0 + 7_200_000L);
        assertThat(resolved.get("value")).isEqualTo(0.004);
        assertThat(resolved.get("threshold")).isEqualTo(0.01);
        assertThat(resolved.get("summary")).isEqualTo("error rate 0.004");
        assertThat(resolved.get("notify_seq")).isEqualTo(3);
        assertThat(resolved.get("last_transition_at")).isEqualTo(T0 + 7_200_000L);
        // delivery columns exactly as the loop left them
        assertThat(resolved.get("posthog_seq")).isEqualTo(1);
        assertThat(resolved.get("posthog_attempts")).isEqualTo(1);
        assertThat(resolved.get("posthog_last_error")).isEqualTo("earlier");
        assertThat(resolved.get("sns_seq")).isEqualTo(0);
        assertThat(resolved.get("sns_attempts")).isEqualTo(2);
    }

    @Test
    void anInhibitedEpisodeIsRecordedAsDeliveredToNoChannelAndKeepsItsMark() throws Exception {
        AlertRecord fired = record(1, AlertRecord.FIRING, 0.05);
        fired.inhibitedBy = "source-episode";
        upsert(fired);
        AlertRecord resolved = record(2, AlertRecord.RESOLVED, 0.004);
        resolved.inhibitedBy = "source-episode";
        upsert(resolved);
        List<Map<String, Object>> rows = db.rows("SELECT inhibited_by, notify_seq, posthog_seq, sns_seq, posthog_delivered_at,"
                + " sns_delivered_at FROM kpi.alerts");
        assertThat(rows).hasSize(1);
        Map<String, Object> r = rows.get(0);
        assertThat(r.get("inhibited_by")).isEqualTo("source-episode");
        // nothing behind on either channel, and nothing was delivered
        assertThat(r.get("notify_seq")).isEqualTo(2);
        assertThat(r.get("posthog_seq")).isEqualTo(2);
        assertThat(r.get("sns_seq")).isEqualTo(2);
        assertThat(r.get("posthog_delivered_at")).isNull();
        assertThat(r.get("sns_delivered_at")).isNull();
    }

    @Test
    void aReplayOfAnOlderTransitionChangesNothing() throws Exception {
        upsert(record(1, AlertRecord.FIRING, 0.05));
        upsert(record(3, AlertRecord.RESOLVED, 0.004));
        db.execute("UPDATE kpi.alerts SET posthog_seq = 3, sns_seq = 3");

        upsert(record(1, AlertRecord.FIRING, 0.05)); // replay from an older checkpoint
        upsert(record(3, AlertRecord.RESOLVED, 0.004)); // and the same transition again
        Map<String, Object> after = row();
        assertThat(after.get("state")).isEqualTo("resolved");
        assertThat(after.get("value")).isEqualTo(0.004);
        assertThat(after.get("notify_seq")).isEqualTo(3);
        assertThat(after.get("posthog_seq")).isEqualTo(3);
        assertThat(after.get("sns_seq")).isEqualTo(3);
    }

    @Test
    void aMissingValueIsNullAndMissingLabelsAreAnEmptyObject() throws Exception {
        AlertRecord r = record(1, AlertRecord.FIRING, Double.NaN);
        r.threshold = Double.NaN;
        r.labelsJson = null;
        upsert(r);
        assertThat(db.rows("SELECT value, threshold, labels::text AS labels FROM kpi.alerts"))
                .containsExactly(java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>() {{
                    put("value", null);
                    put("threshold", null);
                    put("labels", "{}");
                }}));
    }
}
