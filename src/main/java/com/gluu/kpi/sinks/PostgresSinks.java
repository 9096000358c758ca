package com.gluu.kpi.sinks;

import com.gluu.kpi.accuracy.AccuracyRow;
import com.gluu.kpi.alerts.AlertEvidence;
import com.gluu.kpi.alerts.AlertNotification;
import com.gluu.kpi.alerts.AlertRecord;
import com.gluu.kpi.alerts.delivery.AlertOutbox;
import com.gluu.kpi.alerts.delivery.InJobAlertDelivery;
import com.gluu.kpi.cost.CostRow;
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
        return new PostgresUpsertSink<>("kpi.latency", jdbc, new KpiTables.Latency(), options);
    }

    @Override
    public Sink<TrafficRow> traffic() {
        return new PostgresUpsertSink<>("kpi.traffic", jdbc, new KpiTables.Traffic(), options);
    }

    @Override
    public Sink<AccuracyRow> accuracy() {
        return new PostgresUpsertSink<>("kpi.accuracy", jdbc, new KpiTables.Accuracy(), options);
    }

    @Override
    public Sink<CostRow> cost() {
        return new PostgresUpsertSink<>("kpi.cost", jdbc, new KpiTables.Cost(), options);
    }

    @Override
    public Sink<EndpointHealthRow> endpointHealth() {
        return new PostgresUpsertSink<>("kpi.endpoint_health", jdbc, new KpiTables.EndpointHealth(), options);
    }

    @Override
    public Sink<SloRow> slo() {
        return new PostgresUpsertSink<>("kpi.slo", jdbc, new KpiTables.Slo(), options);
    }

    @Override
    public Sink<AlertRecord> alerts() {
        Sink<AlertRecord> table = new PostgresUpsertSink<>("kpi.alerts", jdbc, new KpiTables.Alerts(), options);
        // A bounded replay waits for delivery as long as `run` does in its own process.
        return deliverAlerts ? new InJobAlertDelivery(table, jdbc, AlertOutbox.END_OF_INPUT_WAIT, options.delivery) : table;
    }

    @Override
    public Sink<AlertEvidence> alertEvidence() {
        return new PostgresUpsertSink<>("kpi.alert_evidence", jdbc, new KpiTables.AlertEvidenceRows(), options);
    }

    @Override
    public Sink<AlertNotification> alertNotifications() {
        return new PostgresUpsertSink<>("kpi.alert_notifications", jdbc, new KpiTables.AlertNotifications(), options);
    }

    @Override
    public Sink<DeadLetter> deadLetters() {
        return new PostgresUpsertSink<>("kpi.dead_letters", jdbc, new KpiTables.DeadLetters(), options);
    }

    @Override
    public Sink<com.gluu.kpi.jobs.JobsRow> jobs() {
        return new PostgresUpsertSink<>("kpi.jobs", jdbc, new KpiTables.Jobs(), options);
    }
}
