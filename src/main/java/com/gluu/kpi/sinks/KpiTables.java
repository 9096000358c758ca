package com.gluu.kpi.sinks;

import com.gluu.kpi.accuracy.AccuracyRow;
import com.gluu.kpi.alerts.AlertEvidence;
import com.gluu.kpi.alerts.AlertNotification;
import com.gluu.kpi.alerts.AlertRecord;
import com.gluu.kpi.cost.CostRow;
import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.health.EndpointHealthRow;
import com.gluu.kpi.latency.LatencyRow;
import com.gluu.kpi.latency.LatencySketches;
import com.gluu.kpi.latency.StoredSketch;
import com.gluu.kpi.slo.SloRow;
import com.gluu.kpi.traffic.TrafficRow;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/** The upsert statement of each KPI table (keys and columns as in SPEC §4 and {@code sql/}). */
public final class KpiTables {
    private KpiTables() {}

    static OffsetDateTime time(long epochMillis) {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }

    /** A double column that is NULL where the row has NaN (no value, e.g. a ratio over zero). */
    static void setNullable(PreparedStatement s, int index, double value) throws SQLException {
        if (Double.isNaN(value)) {
            s.setNull(index, Types.DOUBLE);
        } else {
            s.setDouble(index, value);
        }
    }

    /**
     * {@code kpi.alerts}, keyed by alert_id: the episode's latest transition. The row is also the
     * notification outbox, so the upsert never takes the delivery columns ({@code posthog_*},
     * {@code sns_*}) back: a replay does not re-deliver and a delivery written back meanwhile is
     * kept. An inhibited episode ({@code inhibited_by}) is written as delivered up to its
     * notify_seq on both channels, with no delivery time: recorded, marked, never sent.
     * A transition older than the stored one (a replay behind the row) changes nothing; the
     * {@code GREATEST} keeps notify_seq from going back even so.
     */
    public static final class Alerts implements UpsertStatement<AlertRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public String sql() {
            return "INSERT INTO kpi.alerts (alert_id, rule, severity, labels, state, started_at, resolved_at, value,"
                    + " threshold, summary, notify_seq, last_transition_at, inhibited_by, posthog_seq, sns_seq, group_id,"
                    + " updated_at)"
                    + " VALUES (?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
                    + " ON CONFLICT (alert_id) DO UPDATE SET"
                    + " state = EXCLUDED.state, resolved_at = EXCLUDED.resolved_at, value = EXCLUDED.value,"
                    + " threshold = EXCLUDED.threshold, summary = EXCLUDED.summary,"
                    + " notify_seq = GREATEST(kpi.alerts.notify_seq, EXCLUDED.notify_seq),"
                    + " last_transition_at = EXCLUDED.last_transition_at, group_id = EXCLUDED.group_id,"
                    + " inhibited_by = COALESCE(kpi.alerts.inhibited_by, EXCLUDED.inhibited_by),"
                    + " posthog_seq = GREATEST(kpi.alerts.posthog_seq, EXCLUDED.posthog_seq),"
                    + " sns_seq = GREATEST(kpi.alerts.sns_seq, EXCLUDED.sns_seq), updated_at = now()"
                    + " WHERE EXCLUDED.notify_seq >= kpi.alerts.notify_seq";
        }

        @Override
        public Object key(AlertRecord r) {
            return r.alertId;
        }

        @Override
        public void bind(PreparedStatement s, AlertRecord r) throws SQLException {
            s.setString(1, r.alertId);
            s.setString(2, r.rule);
            s.setString(3, r.severity);
            s.setString(4, r.labelsJson == null || r.labelsJson.isEmpty() ? "{}" : r.labelsJson);
            s.setString(5, r.state);
            s.setObject(6, time(r.startedAt));
            if (r.resolvedAt == Long.MIN_VALUE) {
                s.setNull(7, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                s.setObject(7, time(r.resolvedAt));
            }
            setNullable(s, 8, r.value);
            setNullable(s, 9, r.threshold);
            s.setString(10, r.summary == null ? "" : r.summary);
            s.setInt(11, r.notifySeq);
            s.setObject(12, time(r.transitionAt));
            s.setString(13, r.inhibitedBy);
            int delivered = r.inhibitedBy == null ? 0 : r.notifySeq; // nothing to send for an inhibited episode
            s.setInt(14, delivered);
            s.setInt(15, delivered);
            s.setString(16, r.groupId);
        }
    }

