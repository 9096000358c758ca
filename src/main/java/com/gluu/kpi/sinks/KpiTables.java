package com.gluu.kpi.sinks;

import static com.gluu.kpi.sinks.UpsertTable.SqlType.BIGINT;
import static com.gluu.kpi.sinks.UpsertTable.SqlType.BYTEA;
import static com.gluu.kpi.sinks.UpsertTable.SqlType.DOUBLE;
import static com.gluu.kpi.sinks.UpsertTable.SqlType.DOUBLE_OR_NULL;
import static com.gluu.kpi.sinks.UpsertTable.SqlType.INTEGER;
import static com.gluu.kpi.sinks.UpsertTable.SqlType.JSONB;
import static com.gluu.kpi.sinks.UpsertTable.SqlType.TEXT;
import static com.gluu.kpi.sinks.UpsertTable.SqlType.TIMESTAMPTZ;
import static com.gluu.kpi.sinks.UpsertTable.SqlType.TIMESTAMPTZ_OR_NULL;

import com.gluu.kpi.accuracy.AccuracyRow;
import com.gluu.kpi.alerts.AlertEvidence;
import com.gluu.kpi.alerts.AlertNotification;
import com.gluu.kpi.alerts.AlertRecord;
import com.gluu.kpi.cost.CostRow;
import com.gluu.kpi.cost.TenantUsageRow;
import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.health.EndpointHealthRow;
import com.gluu.kpi.latency.LatencyRow;
import com.gluu.kpi.latency.LatencySketches;
import com.gluu.kpi.latency.StoredSketch;
import com.gluu.kpi.slo.SloRow;
import com.gluu.kpi.traffic.TrafficRow;

/**
 * The column list of each table the job writes (keys and columns as in SPEC §4 and {@code sql/}),
 * in the table's column order; {@link UpsertTable} makes each one's upsert statement from it.
 * Every KPI table is keyed by its window and dimensions, and stamps {@code updated_at} itself.
 */
public final class KpiTables {
    private KpiTables() {}

    /** {@code kpi.latency}, keyed by window, service, model, endpoint and stage. */
    public static final UpsertTable<LatencyRow> LATENCY = UpsertTable.<LatencyRow>into("kpi.latency")
            .column("window_start", TIMESTAMPTZ, r -> r.windowStart).key()
            .column("window_end", TIMESTAMPTZ, r -> r.windowEnd).key()
            .column("service", TEXT, r -> r.service).key()
            .column("model", TEXT, r -> r.model).key()
            .column("endpoint", TEXT, r -> r.endpoint).key()
            .column("stage", TEXT, r -> r.stage).key()
            .column("count", BIGINT, r -> r.count)
            .column("p50_ms", DOUBLE, r -> r.p50Ms)
            .column("p90_ms", DOUBLE, r -> r.p90Ms)
            .column("p95_ms", DOUBLE, r -> r.p95Ms)
            .column("p99_ms", DOUBLE, r -> r.p99Ms)
            .column("max_ms", DOUBLE, r -> r.maxMs)
            .column("mean_ms", DOUBLE, r -> r.meanMs)
            // The row carries the sketch as Flink state does; the column holds format 1 (SQL merges it).
            .column("sketch", BYTEA, r -> StoredSketch.encode(LatencySketches.fromBytes(r.sketch)))
            .now("updated_at")
            .build();

    /** {@code kpi.traffic}, keyed by window, service, route, model and endpoint. */
    public static final UpsertTable<TrafficRow> TRAFFIC = UpsertTable.<TrafficRow>into("kpi.traffic")
            .column("window_start", TIMESTAMPTZ, r -> r.windowStart).key()
            .column("window_end", TIMESTAMPTZ, r -> r.windowEnd).key()
            .column("service", TEXT, r -> r.service).key()
            .column("route", TEXT, r -> r.route).key()
            .column("model", TEXT, r -> r.model).key()
            .column("endpoint", TEXT, r -> r.endpoint).key()
            .column("requests", BIGINT, r -> r.requests)
            .column("ok", BIGINT, r -> r.ok)
            .column("client_errors", BIGINT, r -> r.clientErrors)
            .column("errors", BIGINT, r -> r.errors)
            .column("error_rate", DOUBLE, r -> r.errorRate)
            .column("async_requests", BIGINT, r -> r.asyncRequests)
            .column("images", BIGINT, r -> r.images)
            .now("updated_at")
            .build();

