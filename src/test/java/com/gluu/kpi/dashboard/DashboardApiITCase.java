package com.gluu.kpi.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.db.Migrations;
import com.gluu.kpi.sinks.JdbcSettings;
import com.gluu.kpi.sinks.cloudwatch.CloudWatchSettings;
import com.gluu.kpi.testing.ExpectedKpis;
import com.gluu.kpi.testing.ExpectedOperations;
import com.gluu.kpi.testing.GeneratedTrace;
import com.gluu.kpi.testing.OperationsTrace;
import com.gluu.kpi.testing.PostgresExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code api/dashboard} over HTTP, served as a login granted only {@code kpi_reader}, on a real
 * PostgreSQL into which two generated traces were replayed through the real job: a
 * {@link GeneratedTrace} (three services, errors, three latency stages, late and bad records)
 * and, two days later, an {@link OperationsTrace} (feedback, endpoint failures and restarts, an
 * idle endpoint, Fargate tasks). Every number is checked against what {@link ExpectedKpis} and
 * {@link ExpectedOperations} compute from the generators' own record of each event; the
 * percentiles against the exact percentiles of the raw latencies, within the sketches' 1 %.
 * Alerts, which no generator predicts, are checked against the tables read as their owner.
 */
class DashboardApiITCase {
    private static final long MINUTE = 60_000L;
    private static final long HOUR = 60 * MINUTE;
    private static final double ACCURACY = 0.01; // DDSketch relative accuracy (SPEC §4)
    /** Far from any clock this test runs on: dead letters without an event time sit at "now". */
    private static final Instant GENERATED_START = Instant.parse("2025-03-10T08:00:00Z");
    private static final Instant OPERATIONS_START = Instant.parse("2025-03-12T08:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @TempDir
    static Path tmp;

    static GeneratedTrace generated;
    static ExpectedKpis expected;
    static ExpectedOperations operations;
    static JdbcSettings reader;
    static DashboardServer server;

    @BeforeAll
    static void replayBothTracesAndServeThemAsAReader() throws Exception {
        generated = GeneratedTrace.generate(7, GENERATED_START, 3, 6_000);
        Path generatedFile = tmp.resolve("generated.jsonl");
        generated.writeTo(generatedFile);
        expected = ExpectedKpis.of(generated, new long[] {MINUTE, HOUR}, 30_000, 5 * MINUTE, 10 * MINUTE);
        KpiJob.replayFile(JobConfig.defaults(), generatedFile, POSTGRES.db().jdbc(), (CloudWatchSettings) null);

        OperationsTrace ops = OperationsTrace.generate(11, OPERATIONS_START, 1_500);
        Path opsFile = tmp.resolve("operations.jsonl");
        ops.writeTo(opsFile);
        Path pricing = tmp.resolve("pricing.yaml");
        Files.writeString(pricing, OperationsTrace.PRICING_YAML);
        JobConfig opsConfig = JobConfig.defaults().with(Map.of(JobConfig.PRICING_FILE.key(), pricing.toString(),
                JobConfig.ACCURACY_HORIZON.key(), "2h", JobConfig.ACCURACY_FEEDBACK_WAIT.key(), "10m"));
        operations = ExpectedOperations.of(ops, new long[] {MINUTE, HOUR}, 2 * HOUR, 10 * MINUTE);
        KpiJob.replayFile(opsConfig, opsFile, POSTGRES.db().jdbc(), (CloudWatchSettings) null);

        POSTGRES.db().execute("CREATE ROLE dashboard_login LOGIN IN ROLE kpi_reader");
        // The embedded server's URL carries user=postgres; the dashboard logs in as its own role.
        reader = new JdbcSettings(POSTGRES.db().jdbc().url().replaceAll("[?&]user=postgres", ""), "dashboard_login", null);
        Migrations.ensureCurrent(reader); // as `dashboard` does: a reader may only check the schema
        server = DashboardServer.start(reader, "127.0.0.1", 0, null);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static HttpResponse<String> get(String query) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.url() + "api/dashboard" + query)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode api(String query) throws Exception {
        HttpResponse<String> response = get(query);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static String range(Instant from, Instant to) {
        return "?from=" + from + "&to=" + to;
    }

    // ---- what the generators say -------------------------------------------------------------

    /** Traffic counts {requests, ok, client_errors, errors} of one window size, per service, in [from, to). */
    private static Map<String, long[]> trafficByService(long size, Instant from, Instant to, Predicate<String> service) {
        Map<String, long[]> out = new TreeMap<>();
        expected.traffic.forEach((key, c) -> {
            long start = (Long) key.get(0);
            if ((Long) key.get(1) - start != size || start < from.toEpochMilli() || start >= to.toEpochMilli()
                    || !service.test((String) key.get(2))) {
                return;
            }
            long[] sum = out.computeIfAbsent((String) key.get(2), k -> new long[4]);
            for (int i = 0; i < 4; i++) {
                sum[i] += c[i];
            }
        });
        return out;
    }

    /** Requests and errors per window start of one size, over the services {@code service} accepts. */
    private static Map<Long, long[]> trafficByWindow(long size, Instant from, Instant to, Predicate<String> service) {
        Map<Long, long[]> out = new TreeMap<>();
        expected.traffic.forEach((key, c) -> {
            long start = (Long) key.get(0);
            if ((Long) key.get(1) - start == size && start >= from.toEpochMilli() && start < to.toEpochMilli()
                    && service.test((String) key.get(2))) {
                long[] sum = out.computeIfAbsent(start, k -> new long[2]);
                sum[0] += c[0];
                sum[1] += c[3];
            }
        });
        return out;
    }

    /** Every latency value of one stage and window size whose window starts in [from, to), by what {@code group} makes of (window start, service). */
    private static <K> Map<K, List<Double>> latencies(long size, Instant from, Instant to, String stage,
            java.util.function.BiFunction<Long, String, K> group) {
        Map<K, List<Double>> out = new java.util.HashMap<>();
        expected.latency.forEach((key, values) -> {
            long start = (Long) key.get(0);
            if ((Long) key.get(1) - start == size && start >= from.toEpochMilli() && start < to.toEpochMilli()
                    && key.get(5).equals(stage)) {
                K k = group.apply(start, (String) key.get(2));
                if (k != null) {
                    out.computeIfAbsent(k, x -> new ArrayList<>()).addAll(values);
                }
            }
        });
        return out;
    }

    /**
     * A DDSketch quantile is within 1 % of the true value at rank ⌊q·(n−1)⌋ (SPEC §4): the value
     * at that rank of the sorted raw values, times 1 ± 1 %.
     */
    private static void assertQuantile(JsonNode actual, List<Double> raw, double q, String what) {
        List<Double> sorted = new ArrayList<>(raw);
        Collections.sort(sorted);
        double exact = sorted.get((int) Math.floor(q * (sorted.size() - 1)));
        assertThat(actual.isNumber()).as(what + " is a number").isTrue();
        assertThat(actual.asDouble()).as(what + " (exact %s)", exact)
                .isBetween(exact * (1 - ACCURACY) - 1e-9, exact * (1 + ACCURACY) + 1e-9);
    }

    private static double number(JsonNode n) {
        return n.isNull() ? Double.NaN : n.asDouble();
    }

    // ---- traffic and latency -----------------------------------------------------------------

    @Test
    void theSummaryPerServiceIsTheReplayedRequestsWithPercentilesOfTheirOwnLatencies() throws Exception {
        Instant from = GENERATED_START.plus(Duration.ofMinutes(30));
        Instant to = GENERATED_START.plus(Duration.ofMinutes(150));
        JsonNode answer = api(range(from, to));

        assertThat(answer.at("/range/window").asText()).isEqualTo("1m");
        assertThat(answer.at("/range/gridStart").asText()).isEqualTo(from.toString());
        assertThat(answer.at("/range/gridEnd").asText()).isEqualTo(to.toString());
        Map<String, long[]> traffic = trafficByService(MINUTE, from, to, s -> true);
        Map<String, List<Double>> totals = latencies(MINUTE, from, to, "total", (start, service) -> service);
        assertThat(traffic.keySet()).containsExactly("analyze-api", "annotate-worker", "thumbnail-worker");

        JsonNode summary = answer.get("summary");
        List<String> services = new ArrayList<>();
        summary.forEach(r -> services.add(r.get("service").asText()));
        assertThat(services).containsExactly("analyze-api", "annotate-worker", "thumbnail-worker", "*");
        long[] all = new long[4];
        List<Double> allLatencies = new ArrayList<>();
        for (JsonNode row : summary) {
            String service = row.get("service").asText();
            long[] want;
            List<Double> raw;
            if (service.equals("*")) {
                want = all;
                raw = allLatencies;
            } else {
                want = traffic.get(service);
                raw = totals.get(service);
                for (int i = 0; i < 4; i++) {
                    all[i] += want[i];
                }
                allLatencies.addAll(raw);
            }
            assertThat(row.get("requests").asLong()).as(service + " requests").isEqualTo(want[0]);
            assertThat(row.get("ok").asLong()).as(service + " ok").isEqualTo(want[1]);
            assertThat(row.get("clientErrors").asLong()).as(service + " client errors").isEqualTo(want[2]);
            assertThat(row.get("errors").asLong()).as(service + " errors").isEqualTo(want[3]);
            assertThat(row.get("errorRate").asDouble()).as(service + " error rate").isEqualTo(want[3] / (double) want[0]);
            assertThat(row.get("latencyCount").asLong()).as("every request has a total latency").isEqualTo(want[0]);
            assertQuantile(row.get("p50Ms"), raw, 0.50, service + " p50");
            assertQuantile(row.get("p95Ms"), raw, 0.95, service + " p95");
            assertQuantile(row.get("p99Ms"), raw, 0.99, service + " p99");
        }
        assertThat(all[3]).as("the trace has errors").isPositive();
    }

    @Test
    void requestsErrorRateAndEveryStagesPercentilesHaveOneValuePerMinute() throws Exception {
        Instant from = GENERATED_START.plus(Duration.ofMinutes(60));
        Instant to = GENERATED_START.plus(Duration.ofMinutes(100));
        JsonNode answer = api(range(from, to));

        JsonNode t = answer.get("t");
        assertThat(t).hasSize(40);
        Map<Long, long[]> traffic = trafficByWindow(MINUTE, from, to, s -> true);
        for (int w = 0; w < 40; w++) {
            long start = from.toEpochMilli() + w * MINUTE;
            assertThat(t.get(w).asLong()).isEqualTo(start / 1000);
            long[] want = traffic.get(start);
            assertThat(want).as("the trace has requests in every minute").isNotNull();
            assertThat(answer.at("/traffic/requests/" + w).asLong()).as("requests " + w).isEqualTo(want[0]);
            assertThat(answer.at("/traffic/errors/" + w).asLong()).as("errors " + w).isEqualTo(want[1]);
            assertThat(answer.at("/traffic/errorRate/" + w).asDouble()).isEqualTo(want[1] / (double) want[0]);
        }
        for (String stage : List.of("total", "model", "llm")) {
            Map<Long, List<Double>> byWindow = latencies(MINUTE, from, to, stage, (start, service) -> start);
            for (int w = 0; w < 40; w++) {
                List<Double> raw = byWindow.get(from.toEpochMilli() + w * MINUTE);
                assertThat(raw).as(stage + " values in window " + w).isNotEmpty();
                assertQuantile(answer.at("/latency/" + stage + "/p50/" + w), raw, 0.50, stage + " p50 " + w);
                assertQuantile(answer.at("/latency/" + stage + "/p95/" + w), raw, 0.95, stage + " p95 " + w);
                assertQuantile(answer.at("/latency/" + stage + "/p99/" + w), raw, 0.99, stage + " p99 " + w);
            }
        }
    }

    @Test
    void aServiceNarrowsTheSummaryAndTheSeriesToItButStillListsEveryService() throws Exception {
        Instant from = GENERATED_START.plus(Duration.ofMinutes(10));
        Instant to = GENERATED_START.plus(Duration.ofMinutes(40));
        JsonNode answer = api(range(from, to) + "&service=annotate-worker");

        assertThat(answer.get("services")).extracting(JsonNode::asText)
                .containsExactly("analyze-api", "annotate-worker", "thumbnail-worker");
        long[] want = trafficByService(MINUTE, from, to, "annotate-worker"::equals).get("annotate-worker");
        assertThat(answer.get("summary")).singleElement().satisfies(row -> {
            assertThat(row.get("service").asText()).isEqualTo("annotate-worker");
            assertThat(row.get("requests").asLong()).isEqualTo(want[0]);
            assertThat(row.get("errors").asLong()).isEqualTo(want[3]);
        });
        Map<Long, long[]> byWindow = trafficByWindow(MINUTE, from, to, "annotate-worker"::equals);
        Map<Long, List<Double>> p95 = latencies(MINUTE, from, to, "total",
                (start, service) -> service.equals("annotate-worker") ? start : null);
        for (int w = 0; w < 30; w++) {
            long start = from.toEpochMilli() + w * MINUTE;
            JsonNode requests = answer.at("/traffic/requests/" + w);
            if (byWindow.containsKey(start)) {
                assertThat(requests.asLong()).isEqualTo(byWindow.get(start)[0]);
                assertQuantile(answer.at("/latency/total/p95/" + w), p95.get(start), 0.95, "p95 " + w);
            } else {
                assertThat(requests.isNull()).as("no row, no value: " + w).isTrue();
            }
        }
    }

    @Test
    void aRangeLongerThanSixHoursReadsTheHourlyRows() throws Exception {
        Instant from = GENERATED_START.minus(Duration.ofHours(2));
        Instant to = GENERATED_START.plus(Duration.ofHours(6));
        JsonNode answer = api(range(from, to));

        assertThat(answer.at("/range/window").asText()).isEqualTo("1h");
        assertThat(answer.get("t")).hasSize(8);
        Map<Long, long[]> hourly = trafficByWindow(HOUR, from, to, s -> true);
        assertThat(hourly).hasSizeGreaterThanOrEqualTo(3);
        for (int w = 0; w < 8; w++) {
            long[] want = hourly.get(from.toEpochMilli() + w * HOUR);
            JsonNode requests = answer.at("/traffic/requests/" + w);
            assertThat(requests.isNull() ? null : requests.asLong()).as("hour " + w).isEqualTo(want == null ? null : want[0]);
        }
        long requests = hourly.values().stream().mapToLong(c -> c[0]).sum();
        JsonNode all = answer.get("summary").get(answer.get("summary").size() - 1);
        assertThat(all.get("service").asText()).isEqualTo("*");
        assertThat(all.get("requests").asLong()).isEqualTo(requests);
        List<Double> raw = new ArrayList<>();
        latencies(HOUR, from, to, "total", (start, service) -> "all").values().forEach(raw::addAll);
        assertQuantile(all.get("p95Ms"), raw, 0.95, "p95 over the hours");
        assertQuantile(all.get("p99Ms"), raw, 0.99, "p99 over the hours");
    }

    @Test
    void withoutARangeItShowsTheLastHourUpToTheNewestMinuteWritten() throws Exception {
        Instant newest = ((java.sql.Timestamp) POSTGRES.db().rows("SELECT max(window_end) AS t FROM kpi.traffic"
                + " WHERE window_end - window_start = interval '1 minute'").get(0).get("t")).toInstant();
        JsonNode answer = api("");
        assertThat(answer.at("/range/to").asText()).isEqualTo(newest.toString());
        assertThat(answer.at("/range/from").asText()).isEqualTo(newest.minus(Duration.ofHours(1)).toString());
        assertThat(answer.at("/range/live").asBoolean()).isTrue();
        assertThat(answer.get("t")).hasSize(60);
    }

    // ---- accuracy, cost, endpoints -----------------------------------------------------------

    @Test
    void accuracyCostAndEndpointHealthPerMinuteAreTheOperationsTracesOwn() throws Exception {
        Instant from = OPERATIONS_START;
        Instant to = OPERATIONS_START.plus(Duration.ofHours(3));
        JsonNode answer = api(range(from, to));
        assertThat(answer.at("/range/window").asText()).isEqualTo("1m");
        int windows = answer.get("t").size();
        assertThat(windows).isEqualTo(180);

        // accuracy per model, versions together: Σ feedback and Σ score / Σ feedback per minute
        Map<String, Map<Long, double[]>> accuracy = new TreeMap<>();
        operations.accuracy.forEach((key, v) -> {
            if ((Long) key.get(1) - (Long) key.get(0) == MINUTE) {
                double[] sum = accuracy.computeIfAbsent((String) key.get(2), k -> new TreeMap<>())
                        .computeIfAbsent((Long) key.get(0), k -> new double[2]);
                sum[0] += v[0];
                sum[1] += v[4];
            }
        });
        List<String> models = new ArrayList<>();
        answer.get("accuracy").forEach(m -> models.add(m.get("model").asText()));
        assertThat(models).containsExactlyElementsOf(accuracy.keySet()).contains("blip2", "unmatched");
        for (JsonNode m : answer.get("accuracy")) {
            String model = m.get("model").asText();
            assertThat(m.get("unmatched").asBoolean()).isEqualTo(model.equals("unmatched"));
            double feedback = 0;
            double score = 0;
            for (int w = 0; w < windows; w++) {
                double[] want = accuracy.get(model).get(from.toEpochMilli() + w * MINUTE);
                if (want == null) {
                    assertThat(m.get("feedback").get(w).isNull()).isTrue();
                    continue;
                }
                feedback += want[0];
                score += want[1];
                assertThat(m.get("feedback").get(w).asDouble()).as(model + " feedback " + w).isEqualTo(want[0]);
                assertThat(m.get("accuracy").get(w).asDouble()).as(model + " accuracy " + w)
                        .isCloseTo(want[1] / want[0], org.assertj.core.data.Offset.offset(1e-9));
            }
            assertThat(m.get("feedbackTotal").asLong()).isEqualTo(Math.round(feedback));
            assertThat(m.get("accuracyOverRange").asDouble()).isCloseTo(score / feedback,
                    org.assertj.core.data.Offset.offset(1e-9));
        }

        // cost: the '*' row of each minute, hosting split into busy and idle
        JsonNode cost = answer.get("cost");
        double idle = 0;
        for (int w = 0; w < windows; w++) {
            long start = from.toEpochMilli() + w * MINUTE;
            double[] want = operations.cost.get(List.of(start, start + MINUTE, "*", "*"));
            if (want == null) {
                assertThat(cost.get("totalUsd").get(w).isNull()).as("no cost row " + w).isTrue();
                continue;
            }
            assertThat(cost.get("requests").get(w).asDouble()).isEqualTo(want[0]);
            assertClose(cost.get("llmUsd").get(w), want[1], "llm " + w);
            assertClose(cost.get("busyHostingUsd").get(w), want[2] - want[6], "busy hosting " + w);
            assertClose(cost.get("idleHostingUsd").get(w), want[6], "idle hosting " + w);
            assertClose(cost.get("computeUsd").get(w), want[3], "compute " + w);
            assertClose(cost.get("totalUsd").get(w), want[4], "total " + w);
            if (Double.isNaN(want[5])) {
                assertThat(cost.get("usdPerInference").get(w).isNull()).isTrue();
            } else {
                assertClose(cost.get("usdPerInference").get(w), want[5], "per inference " + w);
            }
            idle += want[6];
        }
        assertThat(idle).as("llava-endpoint is billed without requests").isPositive();
        assertClose(cost.at("/totals/idleHostingUsd"), idle, "idle over the range");

        // endpoints: in-service share of each minute, restarts and failures where they happened
        Map<String, Integer> restarts = new TreeMap<>();
        for (JsonNode e : answer.get("endpoints")) {
            String endpoint = e.get("endpoint").asText();
            for (int w = 0; w < windows; w++) {
                long start = from.toEpochMilli() + w * MINUTE;
                double[] want = operations.health.get(List.of(start, start + MINUTE, endpoint));
                if (want == null) {
                    assertThat(e.get("inServiceShare").get(w).isNull()).as(endpoint + " " + w).isTrue();
                    continue;
                }
                assertClose(e.get("inServiceShare").get(w), want[0] / 60, endpoint + " in service " + w);
                assertThat(e.get("restarts").get(w).asDouble()).isEqualTo(want[2]);
                assertThat(e.get("failures").get(w).asDouble()).isEqualTo(want[3]);
                restarts.merge(endpoint, (int) want[2], Integer::sum);
            }
            assertThat(e.get("restartsTotal").asInt()).isEqualTo(restarts.getOrDefault(endpoint, 0));
        }
        assertThat(restarts).containsEntry("blip2-endpoint", 2);
    }

    private static void assertClose(JsonNode actual, double expected, String what) {
        assertThat(number(actual)).as(what).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-9 * Math.max(1,
                Math.abs(expected))));
    }

