package com.gluu.kpi.sinks;

import com.gluu.kpi.accuracy.AccuracyRow;
import com.gluu.kpi.alerts.AlertEvidence;
import com.gluu.kpi.alerts.AlertNotification;
import com.gluu.kpi.alerts.AlertRecord;
import com.gluu.kpi.alerts.delivery.AlertOutbox;
import com.gluu.kpi.alerts.delivery.InJobAlertDelivery;
import com.gluu.kpi.cost.CostRow;
import com.gluu.kpi.cost.TenantUsageRow;
import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.health.EndpointHealthRow;
import com.gluu.kpi.latency.LatencyRow;
import com.gluu.kpi.slo.SloRow;
import com.gluu.kpi.pipeline.KpiMetricSinks;
import com.gluu.kpi.pipeline.KpiSinks;
import com.gluu.kpi.traffic.TrafficRow;
import org.apache.flink.api.connector.sink2.Sink;

/** Every output of the pipeline as upserts into its {@code kpi.*} table. */
public final class PostgresSinks implements KpiSinks {
    private final JdbcSettings jdbc;
    private final SinkOptions options;
    private final KpiMetricSinks metrics;
    private final boolean deliverAlerts;

    public PostgresSinks(JdbcSettings jdbc, SinkOptions options) {
        this(jdbc, options, null);
    }

    /** With {@code metrics} (null: none) publishing the KPI rows as metrics too. */
    public PostgresSinks(JdbcSettings jdbc, SinkOptions options, KpiMetricSinks metrics) {
        this(jdbc, options, metrics, false);
    }

    private PostgresSinks(JdbcSettings jdbc, SinkOptions options, KpiMetricSinks metrics, boolean deliverAlerts) {
        this.jdbc = jdbc;
        this.options = options;
        this.metrics = metrics;
        this.deliverAlerts = deliverAlerts;
    }

    /** The same sinks, with the alert outbox running inside the job ({@link InJobAlertDelivery}). */
    public PostgresSinks withAlertDelivery() {
        return new PostgresSinks(jdbc, options, metrics, true);
    }

    @Override
    public KpiMetricSinks metrics() {
        return metrics;
    }

    @Override
    public Sink<LatencyRow> latency() {
        return new PostgresUpsertSink<>("kpi.latency", jdbc, KpiTables.LATENCY, options);
    }

    @Override
    public Sink<TrafficRow> traffic() {
        return new PostgresUpsertSink<>("kpi.traffic", jdbc, KpiTables.TRAFFIC, options);
    }

    @Override
    public Sink<AccuracyRow> accuracy() {
        return new PostgresUpsertSink<>("kpi.accuracy", jdbc, KpiTables.ACCURACY, options);
    }

    @Override
    public Sink<CostRow> cost() {
        return new PostgresUpsertSink<>("kpi.cost", jdbc, KpiTables.COST, options);
    }

    @Override
    public Sink<TenantUsageRow> tenantUsage() {
        return new PostgresUpsertSink<>("kpi.tenant_usage", jdbc, KpiTables.TENANT_USAGE, options);
    }

    @Override
    public Sink<EndpointHealthRow> endpointHealth() {
        return new PostgresUpsertSink<>("kpi.endpoint_health", jdbc, KpiTables.ENDPOINT_HEALTH, options);
    }

    @Override
    public Sink<SloRow> slo() {
        return new PostgresUpsertSink<>("kpi.slo", jdbc, KpiTables.SLO, options);
    }

    @Override
    public Sink<AlertRecord> alerts() {
        Sink<AlertRecord> table = new PostgresUpsertSink<>("kpi.alerts", jdbc, KpiTables.ALERTS, options);
        // A bounded replay waits for delivery as long as `run` does in its own process.
        return deliverAlerts ? new InJobAlertDelivery(table, jdbc, AlertOutbox.END_OF_INPUT_WAIT, options.delivery) : table;
    }

    @Override
    public Sink<AlertEvidence> alertEvidence() {
        return new PostgresUpsertSink<>("kpi.alert_evidence", jdbc, KpiTables.ALERT_EVIDENCE, options);
    }

    @Override
    public Sink<AlertNotification> alertNotifications() {
        return new PostgresUpsertSink<>("kpi.alert_notifications", jdbc, KpiTables.ALERT_NOTIFICATIONS, options);
    }

    @Override
    public Sink<DeadLetter> deadLetters() {
        return new PostgresUpsertSink<>("kpi.dead_letters", jdbc, KpiTables.DEAD_LETTERS, options);
    }

    @Override
    public Sink<com.gluu.kpi.jobs.JobsRow> jobs() {
        return new PostgresUpsertSink<>("kpi.jobs", jdbc, KpiTables.JOBS, options);
    }
}