    /**
     * {@code kpi.alert_notifications}, keyed by notification id: the grouped SNS messages. A replay
     * writes the same ids; it may refresh a message not yet sent but never touches the delivery
     * columns or a message already sent or held.
     */
    public static final class AlertNotifications implements UpsertStatement<AlertNotification> {
        private static final long serialVersionUID = 1L;

        @Override
        public String sql() {
            return "INSERT INTO kpi.alert_notifications (notification_id, group_labels, opened_at, due_at, members,"
                    + " member_count, firing_in_group, updated_at) VALUES (?, ?::jsonb, ?, ?, ?::jsonb, ?, ?, now())"
                    + " ON CONFLICT (notification_id) DO UPDATE SET group_labels = EXCLUDED.group_labels,"
                    + " opened_at = EXCLUDED.opened_at, due_at = EXCLUDED.due_at, members = EXCLUDED.members,"
                    + " member_count = EXCLUDED.member_count, firing_in_group = EXCLUDED.firing_in_group, updated_at = now()"
                    + " WHERE kpi.alert_notifications.sns_state = 'pending'";
        }

        @Override
        public Object key(AlertNotification n) {
            return n.notificationId;
        }

        @Override
        public void bind(PreparedStatement s, AlertNotification n) throws SQLException {
            s.setString(1, n.notificationId);
            s.setString(2, n.groupLabelsJson == null || n.groupLabelsJson.isEmpty() ? "{}" : n.groupLabelsJson);
            s.setObject(3, time(n.openedAt));
            s.setObject(4, time(n.dueAt));
            s.setString(5, n.membersJson);
            s.setInt(6, n.memberCount);
            s.setInt(7, n.firingInGroup);
        }
    }

    /** The upsert of {@code kpi.accuracy}, keyed by window, model and model version. */
    public static final class Accuracy implements UpsertStatement<AccuracyRow> {
        private static final long serialVersionUID = 1L;

        @Override
        public String sql() {
            return "INSERT INTO kpi.accuracy (window_start, window_end, model, model_version, feedback, correct, partial,"
                    + " incorrect, accuracy, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
                    + " ON CONFLICT (window_start, window_end, model, model_version) DO UPDATE SET"
                    + " feedback = EXCLUDED.feedback, correct = EXCLUDED.correct, partial = EXCLUDED.partial,"
                    + " incorrect = EXCLUDED.incorrect, accuracy = EXCLUDED.accuracy, updated_at = now()";
        }

        @Override
        public Object key(AccuracyRow r) {
            return List.of(r.windowStart, r.windowEnd, r.model, r.modelVersion);
        }

        @Override
        public void bind(PreparedStatement s, AccuracyRow r) throws SQLException {
            s.setObject(1, time(r.windowStart));
            s.setObject(2, time(r.windowEnd));
            s.setString(3, r.model);
            s.setString(4, r.modelVersion);
            s.setLong(5, r.feedback);
            s.setLong(6, r.correct);
            s.setLong(7, r.partial);
            s.setLong(8, r.incorrect);
            s.setDouble(9, r.accuracy);
        }
    }

    /** {@code kpi.endpoint_health}, keyed by window and endpoint; a NaN uptime_ratio is written as NULL. */
    public static final class EndpointHealth implements UpsertStatement<EndpointHealthRow> {
        private static final long serialVersionUID = 1L;

        @Override
        public String sql() {
            return "INSERT INTO kpi.endpoint_health (window_start, window_end, endpoint, in_service_seconds, uptime_ratio,"
                    + " restarts, failures, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, now())"
                    + " ON CONFLICT (window_start, window_end, endpoint) DO UPDATE SET"
                    + " in_service_seconds = EXCLUDED.in_service_seconds, uptime_ratio = EXCLUDED.uptime_ratio,"
                    + " restarts = EXCLUDED.restarts, failures = EXCLUDED.failures, updated_at = now()";
        }