    // ---- alerts and dead letters -------------------------------------------------------------

    @Test
    void alertsAreTheEpisodesOverlappingTheRangeWithTheirEvidenceAsTheTablesHoldThem() throws Exception {
        Instant from = GENERATED_START.plus(Duration.ofMinutes(20));
        Instant to = GENERATED_START.plus(Duration.ofMinutes(140));
        String overlapping = "SELECT a.alert_id, a.rule, a.severity, a.state, a.labels->>'service' AS service,"
                + " (SELECT count(*) FROM kpi.alert_evidence e WHERE e.alert_id = a.alert_id) AS evidence"
                + " FROM kpi.alerts a WHERE a.started_at < '" + to + "' AND (a.resolved_at IS NULL OR a.resolved_at > '"
                + from + "')";
        List<Map<String, Object>> rows = POSTGRES.db().rows(overlapping + " ORDER BY started_at, rule, alert_id");
        assertThat(rows).as("the generated errors fire ecs_error_rate").isNotEmpty();

        JsonNode alerts = api(range(from, to)).get("alerts");
        assertThat(alerts).hasSize(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode a = alerts.get(i);
            Map<String, Object> row = rows.get(i);
            assertThat(a.get("alertId").asText()).isEqualTo(row.get("alert_id"));
            assertThat(a.get("rule").asText()).isEqualTo(row.get("rule"));
            assertThat(a.get("severity").asText()).isEqualTo(row.get("severity"));
            assertThat(a.get("state").asText()).isEqualTo(row.get("state"));
            assertThat(a.get("evidence")).hasSize(((Number) row.get("evidence")).intValue());
            assertThat(a.at("/labels/service").isMissingNode() ? null : a.at("/labels/service").asText())
                    .isEqualTo(row.get("service"));
        }
        assertThat(alerts).anySatisfy(a -> assertThat(a.get("evidence")).isNotEmpty());

        List<Map<String, Object>> ofOne = POSTGRES.db().rows(overlapping
                + " AND (a.labels->>'service' IS NULL OR a.labels->>'service' = 'analyze-api')"
                + " ORDER BY started_at, rule, alert_id");
        JsonNode filtered = api(range(from, to) + "&service=analyze-api").get("alerts");
        List<String> ids = new ArrayList<>();
        filtered.forEach(a -> ids.add(a.get("alertId").asText()));
        assertThat(ids).containsExactlyElementsOf(ofOne.stream().map(r -> (String) r.get("alert_id")).toList());
        assertThat(ids).hasSizeLessThan(rows.size());
    }

