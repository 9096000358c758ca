package com.gluu.kpi.sinks.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.testing.CloudWatchLogsStandIn;
import com.gluu.kpi.testing.TestDatabase;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The job on a MiniCluster with CloudWatch configured to the Logs stand-in: the Postgres rows are
 * those of a run without CloudWatch, the EMF records carry exactly the 1-minute rows of the KPI
 * tables, and with CloudWatch down the rows are still the same and every record is counted lost.
 */
class CloudWatchMetricsITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static final Path SAMPLES = Paths.get("src/test/resources/samples/events.jsonl");
    static final ObjectMapper JSON = new ObjectMapper();
    static TestDatabase db;

    /** Every KPI table as text, without updated_at. */
    static final String SNAPSHOT = "SELECT 'latency' AS t, x::text AS row FROM (SELECT window_start, window_end, service,"
            + " model, endpoint, stage, count, p50_ms, p95_ms, p99_ms, max_ms, mean_ms FROM kpi.latency) x"
            + " UNION ALL SELECT 'traffic', x::text FROM (SELECT window_start, window_end, service, route, model, endpoint,"
            + " requests, ok, client_errors, errors, error_rate, async_requests, images FROM kpi.traffic) x"
            + " UNION ALL SELECT 'cost', x::text FROM (SELECT window_start, window_end, model, endpoint, requests, total_usd,"
            + " usd_per_inference, idle_hosting_usd FROM kpi.cost) x"
            + " UNION ALL SELECT 'accuracy', x::text FROM (SELECT window_start, window_end, model, model_version, feedback,"
            + " accuracy FROM kpi.accuracy) x"
            + " UNION ALL SELECT 'health', x::text FROM (SELECT window_start, window_end, endpoint, in_service_seconds,"
            + " uptime_ratio, restarts, failures FROM kpi.endpoint_health) x ORDER BY 1, 2";

    @BeforeAll
    static void start() {
        db = TestDatabase.startMigrated();
        System.setProperty("aws.accessKeyId", "AKIDTEST");
        System.setProperty("aws.secretAccessKey", "test-secret");
    }

    @AfterAll
    static void stop() {
        db.close();
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    @AfterEach
    void removeLogAppender() {
        CloudWatchLogging.uninstall();
    }

    List<Map<String, Object>> replay(CloudWatchSettings cloudWatch) throws Exception {
        db.truncateKpiTables();
        KpiJob.replayFile(JobConfig.defaults(), SAMPLES, db.jdbc(), cloudWatch);
        return db.rows(SNAPSHOT);
    }

    /** The 1-minute rows of the KPI tables, each as "kpi|dimensions|window start ms" → metric values. */
    Map<String, Map<String, Double>> oneMinuteRowsInPostgres() throws Exception {
        Map<String, Map<String, Double>> rows = new TreeMap<>();
        String oneMinute = " WHERE window_end - window_start = interval '1 minute'";
        String ms = "(extract(epoch FROM window_start) * 1000)::bigint AS ws";
        for (Map<String, Object> r : db.rows("SELECT " + ms + ", service, model, endpoint, stage, count, p95_ms, p99_ms"
                + " FROM kpi.latency" + oneMinute)) {
            rows.put("latency|" + r.get("service") + "|" + r.get("model") + "|" + r.get("endpoint") + "|" + r.get("stage")
                    + "|" + r.get("ws"), values("latency_samples", r.get("count"), "p95_latency_ms", r.get("p95_ms"),
                    "p99_latency_ms", r.get("p99_ms")));
        }
        for (Map<String, Object> r : db.rows("SELECT " + ms + ", service, route, model, endpoint, requests, errors,"
                + " error_rate FROM kpi.traffic" + oneMinute)) {
            rows.put("traffic|" + r.get("service") + "|" + r.get("route") + "|" + r.get("model") + "|" + r.get("endpoint")
                    + "|" + r.get("ws"), values("requests", r.get("requests"), "errors", r.get("errors"),
                    "error_rate", r.get("error_rate")));
        }
        for (Map<String, Object> r : db.rows("SELECT " + ms + ", model, endpoint, total_usd, usd_per_inference"
                + " FROM kpi.cost" + oneMinute)) {
            // The Fargate row has empty model and endpoint; CloudWatch takes no empty dimension value.
            rows.put("cost|" + noneIfEmpty(r.get("model")) + "|" + noneIfEmpty(r.get("endpoint")) + "|" + r.get("ws"),
                    values("total_cost_usd", r.get("total_usd"), "cost_per_inference_usd", r.get("usd_per_inference")));
        }
        for (Map<String, Object> r : db.rows("SELECT " + ms + ", model, model_version, feedback, accuracy"
                + " FROM kpi.accuracy" + oneMinute)) {
            String version = (String) r.get("model_version");
            rows.put("accuracy|" + r.get("model") + "|" + (version.isEmpty() ? "none" : version) + "|" + r.get("ws"),
                    values("feedback", r.get("feedback"), "accuracy", r.get("accuracy")));
        }
        for (Map<String, Object> r : db.rows("SELECT " + ms + ", endpoint, uptime_ratio, restarts, failures"
                + " FROM kpi.endpoint_health" + oneMinute)) {
            rows.put("endpoint_health|" + r.get("endpoint") + "|" + r.get("ws"), values("uptime_ratio", r.get("uptime_ratio"),
                    "restarts", r.get("restarts"), "failures", r.get("failures")));
        }
        return rows;
    }

    static String noneIfEmpty(Object dimension) {
        return dimension == null || dimension.toString().isEmpty() ? "none" : dimension.toString();
    }

    static Map<String, Double> values(Object... nameValue) {
        Map<String, Double> out = new TreeMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            if (nameValue[i + 1] != null) { // NULL in Postgres: no metric in EMF
                out.put((String) nameValue[i], ((Number) nameValue[i + 1]).doubleValue());
            }
        }
        return out;
    }

    /** The EMF records as the same keys and values, read the way CloudWatch would: by their _aws directive. */
    static Map<String, Map<String, Double>> emfRecords(List<CloudWatchLogsStandIn.LogEvent> events) throws Exception {
        Map<String, Map<String, Double>> rows = new TreeMap<>();
        List<String> checked = List.of("latency_samples", "p95_latency_ms", "p99_latency_ms", "requests", "errors",
                "error_rate", "total_cost_usd", "cost_per_inference_usd", "feedback", "accuracy", "uptime_ratio", "restarts",
                "failures");
        for (CloudWatchLogsStandIn.LogEvent e : events) {
            JsonNode emf = JSON.readTree(e.message());
            JsonNode directive = emf.path("_aws").path("CloudWatchMetrics").get(0);
            assertThat(directive.path("Namespace").asText()).isEqualTo("Gluu/Inference");
            List<String> key = new ArrayList<>();
            key.add(emf.path("kpi").asText());
            directive.path("Dimensions").get(0).forEach(d -> key.add(emf.path(d.asText()).asText()));
            key.add(emf.path("_aws").path("Timestamp").asText());
            Map<String, Double> metrics = new TreeMap<>();
            for (JsonNode m : directive.path("Metrics")) {
                String name = m.path("Name").asText();
                assertThat(emf.path(name).isNumber()).as(name).isTrue();
                if (checked.contains(name)) {
                    metrics.put(name, emf.path(name).asDouble());
                }
            }
            assertThat(rows.put(String.join("|", key), metrics)).as("one record per row: " + key).isNull();
        }
        return rows;
    }

    @Test
    void emfRecordsEqualTheOneMinuteRowsAndPostgresIsAsWithoutCloudWatch() throws Exception {
        List<Map<String, Object>> without = replay(null);
        try (CloudWatchLogsStandIn cw = new CloudWatchLogsStandIn()) {
            CloudWatchSettings settings = new CloudWatchSettings("gluu-it", "us-east-1", cw.url());
            List<Map<String, Object>> with = replay(settings);
            assertThat(with).isEqualTo(without).isNotEmpty();

            Map<String, Map<String, Double>> expected = oneMinuteRowsInPostgres();
            String metricsStream = CloudWatchMetricSinks.stream("gluu-kpi");
            assertThat(emfRecords(cw.events(metricsStream))).isEqualTo(expected);
            assertThat(expected.keySet()).anyMatch(k -> k.startsWith("latency|")).anyMatch(k -> k.startsWith("traffic|"))
                    .anyMatch(k -> k.startsWith("cost|")).anyMatch(k -> k.startsWith("endpoint_health|"));
            assertThat(cw.invalidRequests()).isZero();
            assertThat(SharedShippers.dropped("gluu-it", metricsStream)).isZero();
            // This JVM's log lines go to a stream of their own, as JSON: a WARN logged now (the tests log at WARN,
            // and which WARNs Flink itself writes during a job is Flink's business) must arrive there.
            LoggerFactory.getLogger(CloudWatchMetricsITCase.class).warn("marker after the replay");
            CloudWatchLogging.uninstall();
            String logStream = cw.streams("gluu-it").stream().filter(s -> s.startsWith("gluu-kpi/")).findFirst().orElseThrow();
            assertThat(cw.events(logStream)).allSatisfy(e ->
                    assertThat(JSON.readTree(e.message()).path("job").asText()).isEqualTo("gluu-kpi"))
                    .anySatisfy(e -> assertThat(JSON.readTree(e.message()).path("message").asText())
                            .isEqualTo("marker after the replay"));
        }
    }

    @Test
    void cloudWatchDownChangesNoRowAndEveryRecordIsCountedLost() throws Exception {
        List<Map<String, Object>> without = replay(null);
        int oneMinuteRows = oneMinuteRowsInPostgres().size();
        CloudWatchLogsStandIn gone = new CloudWatchLogsStandIn();
        String url = gone.url();
        gone.close(); // connection refused
        CloudWatchSettings settings = new CloudWatchSettings("gluu-down", "us-east-1", url);
        assertThat(replay(settings)).isEqualTo(without);
        assertThat(SharedShippers.dropped("gluu-down", CloudWatchMetricSinks.stream("gluu-kpi"))).isEqualTo(oneMinuteRows);
        assertThat(SharedShippers.sent("gluu-down", CloudWatchMetricSinks.stream("gluu-kpi"))).isZero();
    }
}
