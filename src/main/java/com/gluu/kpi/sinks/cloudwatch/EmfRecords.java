package com.gluu.kpi.sinks.cloudwatch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.gluu.kpi.accuracy.AccuracyRow;
import com.gluu.kpi.cost.CostRow;
import com.gluu.kpi.health.EndpointHealthRow;
import com.gluu.kpi.latency.LatencyRow;
import com.gluu.kpi.traffic.TrafficRow;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * KPI rows as CloudWatch embedded-metric-format records, namespace {@value #NAMESPACE}: one JSON
 * object per row whose {@code _aws} part tells CloudWatch which fields are metrics (with units)
 * and which are dimensions; CloudWatch extracts the metrics when the line arrives in a log
 * stream, so dashboards and alarms need no {@code PutMetricData}.
 *
 * <p>The dimension set of each record is its table's key without the window (so no two rows of a
 * window land in the same metric series): latency service/model/endpoint/stage, traffic
 * service/route/model/endpoint, cost model/endpoint, accuracy model/model_version,
 * endpoint health endpoint. The metric timestamp is the window's start, as CloudWatch buckets a
 * datapoint into the period that contains its timestamp. A value without meaning (NaN, e.g. cost
 * per inference of a window without requests) is left out, metric and definition both.
 */
public final class EmfRecords {
    public static final String NAMESPACE = "Gluu/Inference";
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmfRecords() {}

    /** A metric: name, unit and value. */
    record Metric(String name, String unit, double value) {}

    public static String latency(LatencyRow r) {
        Map<String, String> dims = new LinkedHashMap<>();
        dims.put("service", r.service);
        dims.put("model", r.model);
        dims.put("endpoint", r.endpoint);
        dims.put("stage", r.stage);
        return record("latency", r.windowStart, r.windowEnd, dims,
                new Metric("p50_latency_ms", "Milliseconds", r.p50Ms),
                new Metric("p95_latency_ms", "Milliseconds", r.p95Ms),
                new Metric("p99_latency_ms", "Milliseconds", r.p99Ms),
                new Metric("max_latency_ms", "Milliseconds", r.maxMs),
                new Metric("latency_samples", "Count", r.count));
    }

    public static String traffic(TrafficRow r) {
        Map<String, String> dims = new LinkedHashMap<>();
        dims.put("service", r.service);
        dims.put("route", r.route);
        dims.put("model", r.model);
        dims.put("endpoint", r.endpoint);
        return record("traffic", r.windowStart, r.windowEnd, dims,
                new Metric("requests", "Count", r.requests),
                new Metric("errors", "Count", r.errors),
                new Metric("client_errors", "Count", r.clientErrors),
                new Metric("error_rate", "None", r.errorRate));
    }

    public static String cost(CostRow r) {
        Map<String, String> dims = new LinkedHashMap<>();
        dims.put("model", r.model);
        dims.put("endpoint", r.endpoint);
        return record("cost", r.windowStart, r.windowEnd, dims,
                new Metric("cost_per_inference_usd", "None", r.usdPerInference),
                new Metric("total_cost_usd", "None", r.totalUsd),
                new Metric("cost_requests", "Count", r.requests),
                new Metric("idle_hosting_usd", "None", r.idleHostingUsd));
    }

    public static String accuracy(AccuracyRow r) {
        Map<String, String> dims = new LinkedHashMap<>();
        dims.put("model", r.model);
        dims.put("model_version", r.modelVersion);
        return record("accuracy", r.windowStart, r.windowEnd, dims,
                new Metric("accuracy", "None", r.accuracy),
                new Metric("feedback", "Count", r.feedback));
    }

    public static String endpointHealth(EndpointHealthRow r) {
        Map<String, String> dims = new LinkedHashMap<>();
        dims.put("endpoint", r.endpoint);
        return record("endpoint_health", r.windowStart, r.windowEnd, dims,
                new Metric("uptime_ratio", "None", r.uptimeRatio),
                new Metric("restarts", "Count", r.restarts),
                new Metric("failures", "Count", r.failures));
    }

    static String record(String kpi, long windowStart, long windowEnd, Map<String, String> dims, Metric... metrics) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode aws = root.putObject("_aws");
        aws.put("Timestamp", windowStart);
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", NAMESPACE);
        ArrayNode dimensionSet = directive.putArray("Dimensions").addArray();
        dims.keySet().forEach(dimensionSet::add);
        ArrayNode definitions = directive.putArray("Metrics");
        // CloudWatch refuses an empty dimension value (e.g. an absent model_version).
        dims.forEach((k, v) -> root.put(k, v == null || v.isEmpty() ? "none" : v));
        for (Metric m : metrics) {
            if (Double.isNaN(m.value()) || Double.isInfinite(m.value())) {
                continue;
            }
            definitions.addObject().put("Name", m.name()).put("Unit", m.unit());
            root.put(m.name(), m.value());
        }
        root.put("kpi", kpi);
        root.put("window_start", Instant.ofEpochMilli(windowStart).toString());
        root.put("window_end", Instant.ofEpochMilli(windowEnd).toString());
        return root.toString();
    }
}