    /** {@code kpi.accuracy}, keyed by window, model and model version. */
    public static final UpsertTable<AccuracyRow> ACCURACY = UpsertTable.<AccuracyRow>into("kpi.accuracy")
            .column("window_start", TIMESTAMPTZ, r -> r.windowStart).key()
            .column("window_end", TIMESTAMPTZ, r -> r.windowEnd).key()
            .column("model", TEXT, r -> r.model).key()
            .column("model_version", TEXT, r -> r.modelVersion).key()
            .column("feedback", BIGINT, r -> r.feedback)
            .column("correct", BIGINT, r -> r.correct)
            .column("partial", BIGINT, r -> r.partial)
            .column("incorrect", BIGINT, r -> r.incorrect)
            .column("accuracy", DOUBLE, r -> r.accuracy)
            .now("updated_at")
            .build();

    /** {@code kpi.cost}, keyed by window, model and endpoint; a NaN ratio or idle share is NULL. */
    public static final UpsertTable<CostRow> COST = UpsertTable.<CostRow>into("kpi.cost")
            .column("window_start", TIMESTAMPTZ, r -> r.windowStart).key()
            .column("window_end", TIMESTAMPTZ, r -> r.windowEnd).key()
            .column("model", TEXT, r -> r.model).key()
            .column("endpoint", TEXT, r -> r.endpoint).key()
            .column("requests", BIGINT, r -> r.requests)
            .column("llm_usd", DOUBLE, r -> r.llmUsd)
            .column("hosting_usd", DOUBLE, r -> r.hostingUsd)
            .column("compute_usd", DOUBLE, r -> r.computeUsd)
            .column("total_usd", DOUBLE, r -> r.totalUsd)
            .column("usd_per_inference", DOUBLE_OR_NULL, r -> r.usdPerInference)
            .column("idle_hosting_usd", DOUBLE_OR_NULL, r -> r.idleHostingUsd)
            .now("updated_at")
            .build();

    /** {@code kpi.tenant_usage} (sql/V12), keyed by window and client_id. */
    public static final UpsertTable<TenantUsageRow> TENANT_USAGE = UpsertTable.<TenantUsageRow>into("kpi.tenant_usage")
            .column("window_start", TIMESTAMPTZ, r -> r.windowStart).key()
            .column("window_end", TIMESTAMPTZ, r -> r.windowEnd).key()
            .column("client_id", TEXT, r -> r.clientId).key()
            .column("requests", BIGINT, r -> r.requests)
            .column("errors", BIGINT, r -> r.errors)
            .column("images", BIGINT, r -> r.images)
            .column("prompt_tokens", BIGINT, r -> r.promptTokens)
            .column("completion_tokens", BIGINT, r -> r.completionTokens)
            .column("llm_usd", DOUBLE, r -> r.llmUsd)
            .column("allocated_usd", DOUBLE, r -> r.allocatedUsd)
            .column("total_usd", DOUBLE, r -> r.totalUsd)
            .column("usd_per_request", DOUBLE, r -> r.usdPerRequest)
            .now("updated_at")
            .build();

    /** {@code kpi.endpoint_health}, keyed by window and endpoint; a NaN uptime_ratio is NULL. */
    public static final UpsertTable<EndpointHealthRow> ENDPOINT_HEALTH =
            UpsertTable.<EndpointHealthRow>into("kpi.endpoint_health")
                    .column("window_start", TIMESTAMPTZ, r -> r.windowStart).key()
                    .column("window_end", TIMESTAMPTZ, r -> r.windowEnd).key()
                    .column("endpoint", TEXT, r -> r.endpoint).key()
                    .column("in_service_seconds", DOUBLE, r -> r.inServiceSeconds)
                    .column("uptime_ratio", DOUBLE_OR_NULL, r -> r.uptimeRatio)
                    .column("restarts", BIGINT, r -> r.restarts)
                    .column("failures", BIGINT, r -> r.failures)
                    .now("updated_at")
                    .build();