        @Override
        public Object key(EndpointHealthRow r) {
            return List.of(r.windowStart, r.windowEnd, r.endpoint);
        }

        @Override
        public void bind(PreparedStatement s, EndpointHealthRow r) throws SQLException {
            s.setObject(1, time(r.windowStart));
            s.setObject(2, time(r.windowEnd));
            s.setString(3, r.endpoint);
            s.setDouble(4, r.inServiceSeconds);
            setNullable(s, 5, r.uptimeRatio);
            s.setLong(6, r.restarts);
            s.setLong(7, r.failures);
        }
    }

    /** {@code kpi.alert_evidence}, keyed by alert and request. */
    public static final class AlertEvidenceRows implements UpsertStatement<AlertEvidence> {
        private static final long serialVersionUID = 1L;

        @Override
        public String sql() {
            return "INSERT INTO kpi.alert_evidence (alert_id, request_id, ts, value) VALUES (?, ?, ?, ?)"
                    + " ON CONFLICT (alert_id, request_id) DO UPDATE SET ts = EXCLUDED.ts, value = EXCLUDED.value";
        }

        @Override
        public Object key(AlertEvidence e) {
            return List.of(e.alertId, e.requestId);
        }

        @Override
        public void bind(PreparedStatement s, AlertEvidence e) throws SQLException {
            s.setString(1, e.alertId);
            s.setString(2, e.requestId);
            s.setObject(3, time(e.ts));
            setNullable(s, 4, e.value);
        }
    }

    /** {@code kpi.cost}, keyed by window, model and endpoint. */
    public static final class Cost implements UpsertStatement<CostRow> {
        private static final long serialVersionUID = 1L;

        @Override
        public String sql() {
            return "INSERT INTO kpi.cost (window_start, window_end, model, endpoint, requests, llm_usd, hosting_usd,"
                    + " compute_usd, total_usd, usd_per_inference, idle_hosting_usd, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
                    + " ON CONFLICT (window_start, window_end, model, endpoint) DO UPDATE SET"
                    + " requests = EXCLUDED.requests, llm_usd = EXCLUDED.llm_usd, hosting_usd = EXCLUDED.hosting_usd,"
                    + " compute_usd = EXCLUDED.compute_usd, total_usd = EXCLUDED.total_usd,"
                    + " usd_per_inference = EXCLUDED.usd_per_inference, idle_hosting_usd = EXCLUDED.idle_hosting_usd,"
                    + " updated_at = now()";
        }

        @Override
        public Object key(CostRow r) {
            return List.of(r.windowStart, r.windowEnd, r.model, r.endpoint);
        }

        @Override
        public void bind(PreparedStatement s, CostRow r) throws SQLException {
            s.setObject(1, time(r.windowStart));
            s.setObject(2, time(r.windowEnd));
            s.setString(3, r.model);
            s.setString(4, r.endpoint);
            s.setLong(5, r.requests);
            s.setDouble(6, r.llmUsd);
            s.setDouble(7, r.hostingUsd);
            s.setDouble(8, r.computeUsd);
            s.setDouble(9, r.totalUsd);
            setNullable(s, 10, r.usdPerInference);
            setNullable(s, 11, r.idleHostingUsd);
        }
    }

    /** {@code kpi.latency}, keyed by window, service, model, endpoint and stage. */
    public static final class Latency implements UpsertStatement<LatencyRow> {
        private static final long serialVersionUID = 1L;

        @Override
        public String sql() {
            return "INSERT INTO kpi.latency (window_start, window_end, service, model, endpoint, stage, count,"
                    + " p50_ms, p90_ms, p95_ms, p99_ms, max_ms, mean_ms, sketch, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
                    + " ON CONFLICT (window_start, window_end, service, model, endpoint, stage) DO UPDATE SET"
                    + " count = EXCLUDED.count, p50_ms = EXCLUDED.p50_ms, p90_ms = EXCLUDED.p90_ms,"
                    + " p95_ms = EXCLUDED.p95_ms, p99_ms = EXCLUDED.p99_ms, max_ms = EXCLUDED.max_ms,"
                    + " mean_ms = EXCLUDED.mean_ms, sketch = EXCLUDED.sketch, updated_at = now()";
        }

