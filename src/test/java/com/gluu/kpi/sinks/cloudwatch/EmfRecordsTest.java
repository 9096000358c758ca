package com.gluu.kpi.sinks.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.accuracy.AccuracyRow;
import com.gluu.kpi.cost.CostRow;
import com.gluu.kpi.latency.LatencyRow;
import com.gluu.kpi.traffic.TrafficRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmfRecordsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long START = Instant.parse("2026-11-22T08:00:00Z").toEpochMilli();
    static final long END = Instant.parse("2026-11-22T08:01:00Z").toEpochMilli();

    static List<String> names(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(field == null ? n.asText() : n.path(field).asText()));
        return out;
    }

    @Test
    void latencyRowBecomesPercentileMetricsUnderItsFourDimensions() throws Exception {
        LatencyRow r = new LatencyRow();
        r.windowStart = START;
        r.windowEnd = END;
        r.service = "analyze-api";
        r.model = "blip2";
        r.endpoint = "blip2-endpoint";
        r.stage = "total";
        r.count = 3;
        r.p50Ms = 6234;
        r.p95Ms = 29000;
        r.p99Ms = 30000;
        r.maxMs = 30000;
        JsonNode emf = JSON.readTree(EmfRecords.latency(r));
        JsonNode directive = emf.path("_aws").path("CloudWatchMetrics").get(0);
        assertThat(emf.path("_aws").path("Timestamp").asLong()).isEqualTo(1795334400000L); // 2026-11-22T08:00Z
        assertThat(directive.path("Namespace").asText()).isEqualTo("Gluu/Inference");
        assertThat(names(directive.path("Dimensions").get(0), null)).containsExactly("service", "model", "endpoint", "stage");
        assertThat(names(directive.path("Metrics"), "Name"))
                .containsExactly("p50_latency_ms", "p95_latency_ms", "p99_latency_ms", "max_latency_ms", "latency_samples");
        assertThat(names(directive.path("Metrics"), "Unit"))
                .containsExactly("Milliseconds", "Milliseconds", "Milliseconds", "Milliseconds", "Count");
        assertThat(emf.path("service").asText()).isEqualTo("analyze-api");
        assertThat(emf.path("stage").asText()).isEqualTo("total");
        assertThat(emf.path("p95_latency_ms").asDouble()).isEqualTo(29000.0);
        assertThat(emf.path("p99_latency_ms").asDouble()).isEqualTo(30000.0);
        assertThat(emf.path("latency_samples").asDouble()).isEqualTo(3.0);
        assertThat(emf.path("window_end").asText()).isEqualTo("2026-11-22T08:01:00Z");
    }

    @Test
    void trafficRowCarriesRequestsErrorsAndTheErrorRate() throws Exception {
        TrafficRow r = new TrafficRow();
        r.windowStart = START;
        r.windowEnd = END;
        r.service = "analyze-api";
        r.route = "/analyze";
        r.model = "blip2";
        r.endpoint = "blip2-endpoint";
        r.requests = 3;
        r.errors = 1;
        r.clientErrors = 1;
        r.errorRate = 1.0 / 3;
        JsonNode emf = JSON.readTree(EmfRecords.traffic(r));
        JsonNode directive = emf.path("_aws").path("CloudWatchMetrics").get(0);
        assertThat(names(directive.path("Dimensions").get(0), null)).containsExactly("service", "route", "model", "endpoint");
        assertThat(names(directive.path("Metrics"), "Name")).containsExactly("requests", "errors", "client_errors", "error_rate");
        assertThat(emf.path("requests").asDouble()).isEqualTo(3.0);
        assertThat(emf.path("error_rate").asDouble()).isEqualTo(1.0 / 3);
    }

    @Test
    void aValueWithoutMeaningIsLeftOutAndAnEmptyDimensionIsNamedNone() throws Exception {
        CostRow cost = new CostRow();
        cost.windowStart = START;
        cost.windowEnd = END;
        cost.model = "*";
        cost.endpoint = "llava-endpoint";
        cost.totalUsd = 0.25;
        // usdPerInference and idleHostingUsd stay NaN (no requests, not the '*' row)
        JsonNode emf = JSON.readTree(EmfRecords.cost(cost));
        JsonNode directive = emf.path("_aws").path("CloudWatchMetrics").get(0);
        assertThat(names(directive.path("Metrics"), "Name")).containsExactly("total_cost_usd", "cost_requests");
        assertThat(emf.has("cost_per_inference_usd")).isFalse();
        assertThat(emf.path("total_cost_usd").asDouble()).isEqualTo(0.25);

        AccuracyRow acc = new AccuracyRow();
        acc.windowStart = START;
        acc.windowEnd = END;
        acc.model = "unmatched";
        acc.modelVersion = "";
        acc.feedback = 4;
        acc.accuracy = 0.625;
        JsonNode a = JSON.readTree(EmfRecords.accuracy(acc));
        assertThat(a.path("model_version").asText()).isEqualTo("none");
        assertThat(a.path("accuracy").asDouble()).isEqualTo(0.625);
        assertThat(names(a.path("_aws").path("CloudWatchMetrics").get(0).path("Dimensions").get(0), null))
                .containsExactly("model", "model_version");
    }
}
