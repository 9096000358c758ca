package com.gluu.kpi.sinks.cloudwatch;

import com.gluu.kpi.accuracy.AccuracyRow;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.cost.CostRow;
import com.gluu.kpi.health.EndpointHealthRow;
import com.gluu.kpi.latency.LatencyRow;
import com.gluu.kpi.pipeline.KpiMetricSinks;
import com.gluu.kpi.sinks.KpiTables;
import com.gluu.kpi.sinks.UpsertStatement;
import com.gluu.kpi.traffic.TrafficRow;
import java.time.Duration;
import java.util.Collections;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The KPI rows of the shortest window (1 minute by default) as EMF records in the log stream
 * {@code <job>-metrics} of the CloudWatch log group. Longer windows are left to CloudWatch, which
 * aggregates the 1-minute datapoints over any period (sums exactly; for percentiles it can only
 * take the maximum or average of the per-minute values — the exact hourly p95 is in
 * {@code kpi.latency}). Only a window's on-time firing is published ({@link FirstFiring}).
 */
public final class CloudWatchMetricSinks implements KpiMetricSinks {
    private static final long serialVersionUID = 1L;

    private final CloudWatchSettings settings;
    private final String job;

    public CloudWatchMetricSinks(CloudWatchSettings settings, String job) {
        this.settings = settings;
        this.job = job;
    }

    /** The metrics stream of a job. */
    public static String stream(String job) {
        return job + "-metrics";
    }

    @Override
    public void attach(DataStream<LatencyRow> latency, DataStream<TrafficRow> traffic, DataStream<AccuracyRow> accuracy,
            DataStream<CostRow> cost, DataStream<EndpointHealthRow> endpointHealth, JobConfig config) {
        long window = Collections.min(config.get(JobConfig.WINDOWS)).toMillis();
        Duration lateness = config.get(JobConfig.ALLOWED_LATENESS);
        publish("latency", latency, LatencyRow.class, KpiTables.LATENCY, r -> r.windowEnd - r.windowStart == window,
                r -> r.windowEnd, EmfRecords::latency, lateness);
        publish("traffic", traffic, TrafficRow.class, KpiTables.TRAFFIC, r -> r.windowEnd - r.windowStart == window,
                r -> r.windowEnd, EmfRecords::traffic, lateness);
        publish("accuracy", accuracy, AccuracyRow.class, KpiTables.ACCURACY,
                r -> r.windowEnd - r.windowStart == window, r -> r.windowEnd, EmfRecords::accuracy, lateness);
        publish("cost", cost, CostRow.class, KpiTables.COST, r -> r.windowEnd - r.windowStart == window,
                r -> r.windowEnd, EmfRecords::cost, lateness);
        publish("endpoint-health", endpointHealth, EndpointHealthRow.class, KpiTables.ENDPOINT_HEALTH,
                r -> r.windowEnd - r.windowStart == window, r -> r.windowEnd, EmfRecords::endpointHealth, lateness);
    }

    private <T> void publish(String kpi, DataStream<T> rows, Class<T> type, UpsertStatement<T> table,
            FilterFunction<T> shortestWindow, KeySelector<T, Long> windowEnd, EmfSink.Format<T> format, Duration lateness) {
        TypeInformation<T> info = TypeInformation.of(type);
        rows.filter(shortestWindow).name("metrics " + kpi + ": shortest window")
                .keyBy(new RowKey<>(table), Types.STRING)
                .process(new FirstFiring<>(windowEnd, lateness.toMillis()), info)
                .uid("metrics-" + kpi + "-first-firing").name("metrics " + kpi + ": on-time firing")
                .sinkTo(new EmfSink<>(settings, job, stream(job), format))
                .uid("metrics-" + kpi + "-emf").name("cloudwatch " + kpi + " EMF");
    }

    /** A row's table key (window and dimensions) as a string. */
    private static final class RowKey<T> implements KeySelector<T, String> {
        private static final long serialVersionUID = 1L;
        private final UpsertStatement<T> table;

        RowKey(UpsertStatement<T> table) {
            this.table = table;
        }

        @Override
        public String getKey(T row) {
            return String.valueOf(table.key(row));
        }
    }
}
