package com.gluu.kpi.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static com.gluu.kpi.sinks.UpsertTable.SqlType.TEXT;

import com.gluu.kpi.alerts.AlertRecord;
import com.gluu.kpi.traffic.TrafficRow;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Map;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/**
 * The statements {@link UpsertTable} generates from {@link KpiTables}' column lists, compared with
 * the SQL as it was written out by hand before the tables had column lists; and the binding and
 * key that follow from the same lists.
 */
class UpsertTableTest {
    /** {@link AlertsTableITCase#record}'s episode start, 2026-01-01T00:00:00Z. */
    private static final long T0 = 1_767_225_600_000L;

    @Test
    void theKpiTablesStatementsAreTheHandWrittenOnes() {
        assertThat(KpiTables.TRAFFIC.sql()).isEqualTo(
                "INSERT INTO kpi.traffic (window_start, window_end, service, route, model, endpoint, requests, ok,"
                        + " client_errors, errors, error_rate, async_requests, images, updated_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
                        + " ON CONFLICT (window_start, window_end, service, route, model, endpoint) DO UPDATE SET"
                        + " requests = EXCLUDED.requests, ok = EXCLUDED.ok, client_errors = EXCLUDED.client_errors,"
                        + " errors = EXCLUDED.errors, error_rate = EXCLUDED.error_rate,"
                        + " async_requests = EXCLUDED.async_requests, images = EXCLUDED.images, updated_at = now()");
        assertThat(KpiTables.LATENCY.sql()).isEqualTo(
                "INSERT INTO kpi.latency (window_start, window_end, service, model, endpoint, stage, count,"
                        + " p50_ms, p90_ms, p95_ms, p99_ms, max_ms, mean_ms, sketch, updated_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
                        + " ON CONFLICT (window_start, window_end, service, model, endpoint, stage) DO UPDATE SET"
                        + " count = EXCLUDED.count, p50_ms = EXCLUDED.p50_ms, p90_ms = EXCLUDED.p90_ms,"
                        + " p95_ms = EXCLUDED.p95_ms, p99_ms = EXCLUDED.p99_ms, max_ms = EXCLUDED.max_ms,"
                        + " mean_ms = EXCLUDED.mean_ms, sketch = EXCLUDED.sketch, updated_at = now()");
        assertThat(KpiTables.ACCURACY.sql()).isEqualTo(
                "INSERT INTO kpi.accuracy (window_start, window_end, model, model_version, feedback, correct, partial,"
                        + " incorrect, accuracy, updated_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
                        + " ON CONFLICT (window_start, window_end, model, model_version) DO UPDATE SET"
                        + " feedback = EXCLUDED.feedback, correct = EXCLUDED.correct, partial = EXCLUDED.partial,"
                        + " incorrect = EXCLUDED.incorrect, accuracy = EXCLUDED.accuracy, updated_at = now()");
        assertThat(KpiTables.COST.sql()).isEqualTo(
                "INSERT INTO kpi.cost (window_start, window_end, model, endpoint, requests, llm_usd, hosting_usd,"
                        + " compute_usd, total_usd, usd_per_inference, idle_hosting_usd, updated_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
                        + " ON CONFLICT (window_start, window_end, model, endpoint) DO UPDATE SET"
                        + " requests = EXCLUDED.requests, llm_usd = EXCLUDED.llm_usd, hosting_usd = EXCLUDED.hosting_usd,"
                        + " compute_usd = EXCLUDED.compute_usd, total_usd = EXCLUDED.total_usd,"
                        + " usd_per_inference = EXCLUDED.usd_per_inference, idle_hosting_usd = EXCLUDED.idle_hosting_usd,"
                        + " updated_at = now()");
        assertThat(KpiTables.TENANT_USAGE.sql()).isEqualTo(
                "INSERT INTO kpi.tenant_usage (window_start, window_end, client_id, requests, errors, images,"
                        + " prompt_tokens, completion_tokens, llm_usd, allocated_usd, total_usd, usd_per_request, updated_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
                        + " ON CONFLICT (window_start, window_end, client_id) DO UPDATE SET"
                        + " requests = EXCLUDED.requests, errors = EXCLUDED.errors, images = EXCLUDED.images,"
                        + " prompt_tokens = EXCLUDED.prompt_tokens, completion_tokens = EXCLUDED.completion_tokens,"
                        + " llm_usd = EXCLUDED.llm_usd, allocated_usd = EXCLUDED.allocated_usd,"
                        + " total_usd = EXCLUDED.total_usd, usd_per_request = EXCLUDED.usd_per_request,"
                        + " updated_at = now()");
        assertThat(KpiTables.ENDPOINT_HEALTH.sql()).isEqualTo(
                "INSERT INTO kpi.endpoint_health (window_start, window_end, endpoint, in_service_seconds, uptime_ratio,"
                        + " restarts, failures, updated_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, now())"
                        + " ON CONFLICT (window_start, window_end, endpoint) DO UPDATE SET"
                        + " in_service_seconds = EXCLUDED.in_service_seconds, uptime_ratio = EXCLUDED.uptime_ratio,"
                        + " restarts = EXCLUDED.restarts, failures = EXCLUDED.failures, updated_at = now()");
        assertThat(KpiTables.SLO.sql()).isEqualTo(
                "INSERT INTO kpi.slo (window_start, window_end, service, slo, requests, bad, period_requests,"
                        + " period_bad, objective, budget_consumed, budget_remaining, updated_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
                        + " ON CONFLICT (window_start, window_end, service, slo) DO UPDATE SET"
                        + " requests = EXCLUDED.requests, bad = EXCLUDED.bad, period_requests = EXCLUDED.period_requests,"
                        + " period_bad = EXCLUDED.period_bad, objective = EXCLUDED.objective,"
                        + " budget_consumed = EXCLUDED.budget_consumed, budget_remaining = EXCLUDED.budget_remaining,"
                        + " updated_at = now()");
        assertThat(KpiTables.JOBS.sql()).isEqualTo(
                "INSERT INTO kpi.jobs (window_start, window_end, service, kind, submitted, completed, failed,"
                        + " webhooks_sent, webhooks_failed, queue_p95_ms, run_p95_ms, e2e_p50_ms, e2e_p95_ms, e2e_p99_ms,"
                        + " e2e_sketch, open_at_end, stuck_at_end, oldest_open_seconds, updated_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
                        + " ON CONFLICT (window_start, window_end, service, kind) DO UPDATE SET"
                        + " submitted = EXCLUDED.submitted, completed = EXCLUDED.completed, failed = EXCLUDED.failed,"
                        + " webhooks_sent = EXCLUDED.webhooks_sent, webhooks_failed = EXCLUDED.webhooks_failed,"
                        + " queue_p95_ms = EXCLUDED.queue_p95_ms, run_p95_ms = EXCLUDED.run_p95_ms,"
                        + " e2e_p50_ms = EXCLUDED.e2e_p50_ms, e2e_p95_ms = EXCLUDED.e2e_p95_ms,"
                        + " e2e_p99_ms = EXCLUDED.e2e_p99_ms, e2e_sketch = EXCLUDED.e2e_sketch,"
                        + " open_at_end = EXCLUDED.open_at_end, stuck_at_end = EXCLUDED.stuck_at_end,"
                        + " oldest_open_seconds = EXCLUDED.oldest_open_seconds, updated_at = now()");
    }