        @Override
        public Object key(LatencyRow r) {
            return List.of(r.windowStart, r.windowEnd, r.service, r.model, r.endpoint, r.stage);
        }

        @Override
        public void bind(PreparedStatement s, LatencyRow r) throws SQLException {
            s.setObject(1, time(r.windowStart));
            s.setObject(2, time(r.windowEnd));
            s.setString(3, r.service);
            s.setString(4, r.model);
            s.setString(5, r.endpoint);
            s.setString(6, r.stage);
            s.setLong(7, r.count);
            s.setDouble(8, r.p50Ms);
            s.setDouble(9, r.p90Ms);
            s.setDouble(10, r.p95Ms);
            s.setDouble(11, r.p99Ms);
            s.setDouble(12, r.maxMs);
            s.setDouble(13, r.meanMs);
            // The row carries the sketch as Flink state does; the column holds format 1 (SQL merges it).
            s.setBytes(14, StoredSketch.encode(LatencySketches.fromBytes(r.sketch)));
        }
    }

    /**
     * {@code kpi.slo}, keyed by window, service and SLO; a NaN budget (no requests in the period) is
     * written as NULL.
     */
    public static final class Slo implements UpsertStatement<SloRow> {
        private static final long serialVersionUID = 1L;

        @Override
        public String sql() {
            return "INSERT INTO kpi.slo (window_start, window_end, service, slo, requests, bad, period_requests,"
                    + " period_bad, objective, budget_consumed, budget_remaining, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
                    + " ON CONFLICT (window_start, window_end, service, slo) DO UPDATE SET"
                    + " requests = EXCLUDED.requests, bad = EXCLUDED.bad, period_requests = EXCLUDED.period_requests,"
                    + " period_bad = EXCLUDED.period_bad, objective = EXCLUDED.objective,"
                    + " budget_consumed = EXCLUDED.budget_consumed, budget_remaining = EXCLUDED.budget_remaining,"
                    + " updated_at = now()";
        }

        @Override
        public Object key(SloRow r) {
            return List.of(r.windowStart, r.windowEnd, r.service, r.slo);
        }

        @Override
        public void bind(PreparedStatement s, SloRow r) throws SQLException {
            s.setObject(1, time(r.windowStart));
            s.setObject(2, time(r.windowEnd));
            s.setString(3, r.service);
            s.setString(4, r.slo);
            s.setLong(5, r.requests);
            s.setLong(6, r.bad);
            s.setLong(7, r.periodRequests);
            s.setLong(8, r.periodBad);
            s.setDouble(9, r.objective);
            setNullable(s, 10, r.budgetConsumed);
            setNullable(s, 11, r.budgetRemaining);
        }
    }

    /** {@code kpi.traffic}, keyed by window, service, route, model and endpoint. */
    public static final class Traffic implements UpsertStatement<TrafficRow> {
        private static final long serialVersionUID = 1L;

        @Override
        public String sql() {
            return "INSERT INTO kpi.traffic (window_start, window_end, service, route, model, endpoint, requests, ok,"
                    + " client_errors, errors, error_rate, async_requests, images, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())"
                    + " ON CONFLICT (window_start, window_end, service, route, model, endpoint) DO UPDATE SET"
                    + " requests = EXCLUDED.requests, ok = EXCLUDED.ok, client_errors = EXCLUDED.client_errors,"
                    + " errors = EXCLUDED.errors, error_rate = EXCLUDED.error_rate,"
                    + " async_requests = EXCLUDED.async_requests, images = EXCLUDED.images, updated_at = now()";
        }

        @Override
        public Object key(TrafficRow r) {
            return List.of(r.windowStart, r.windowEnd, r.service, r.route, r.model, r.endpoint);
        }

        @Override
        public void bind(PreparedStatement s, TrafficRow r) throws SQLException {
            s.setObject(1, time(r.windowStart));
            s.setObject(2, time(r.windowEnd));
            s.setString(3, r.service);
            s.setString(4, r.route);
            s.setString(5, r.model);
            s.setString(6, r.endpoint);
            s.setLong(7, r.requests);
            s.setLong(8, r.ok);
            s.setLong(9, r.clientErrors);
            s.setLong(10, r.errors);
            s.setDouble(11, r.errorRate);
            s.setLong(12, r.asyncRequests);
            s.setLong(13, r.images);
        }
    }