    /** {@code kpi.slo}, keyed by window, service and SLO; a NaN budget (no requests in the period) is NULL. */
    public static final UpsertTable<SloRow> SLO = UpsertTable.<SloRow>into("kpi.slo")
            .column("window_start", TIMESTAMPTZ, r -> r.windowStart).key()
            .column("window_end", TIMESTAMPTZ, r -> r.windowEnd).key()
            .column("service", TEXT, r -> r.service).key()
            .column("slo", TEXT, r -> r.slo).key()
            .column("requests", BIGINT, r -> r.requests)
            .column("bad", BIGINT, r -> r.bad)
            .column("period_requests", BIGINT, r -> r.periodRequests)
            .column("period_bad", BIGINT, r -> r.periodBad)
            .column("objective", DOUBLE, r -> r.objective)
            .column("budget_consumed", DOUBLE_OR_NULL, r -> r.budgetConsumed)
            .column("budget_remaining", DOUBLE_OR_NULL, r -> r.budgetRemaining)
            .now("updated_at")
            .build();

    /**
     * {@code kpi.alerts}, keyed by alert_id: the episode's latest transition. The row is also the
     * notification outbox, so the upsert never takes the delivery columns ({@code posthog_*},
     * {@code sns_*}) back: a replay does not re-deliver and a delivery written back meanwhile is
     * kept. An inhibited episode ({@code inhibited_by}) is written as delivered up to its
     * notify_seq on both channels, with no delivery time: recorded, marked, never sent.
     * A transition older than the stored one (a replay behind the row) changes nothing; the
     * {@code GREATEST} keeps notify_seq from going back even so.
     */
    public static final UpsertTable<AlertRecord> ALERTS = UpsertTable.<AlertRecord>into("kpi.alerts")
            .column("alert_id", TEXT, r -> r.alertId).key()
            .column("rule", TEXT, r -> r.rule).insertOnly()
            .column("severity", TEXT, r -> r.severity).insertOnly()
            .column("labels", JSONB, r -> r.labelsJson == null || r.labelsJson.isEmpty() ? "{}" : r.labelsJson)
                    .insertOnly()
            .column("state", TEXT, r -> r.state)
            .column("started_at", TIMESTAMPTZ, r -> r.startedAt).insertOnly()
            .column("resolved_at", TIMESTAMPTZ_OR_NULL, r -> r.resolvedAt)
            .column("value", DOUBLE_OR_NULL, r -> r.value)
            .column("threshold", DOUBLE_OR_NULL, r -> r.threshold)
            .column("summary", TEXT, r -> r.summary == null ? "" : r.summary)
            .column("notify_seq", INTEGER, r -> r.notifySeq)
                    .onConflict("GREATEST(kpi.alerts.notify_seq, EXCLUDED.notify_seq)")
            .column("last_transition_at", TIMESTAMPTZ, r -> r.transitionAt)
            .column("inhibited_by", TEXT, r -> r.inhibitedBy)
                    .onConflict("COALESCE(kpi.alerts.inhibited_by, EXCLUDED.inhibited_by)")
            .column("posthog_seq", INTEGER, KpiTables::deliveredSeq)
                    .onConflict("GREATEST(kpi.alerts.posthog_seq, EXCLUDED.posthog_seq)")
            .column("sns_seq", INTEGER, KpiTables::deliveredSeq)
                    .onConflict("GREATEST(kpi.alerts.sns_seq, EXCLUDED.sns_seq)")
            .column("group_id", TEXT, r -> r.groupId)
            .now("updated_at")
            .where("EXCLUDED.notify_seq >= kpi.alerts.notify_seq")
            .build();

    /** The delivery sequence a new alert row starts with: nothing to send for an inhibited episode. */
    private static int deliveredSeq(AlertRecord r) {
        return r.inhibitedBy == null ? 0 : r.notifySeq;
    }