    @Test
    void insertOnlyColumnsSqlValuesAndConditionsAreTheHandWrittenOnes() {
        assertThat(KpiTables.DEAD_LETTERS.sql()).isEqualTo(
                "INSERT INTO kpi.dead_letters (id, received_at, reason, detail, raw, event_id, event_ts)"
                        + " VALUES (?, now(), ?, ?, ?, ?, ?)"
                        + " ON CONFLICT (id) DO UPDATE SET reason = EXCLUDED.reason, detail = EXCLUDED.detail,"
                        + " raw = EXCLUDED.raw, event_id = EXCLUDED.event_id, event_ts = EXCLUDED.event_ts");
        assertThat(KpiTables.ALERT_EVIDENCE.sql()).isEqualTo(
                "INSERT INTO kpi.alert_evidence (alert_id, request_id, ts, value) VALUES (?, ?, ?, ?)"
                        + " ON CONFLICT (alert_id, request_id) DO UPDATE SET ts = EXCLUDED.ts, value = EXCLUDED.value");
        assertThat(KpiTables.ALERT_NOTIFICATIONS.sql()).isEqualTo(
                "INSERT INTO kpi.alert_notifications (notification_id, group_labels, opened_at, due_at, members,"
                        + " member_count, firing_in_group, updated_at) VALUES (?, ?::jsonb, ?, ?, ?::jsonb, ?, ?, now())"
                        + " ON CONFLICT (notification_id) DO UPDATE SET group_labels = EXCLUDED.group_labels,"
                        + " opened_at = EXCLUDED.opened_at, due_at = EXCLUDED.due_at, members = EXCLUDED.members,"
                        + " member_count = EXCLUDED.member_count, firing_in_group = EXCLUDED.firing_in_group,"
                        + " updated_at = now()"
                        + " WHERE kpi.alert_notifications.sns_state = 'pending'");
        // As written by hand, with the SET list in column order (group_id after sns_seq): Postgres
        // evaluates every SET expression on the stored row, so their order does not matter.
        assertThat(KpiTables.ALERTS.sql()).isEqualTo(
                "INSERT INTO kpi.alerts (alert_id, rule, severity, labels, state, started_at, resolved_at, value,"
                        + " threshold, summary, notify_seq, last_transition_at, inhibited_by, posthog_seq, sns_seq, group_id,"
                        + " updated_at)"
                        + " VALUES (?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
                        + " ON CONFLICT (alert_id) DO UPDATE SET"
                        + " state = EXCLUDED.state, resolved_at = EXCLUDED.resolved_at, value = EXCLUDED.value,"
                        + " threshold = EXCLUDED.threshold, summary = EXCLUDED.summary,"
                        + " notify_seq = GREATEST(kpi.alerts.notify_seq, EXCLUDED.notify_seq),"
                        + " last_transition_at = EXCLUDED.last_transition_at,"
                        + " inhibited_by = COALESCE(kpi.alerts.inhibited_by, EXCLUDED.inhibited_by),"
                        + " posthog_seq = GREATEST(kpi.alerts.posthog_seq, EXCLUDED.posthog_seq),"
                        + " sns_seq = GREATEST(kpi.alerts.sns_seq, EXCLUDED.sns_seq), group_id = EXCLUDED.group_id,"
                        + " updated_at = now()"
                        + " WHERE EXCLUDED.notify_seq >= kpi.alerts.notify_seq");
    }