    /**
     * {@code kpi.dead_letters}, keyed by the record's place in its source. A replay rewrites the
     * same row; {@code received_at} keeps the time the record was first rejected.
     */
    public static final class DeadLetters implements UpsertStatement<DeadLetter> {
        private static final long serialVersionUID = 1L;

        @Override
        public String sql() {
            return "INSERT INTO kpi.dead_letters (id, received_at, reason, detail, raw, event_id, event_ts)"
                    + " VALUES (?, now(), ?, ?, ?, ?, ?)"
                    + " ON CONFLICT (id) DO UPDATE SET reason = EXCLUDED.reason, detail = EXCLUDED.detail,"
                    + " raw = EXCLUDED.raw, event_id = EXCLUDED.event_id, event_ts = EXCLUDED.event_ts";
        }

        @Override
        public Object key(DeadLetter d) {
            return d.id;
        }

        @Override
        public void bind(PreparedStatement s, DeadLetter d) throws SQLException {
            s.setString(1, d.id);
            s.setString(2, d.reason);
            s.setString(3, d.detail);
            s.setString(4, d.raw);
            s.setString(5, d.eventId);
            if (d.eventTs == Long.MIN_VALUE) {
                s.setNull(6, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                s.setObject(6, time(d.eventTs));
            }
        }
    }

    /**
     * {@code kpi.jobs} (sql/V11), keyed by (window_start, window_end, service, kind); a duration
     * without values is NULL, and {@code e2e_sketch} holds {@link StoredSketch} format 1.
     */
    public static final class Jobs implements UpsertStatement<com.gluu.kpi.jobs.JobsRow> {
        private static final long serialVersionUID = 1L;
        private static final List<String> COLUMNS = List.of("submitted", "completed", "failed", "webhooks_sent",
                "webhooks_failed", "queue_p95_ms", "run_p95_ms", "e2e_p50_ms", "e2e_p95_ms", "e2e_p99_ms",
                "e2e_sketch", "open_at_end", "stuck_at_end", "oldest_open_seconds");

        @Override
        public String sql() {
            return "INSERT INTO kpi.jobs (window_start, window_end, service, kind, " + String.join(", ", COLUMNS)
                    + ", updated_at) VALUES (?, ?, ?, ?" + ", ?".repeat(COLUMNS.size()) + ", now())"
                    + " ON CONFLICT (window_start, window_end, service, kind) DO UPDATE SET "
                    + String.join(", ", COLUMNS.stream().map(c -> c + " = EXCLUDED." + c).toList())
                    + ", updated_at = now()";
        }

        @Override
        public Object key(com.gluu.kpi.jobs.JobsRow r) {
            return List.of(r.windowStart, r.windowEnd, r.service, r.kind);
        }

        @Override
        public void bind(PreparedStatement s, com.gluu.kpi.jobs.JobsRow r) throws SQLException {
            s.setObject(1, time(r.windowStart));
            s.setObject(2, time(r.windowEnd));
            s.setString(3, r.service);
            s.setString(4, r.kind);
            long[] counts = {r.submitted, r.completed, r.failed, r.webhooksSent, r.webhooksFailed};
            for (int i = 0; i < counts.length; i++) {
                s.setLong(5 + i, counts[i]);
            }
            double[] durations = {r.queueP95Ms, r.runP95Ms, r.e2eP50Ms, r.e2eP95Ms, r.e2eP99Ms};
            for (int i = 0; i < durations.length; i++) {
                setNullable(s, 10 + i, durations[i]);
            }
            s.setBytes(15, r.e2eSketch == null ? null : StoredSketch.encode(LatencySketches.fromBytes(r.e2eSketch)));
            s.setLong(16, r.openAtEnd);
            s.setLong(17, r.stuckAtEnd);
            s.setDouble(18, r.oldestOpenSeconds);
        }
    }
}
