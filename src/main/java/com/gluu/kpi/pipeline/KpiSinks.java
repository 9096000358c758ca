package com.gluu.kpi.pipeline;

import com.gluu.kpi.accuracy.AccuracyRow;
import com.gluu.kpi.alerts.AlertEvidence;
import com.gluu.kpi.alerts.AlertNotification;
import com.gluu.kpi.alerts.AlertRecord;
import com.gluu.kpi.cost.CostRow;
import com.gluu.kpi.cost.TenantUsageRow;
import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.health.EndpointHealthRow;
import com.gluu.kpi.latency.LatencyRow;
import com.gluu.kpi.slo.SloRow;
import com.gluu.kpi.traffic.TrafficRow;
import org.apache.flink.api.connector.sink2.Sink;

/** Where each output of the pipeline goes; production wires Postgres, tests may wire others. */
public interface KpiSinks {
    Sink<LatencyRow> latency();

    Sink<TrafficRow> traffic();

    Sink<AccuracyRow> accuracy();

    Sink<CostRow> cost();

    /** {@code kpi.tenant_usage}: usage and cost per calling tenant and window. */
    Sink<TenantUsageRow> tenantUsage();

    Sink<EndpointHealthRow> endpointHealth();

    /** {@code kpi.slo}: the error budget per service, SLO and hour (only when the rules file has SLOs). */
    Sink<SloRow> slo();

    Sink<AlertRecord> alerts();

    Sink<AlertEvidence> alertEvidence();

    /** The grouped SNS messages, when the rules file groups them. */
    Sink<AlertNotification> alertNotifications();

    Sink<DeadLetter> deadLetters();

    /** {@code kpi.jobs}: async job lifecycles per (service, kind) and window. */
    Sink<com.gluu.kpi.jobs.JobsRow> jobs();

    /** Where the KPI rows also go as metrics; null (the default) when no metrics are published. */
    default KpiMetricSinks metrics() {
        return null;
    }
}