    @Test
    void anInhibitedAlertIsBoundAsDeliveredWithItsNullsAndDefaults() {
        AlertRecord r = AlertsTableITCase.record(3, AlertRecord.FIRING, 0.25); // started at T0, now T0 + 2 h
        r.labelsJson = "";
        r.threshold = Double.NaN;
        r.summary = null;
        r.inhibitedBy = "endpoint_down";
        r.groupId = "g-7";

        Map<Integer, Object> bound = RowText.boundValues(KpiTables.ALERTS, r);

        assertThat(bound).hasSize(16);
        // Labels "" as {}, no resolved_at (MIN_VALUE) and a NaN threshold as NULL, no summary as "",
        // and both delivery sequences at notify_seq: an inhibited episode is never sent.
        assertThat(Arrays.asList(bound.values().toArray())).containsExactly("ecs_error_rate:analyze-api:" + T0,
                "ecs_error_rate", "critical", "{}", "firing", OffsetDateTime.parse("2026-01-01T00:00:00Z"), null, 0.25,
                null, "", 3, OffsetDateTime.parse("2026-01-01T02:00:00Z"), "endpoint_down", 3, 3, "g-7");
        assertThat(KpiTables.ALERTS.key(r)).isEqualTo("ecs_error_rate:analyze-api:" + T0);
    }

    @Test
    void aTableSurvivesJavaSerializationAsTheSinkIsShippedToItsTaskManagers() throws Exception {
        AlertRecord r = AlertsTableITCase.record(1, AlertRecord.FIRING, 0.5);
        UpsertTable<AlertRecord> shipped = InstantiationUtil.clone(KpiTables.ALERTS);

        assertThat(shipped.sql()).isEqualTo(KpiTables.ALERTS.sql());
        assertThat(RowText.boundValues(shipped, r)).isEqualTo(RowText.boundValues(KpiTables.ALERTS, r));
    }

    @Test
    void aColumnListThatCannotMakeAnUpsertFailsWhenBuilt() {
        assertThatThrownBy(() -> UpsertTable.<TrafficRow>into("kpi.t").column("a", TEXT, r -> r.service).build())
                .hasMessageContaining("at least one key column");
        assertThatThrownBy(() -> UpsertTable.<TrafficRow>into("kpi.t").column("a", TEXT, r -> r.service).key().build())
                .hasMessageContaining("no column to update");
        assertThatThrownBy(() -> UpsertTable.<TrafficRow>into("kpi.t")
                        .column("a", TEXT, r -> r.service).column("a", TEXT, r -> r.route))
                .hasMessageContaining("kpi.t.a is declared twice");
        assertThatThrownBy(() -> UpsertTable.<TrafficRow>into("kpi.t").key())
                .hasMessageContaining("qualify the column before them");
        assertThatThrownBy(() -> UpsertTable.<TrafficRow>into("kpi.t").now("updated_at").key())
                .hasMessageContaining("a key column comes from the row");
    }
}