    /**
     * {@code kpi.alert_notifications}, keyed by notification id: the grouped SNS messages. A replay
     * writes the same ids; it may refresh a message not yet sent but never touches the delivery
     * columns or a message already sent or held.
     */
    public static final UpsertTable<AlertNotification> ALERT_NOTIFICATIONS =
            UpsertTable.<AlertNotification>into("kpi.alert_notifications")
                    .column("notification_id", TEXT, n -> n.notificationId).key()
                    .column("group_labels", JSONB, n -> n.groupLabelsJson == null || n.groupLabelsJson.isEmpty()
                            ? "{}" : n.groupLabelsJson)
                    .column("opened_at", TIMESTAMPTZ, n -> n.openedAt)
                    .column("due_at", TIMESTAMPTZ, n -> n.dueAt)
                    .column("members", JSONB, n -> n.membersJson)
                    .column("member_count", INTEGER, n -> n.memberCount)
                    .column("firing_in_group", INTEGER, n -> n.firingInGroup)
                    .now("updated_at")
                    .where("kpi.alert_notifications.sns_state = 'pending'")
                    .build();

    /** {@code kpi.alert_evidence}, keyed by alert and request; a NaN value is NULL. */
    public static final UpsertTable<AlertEvidence> ALERT_EVIDENCE =
            UpsertTable.<AlertEvidence>into("kpi.alert_evidence")
                    .column("alert_id", TEXT, e -> e.alertId).key()
                    .column("request_id", TEXT, e -> e.requestId).key()
                    .column("ts", TIMESTAMPTZ, e -> e.ts)
                    .column("value", DOUBLE_OR_NULL, e -> e.value)
                    .build();

    /**
     * {@code kpi.dead_letters}, keyed by the record's place in its source. A replay rewrites the
     * same row; {@code received_at} keeps the time the record was first rejected.
     */
    public static final UpsertTable<DeadLetter> DEAD_LETTERS = UpsertTable.<DeadLetter>into("kpi.dead_letters")
            .column("id", TEXT, d -> d.id).key()
            .now("received_at").insertOnly()
            .column("reason", TEXT, d -> d.reason)
            .column("detail", TEXT, d -> d.detail)
            .column("raw", TEXT, d -> d.raw)
            .column("event_id", TEXT, d -> d.eventId)
            .column("event_ts", TIMESTAMPTZ_OR_NULL, d -> d.eventTs)
            .build();

    /**
     * {@code kpi.jobs} (sql/V11), keyed by (window_start, window_end, service, kind); a duration
     * without values is NULL, and {@code e2e_sketch} holds {@link StoredSketch} format 1.
     */
    public static final UpsertTable<com.gluu.kpi.jobs.JobsRow> JOBS = UpsertTable.<com.gluu.kpi.jobs.JobsRow>into("kpi.jobs")
            .column("window_start", TIMESTAMPTZ, r -> r.windowStart).key()
            .column("window_end", TIMESTAMPTZ, r -> r.windowEnd).key()
            .column("service", TEXT, r -> r.service).key()
            .column("kind", TEXT, r -> r.kind).key()
            .column("submitted", BIGINT, r -> r.submitted)
            .column("completed", BIGINT, r -> r.completed)
            .column("failed", BIGINT, r -> r.failed)
            .column("webhooks_sent", BIGINT, r -> r.webhooksSent)
            .column("webhooks_failed", BIGINT, r -> r.webhooksFailed)
            .column("queue_p95_ms", DOUBLE_OR_NULL, r -> r.queueP95Ms)
            .column("run_p95_ms", DOUBLE_OR_NULL, r -> r.runP95Ms)
            .column("e2e_p50_ms", DOUBLE_OR_NULL, r -> r.e2eP50Ms)
            .column("e2e_p95_ms", DOUBLE_OR_NULL, r -> r.e2eP95Ms)
            .column("e2e_p99_ms", DOUBLE_OR_NULL, r -> r.e2eP99Ms)
            .column("e2e_sketch", BYTEA, r -> r.e2eSketch == null ? null : StoredSketch.encode(LatencySketches.fromBytes(r.e2eSketch)))
            .column("open_at_end", BIGINT, r -> r.openAtEnd)
            .column("stuck_at_end", BIGINT, r -> r.stuckAtEnd)
            .column("oldest_open_seconds", DOUBLE, r -> r.oldestOpenSeconds)
            .now("updated_at")
            .build();
}