    @Test
    void deadLettersCountByReasonOfAllTimeAndInTheRangeAtTheirEventTime() throws Exception {
        Instant from = GENERATED_START;
        Instant to = GENERATED_START.plus(Duration.ofHours(3));
        JsonNode dead = api(range(from, to)).get("deadLetters");

        Map<String, Long> allTime = new TreeMap<>();
        expected.deadLetters.values().forEach(reason -> allTime.merge(reason, 1L, Long::sum));
        // In the range: records that had an event time there (too late); every other reason was
        // received at the replay's wall-clock time, years after the range.
        Map<String, Long> inRange = new TreeMap<>();
        Map<Long, Long> perMinute = new TreeMap<>();
        for (GeneratedTrace.Line line : generated.lines) {
            if ("too_late".equals(expected.deadLetters.get(line.number))) {
                assertThat(line.ts).isBetween(from.toEpochMilli(), to.toEpochMilli() - 1);
                inRange.merge("too_late", 1L, Long::sum);
                perMinute.merge(Math.floorDiv(line.ts, MINUTE) * MINUTE, 1L, Long::sum);
            }
        }
        assertThat(inRange.get("too_late")).isPositive();

        Map<String, Long> gotAll = new TreeMap<>();
        Map<String, Long> gotInRange = new TreeMap<>();
        for (JsonNode r : dead.get("reasons")) {
            gotAll.put(r.get("reason").asText(), r.get("allTime").asLong());
            if (r.get("inRange").asLong() > 0) {
                gotInRange.put(r.get("reason").asText(), r.get("inRange").asLong());
            }
        }
        assertThat(gotAll).isEqualTo(allTime);
        assertThat(gotInRange).isEqualTo(inRange);
        JsonNode series = dead.at("/series/too_late");
        Map<Long, Long> gotPerMinute = new TreeMap<>();
        for (int w = 0; w < series.size(); w++) {
            if (!series.get(w).isNull()) {
                gotPerMinute.put(from.toEpochMilli() + w * MINUTE, series.get(w).asLong());
            }
        }
        assertThat(gotPerMinute).isEqualTo(perMinute);
    }

    // ---- what it refuses ---------------------------------------------------------------------

    @Test
    void aRangeItCannotDrawIsRefusedWithTheReasonAndTheReaderWritesNothing() throws Exception {
        HttpResponse<String> backwards = get(range(GENERATED_START, GENERATED_START.minusSeconds(60)));
        assertThat(backwards.statusCode()).isEqualTo(400);
        assertThat(backwards.body()).contains("must be after from");
        HttpResponse<String> tooMany = get(range(GENERATED_START, GENERATED_START.plus(Duration.ofDays(3))) + "&window=1m");
        assertThat(tooMany.statusCode()).isEqualTo(400);
        assertThat(tooMany.body()).contains("window=1h");
        // the role the server reads as: kpi_reader and nothing more
        try (Connection c = reader.connect(); Statement s = c.createStatement()) {
            assertThat(sqlState(s, "DELETE FROM kpi.traffic")).isEqualTo("42501");
            assertThat(sqlState(s, "SELECT raw FROM kpi.dead_letters")).isEqualTo("42501");
        }
    }

    private static String sqlState(Statement s, String sql) {
        try {
            s.execute(sql);
            return "ok";
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }
}
