package com.gluu.kpi.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The demo trace: deterministic, faithful to the CSV, with the incidents where it says they are. */
class DemoTraceTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static DemoTrace trace;
    /** Parsed lines; null for the line that is not JSON. */
    static List<JsonNode> events;

    @BeforeAll
    static void generate() throws Exception {
        trace = DemoTrace.bundled();
        events = new ArrayList<>();
        for (String line : trace.lines()) {
            events.add(parse(line));
        }
    }

    static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            return null;
        }
    }

    static List<JsonNode> inferences() {
        return events.stream().filter(e -> e != null && e.path("type").asText().equals("inference")
                && e.path("latency_ms").path("total").asDouble() >= 0).toList();
    }

    static Instant ts(JsonNode e) {
        return OffsetDateTime.parse(e.get("ts").asText()).toInstant();
    }

    static boolean within(JsonNode e, String from, String to) {
        Instant t = ts(e);
        return !t.isBefore(Instant.parse(from)) && t.isBefore(Instant.parse(to));
    }

    static double p95(List<JsonNode> es) {
        double[] v = es.stream().mapToDouble(e -> e.get("latency_ms").get("total").asDouble()).sorted().toArray();
        return v[(int) Math.floor(0.95 * (v.length - 1))];
    }

    static double errorShare(List<JsonNode> es) {
        return es.stream().filter(e -> e.get("status").asText().equals("error")).count() / (double) es.size();
    }

    @Test
    void sameCsvAndSeedGiveTheSameLines() {
        assertThat(DemoTrace.bundled().lines()).isEqualTo(trace.lines());
    }

    @Test
    void oneLinePerCsvRowPlusTheInjectedRecords() throws Exception {
        int csvRows = 0;
        try (InputStream in = DemoTrace.class.getResourceAsStream(DemoTrace.CSV_RESOURCE);
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            assertThat(r.readLine()).startsWith("TIMESTAMP,ContextTokens,GeneratedTokens");
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank()) {
                    csvRows++;
                }
            }
        }
        // data/NOTICE.md speaks of 8,818 requests; the file holds 8,819 data rows.
        assertThat(csvRows).isGreaterThan(8_800);
        assertThat(trace.rows()).hasSize(csvRows);
        long feedback = events.stream().filter(e -> e != null && e.get("type").asText().equals("feedback")).count();
        assertThat(trace.feedbackEvents()).isEqualTo(feedback);
        long jobEvents = jobEvents().size();
        assertThat(trace.jobEvents()).isEqualTo(jobEvents);
        // 7 endpoint events, 6 task events, the feedback, the job events, 3 bad records, 5 producer retries
        assertThat(trace.injectedRecords()).isEqualTo(7 + 6 + (int) feedback + (int) jobEvents + 3 + 5);
        assertThat(trace.lines()).hasSize(csvRows + trace.injectedRecords());
        assertThat(inferences().stream().map(e -> e.get("event_id").asText()).distinct()).hasSize(csvRows);
    }

    @Test
    void everyEventHasTheSpecsRequiredFields() {
        for (JsonNode e : events) {
            if (e == null || e.get("event_id").asText().startsWith("demo-bad-")) {
                continue;
            }
            assertThat(e.get("event_id").asText()).hasSizeBetween(1, 128);
            assertThat(ts(e)).isBefore(Instant.now());
            String type = e.get("type").asText();
            assertThat(type).isIn("inference", "endpoint", "task", "feedback", "job");
            if (type.equals("job")) {
                assertThat(e.get("job_id").asText()).isNotEmpty();
                assertThat(e.get("service").asText() + " " + e.get("kind").asText())
                        .isIn("analyze-api analyze", "annotate-worker annotation");
                assertThat(e.get("state").asText())
                        .isIn("submitted", "started", "completed", "failed", "webhook_sent", "webhook_failed");
                assertThat(e.get("client_id").asText()).isNotEmpty();
                assertThat(e.get("model").asText()).isEqualTo("blip2");
                if (e.get("state").asText().startsWith("webhook_")) {
                    assertThat(e.get("attempt").asInt()).isBetween(1, 3);
                    assertThat(e.get("http_status").asInt()).isIn(200, 500, 503);
                } else {
                    assertThat(e.has("attempt") || e.has("http_status")).isFalse();
                }
                continue;
            }
            if (type.equals("endpoint")) {
                assertThat(e.get("endpoint").asText() + " " + e.get("model").asText() + " " + e.get("instance_type").asText())
                        .isIn("blip2-endpoint blip2 ml.g5.xlarge", "llava-endpoint llava ml.g5.2xlarge");
                assertThat(e.get("state").asText()).isIn("Creating", "InService", "Updating", "Failed");
                assertThat(e.get("instance_count").asInt()).isBetween(1, 2);
                continue;
            }
            if (type.equals("task")) {
                assertThat(e.get("task_id").asText()).isNotEmpty();
                assertThat(e.get("service").asText()).isIn("analyze-api", "annotate-worker", "thumbnail-worker");
                assertThat(e.get("state").asText()).isIn("RUNNING", "STOPPED");
                assertThat(e.get("vcpu").asDouble()).isPositive();
                assertThat(e.get("memory_gb").asDouble()).isPositive();
                continue;
            }
            if (type.equals("feedback")) {
                assertThat(e.get("request_id").asText()).isNotEmpty();
                assertThat(e.get("verdict").asText()).isIn("correct", "partial", "incorrect");
                assertThat(e.get("source").asText()).isIn("reviewer", "client");
                if (e.has("score")) {
                    assertThat(e.get("score").asDouble()).isBetween(0.0, 1.0);
                }
                continue;
            }
            assertThat(e.get("request_id").asText()).isNotEmpty();
            assertThat(e.get("service").asText()).isIn("analyze-api", "annotate-worker", "thumbnail-worker");
            assertThat(e.get("model").asText()).isEqualTo("blip2");
            assertThat(e.get("endpoint").asText()).isEqualTo("blip2-endpoint");
            assertThat(e.get("mode").asText()).isIn("sync", "async");
            assertThat(e.get("images").asInt()).isBetween(1, 4);
            String status = e.get("status").asText();
            assertThat(status).isIn("ok", "client_error", "error");
            JsonNode latency = e.get("latency_ms");
            assertThat(latency.get("total").isNumber()).isTrue();
            assertThat(latency.get("total").asDouble()).isNotNegative();
            for (String stage : List.of("model", "llm")) {
                if (latency.has(stage)) {
                    assertThat(latency.get(stage).asDouble()).isNotNegative().isLessThanOrEqualTo(latency.get("total").asDouble());
                }
            }
            int http = e.get("http_status").asInt();
            switch (status) {
                case "ok":
                    assertThat(http).isEqualTo(200);
                    assertThat(e.has("error_type")).isFalse();
                    assertThat(latency.has("model") && latency.has("llm")).isTrue();
                    assertThat(e.get("llm").get("model").asText()).isEqualTo("gpt-4o");
                    break;
                case "client_error":
                    assertThat(http).isIn(400, 413);
                    assertThat(e.has("llm")).isFalse();
                    break;
                default:
                    assertThat(http).isIn(500, 503, 504);
                    assertThat(e.get("error_type").asText()).isIn("sagemaker_timeout", "openai_429", "sagemaker_unavailable");
                    assertThat(e.has("llm")).isFalse();
            }
        }
    }

    @Test
    void tokensAndTimesComeFromTheCsvRow() {
        int withTokens = 0;
        for (JsonNode e : inferences()) {
            int row = Integer.parseInt(e.get("request_id").asText().substring("req-".length())) - 1;
            DemoTrace.Row csv = trace.rows().get(row);
            assertThat(ts(e)).isEqualTo(csv.time);
            if (e.has("llm")) {
                assertThat(e.get("llm").get("prompt_tokens").asLong()).isEqualTo(csv.contextTokens);
                assertThat(e.get("llm").get("completion_tokens").asLong()).isEqualTo(csv.generatedTokens);
                withTokens++;
            }
        }
        assertThat(withTokens).isGreaterThan(trace.rows().size() * 8 / 10);
        // First row of data/azure-llm-inference-2023-code.csv: 2023-11-16 18:17:03.9799600,4808,10
        assertThat(trace.rows().get(0).time).isEqualTo(Instant.parse("2023-11-16T18:17:03.979Z"));
        assertThat(trace.rows().get(0).contextTokens).isEqualTo(4808);
        assertThat(trace.rows().get(0).generatedTokens).isEqualTo(10);
    }

    @Test
    void incidentsAreWhereTheSummarySaysTheyAre() {
        assertThat(trace.incidents()).extracting(i -> i.name + " " + i.start + " " + i.end).containsExactly(
                "latency spike 2023-11-16T18:35:00Z 2023-11-16T18:41:00Z",
                "error burst 2023-11-16T18:43:00Z 2023-11-16T18:47:00Z",
                "endpoint failure + restart 2023-11-16T18:53:00Z 2023-11-16T18:56:00Z",
                "webhook outage 2023-11-16T18:59:00Z 2023-11-16T19:07:00Z");
        List<JsonNode> all = inferences();
        List<JsonNode> spike = all.stream().filter(e -> within(e, "2023-11-16T18:35:00Z", "2023-11-16T18:41:00Z")).toList();
        List<JsonNode> burst = all.stream().filter(e -> within(e, "2023-11-16T18:43:00Z", "2023-11-16T18:47:00Z")).toList();
        List<JsonNode> outage = all.stream().filter(e -> within(e, "2023-11-16T18:53:00Z", "2023-11-16T18:56:00Z")).toList();
        List<JsonNode> calm = all.stream().filter(e -> !within(e, "2023-11-16T18:35:00Z", "2023-11-16T18:41:00Z")
                && !within(e, "2023-11-16T18:43:00Z", "2023-11-16T18:47:00Z")
                && !within(e, "2023-11-16T18:53:00Z", "2023-11-16T18:56:00Z")).toList();
        assertThat(spike).hasSizeGreaterThan(1000);
        assertThat(burst).hasSizeGreaterThan(500);
        assertThat(outage).hasSizeGreaterThan(500);

        // Latency spike: total p95 far above the 10 s critical threshold, normal elsewhere.
        assertThat(p95(spike)).isGreaterThan(10_000);
        assertThat(p95(calm)).isLessThan(5_000);
        assertThat(p95(burst)).isLessThan(10_000);

        // Error burst: ~15 % server errors of the two burst kinds; below 1 % in calm minutes.
        assertThat(errorShare(burst)).isBetween(0.10, 0.20);
        assertThat(burst.stream().filter(e -> e.get("status").asText().equals("error"))
                .map(e -> e.get("error_type").asText() + " " + e.get("http_status").asInt()).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("sagemaker_timeout 504", "openai_429 500");
        assertThat(errorShare(calm)).isLessThan(0.01);
        assertThat(errorShare(spike)).isLessThan(0.01);

        // Endpoint failure: every request fails fast with sagemaker_unavailable, and only then.
        assertThat(outage).allSatisfy(e -> {
            assertThat(e.get("status").asText()).isEqualTo("error");
            assertThat(e.get("error_type").asText()).isEqualTo("sagemaker_unavailable");
            assertThat(e.get("http_status").asInt()).isEqualTo(503);
            assertThat(e.get("latency_ms").get("total").asDouble()).isLessThan(100);
        });
        assertThat(all.stream().filter(e -> e.path("error_type").asText().equals("sagemaker_unavailable"))).hasSize(outage.size());

        // Client errors: about 1 %.
        double clientErrors = all.stream().filter(e -> e.get("status").asText().equals("client_error")).count() / (double) all.size();
        assertThat(clientErrors).isBetween(0.004, 0.02);
    }

    @Test
    void endpointEventsTellTheFailureAndRestartInTimeOrder() {
        List<String> endpoint = new ArrayList<>();
        Instant previous = Instant.MIN;
        Set<String> seen = new java.util.HashSet<>();
        for (JsonNode e : events) {
            if (e == null || e.get("event_id").asText().startsWith("demo-bad-") || !seen.add(e.get("event_id").asText())) {
                continue; // bad records and producer retries (a retry carries its original's ts)
            }
            // The file is in event-time order, as the real trace is.
            assertThat(ts(e)).isAfterOrEqualTo(previous);
            previous = ts(e);
            if (e.get("type").asText().equals("endpoint")) {
                endpoint.add(e.get("ts").asText() + " " + e.get("endpoint").asText() + " " + e.get("state").asText()
                        + " " + e.get("instance_count").asInt());
            }
        }
        assertThat(endpoint).containsExactly(
                "2023-11-16T18:00:00.000Z blip2-endpoint Creating 1",
                "2023-11-16T18:07:00.000Z blip2-endpoint InService 1",
                "2023-11-16T18:07:00.000Z llava-endpoint InService 1",
                "2023-11-16T18:37:00.000Z blip2-endpoint Updating 2", // scale-out in the spike (18:35–18:41)
                "2023-11-16T18:40:00.000Z blip2-endpoint InService 2",
                "2023-11-16T18:53:00.000Z blip2-endpoint Failed 2",
                "2023-11-16T18:56:00.000Z blip2-endpoint InService 2");
        assertThat(ts(events.get(0))).isEqualTo(Instant.parse("2023-11-16T18:00:00Z")).isBefore(trace.start());
        // The idle endpoint is never called.
        assertThat(inferences()).noneMatch(e -> e.get("endpoint").asText().equals("llava-endpoint"));
    }

    @Test
    void fourTasksRunFromTheStartAndAThirdAnalyzeTaskForTwentyMinutesFromTheSpike() {
        List<String> tasks = events.stream().filter(e -> e != null && e.get("type").asText().equals("task"))
                .map(e -> e.get("ts").asText() + " " + e.get("task_id").asText() + " " + e.get("service").asText() + " "
                        + e.get("state").asText() + " " + e.get("vcpu").asDouble() + " " + e.get("memory_gb").asDouble())
                .toList();
        assertThat(tasks).containsExactly(
                "2023-11-16T18:07:00.000Z analyze-api-1 analyze-api RUNNING 1.0 2.0",
                "2023-11-16T18:07:00.000Z analyze-api-2 analyze-api RUNNING 1.0 2.0",
                "2023-11-16T18:07:00.000Z annotate-worker-1 annotate-worker RUNNING 0.5 1.0",
                "2023-11-16T18:07:00.000Z thumbnail-worker-1 thumbnail-worker RUNNING 0.5 1.0",
                "2023-11-16T18:36:00.000Z analyze-api-3 analyze-api RUNNING 1.0 2.0",
                "2023-11-16T18:56:00.000Z analyze-api-3 analyze-api STOPPED 1.0 2.0");
    }

    @Test
    void feedbackOnATenthOfTheOkInferencesMostlySoonSomeHoursLateSomeAheadAndAFewUnmatched() {
        Map<String, JsonNode> byRequest = new HashMap<>();
        inferences().forEach(e -> byRequest.put(e.get("request_id").asText(), e));
        long ok = inferences().stream().filter(e -> e.get("status").asText().equals("ok")).count();
        List<JsonNode> feedback = events.stream().filter(e -> e != null && e.get("type").asText().equals("feedback")).toList();
        Instant lastRequest = trace.end();
        int early = 0;
        int soon = 0;
        int late = 0;
        int afterLastRequest = 0;
        List<String> unmatched = new ArrayList<>();
        List<Double> calmScores = new ArrayList<>();
        List<Double> incidentScores = new ArrayList<>();
        for (JsonNode f : feedback) {
            JsonNode inference = byRequest.get(f.get("request_id").asText());
            if (inference == null) {
                unmatched.add(f.get("request_id").asText());
                continue;
            }
            assertThat(inference.get("status").asText()).isEqualTo("ok"); // a failed request has no output to judge
            long seconds = java.time.Duration.between(ts(inference), ts(f)).toMillis() / 1000;
            if (seconds < 0) {
                assertThat(-seconds).isBetween(60L, 8 * 60L); // overtakes its inference, within the 10-minute wait
                early++;
            } else if (seconds < 3600) {
                assertThat(seconds).isBetween(10L, 20 * 60L);
                soon++;
            } else {
                assertThat(seconds).isBetween(3600L, 3 * 3600L);
                late++;
            }
            if (ts(f).isAfter(lastRequest)) {
                afterLastRequest++;
            }
            double score = f.has("score") ? f.get("score").asDouble()
                    : Map.of("correct", 1.0, "partial", 0.5, "incorrect", 0.0).get(f.get("verdict").asText());
            boolean incident = within(inference, "2023-11-16T18:35:00Z", "2023-11-16T18:41:00Z")
                    || within(inference, "2023-11-16T18:43:00Z", "2023-11-16T18:47:00Z");
            (incident ? incidentScores : calmScores).add(score);
        }
        int matched = early + soon + late;
        assertThat(matched).isBetween((int) (ok * 0.08), (int) (ok * 0.12));
        assertThat(early).isBetween(matched / 20, matched / 7);
        assertThat(late).isBetween(matched / 20, matched / 7);
        assertThat(afterLastRequest).isGreaterThan(late / 2);
        assertThat(unmatched).hasSize(DemoTrace.UNMATCHED_FEEDBACK).doesNotHaveDuplicates();
        assertThat(feedback.stream().filter(f -> f.has("score")).count()).isBetween(feedback.size() / 5L, feedback.size() / 2L);
        assertThat(feedback.stream().map(f -> f.get("verdict").asText()).distinct()).contains("correct", "partial", "incorrect");
        // Accuracy ~85 % normally, clearly worse for requests in the latency spike or error burst.
        assertThat(mean(calmScores)).isBetween(0.80, 0.90);
        assertThat(incidentScores).hasSizeGreaterThan(100);
        assertThat(mean(incidentScores)).isBetween(0.50, 0.70);
    }

    static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    static List<JsonNode> jobEvents() {
        return events.stream().filter(e -> e != null && e.get("type").asText().equals("job")).toList();
    }

    /**
     * SHA-256 of every line that is not a job event, in file order, as the trace was before job
     * events were added: the inferences, feedback, endpoint and task events, bad records and
     * retries are byte for byte what they were, and in the same order (the demo's other
     * expectations rest on them).
     */
    @Test
    void everyLineButTheJobEventsIsByteForByteTheTraceBeforeJobs() throws Exception {
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        int n = 0;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) != null && events.get(i).get("type").asText().equals("job")) {
                continue;
            }
            sha.update((trace.lines().get(i) + "\n").getBytes(StandardCharsets.UTF_8));
            n++;
        }
        assertThat(n).isEqualTo(9_639);
        assertThat(java.util.HexFormat.of().formatHex(sha.digest()))
                .isEqualTo("1f763ab08290ed6d89db6201a8df624e20ab53a3cc35e2f6f5d9368933b24651");
    }

    /** One job's events, in file (= time) order. */
    record Job(String id, String service, String kind, List<JsonNode> events) {
        List<JsonNode> of(String state) {
            return events.stream().filter(e -> e.get("state").asText().equals(state)).toList();
        }

        JsonNode only(String state) {
            List<JsonNode> found = of(state);
            assertThat(found).as(id + " " + state).hasSize(1);
            return found.get(0);
        }

        List<JsonNode> webhooks() {
            return events.stream().filter(e -> e.get("state").asText().startsWith("webhook_")).toList();
        }
    }

    static Map<String, Job> jobs() {
        Map<String, Job> jobs = new java.util.LinkedHashMap<>();
        for (JsonNode e : jobEvents()) {
            jobs.computeIfAbsent(e.get("job_id").asText(), id -> new Job(id, e.get("service").asText(), e.get("kind").asText(),
                    new ArrayList<>())).events().add(e);
        }
        return jobs;
    }

    static long millisBetween(JsonNode from, JsonNode to) {
        return java.time.Duration.between(ts(from), ts(to)).toMillis();
    }

    @Test
    void everyOkAsyncAnalyzeRequestAndAFifthOfTheAnnotateRequestsRunAJobThatFinishesAndAnalysesAreWebhooked() {
        Map<String, Job> jobs = jobs();
        Map<String, JsonNode> byRequest = new HashMap<>();
        inferences().forEach(e -> byRequest.put(e.get("request_id").asText(), e));
        long okAsyncAnalyze = inferences().stream().filter(e -> e.get("service").asText().equals("analyze-api")
                && e.get("mode").asText().equals("async") && e.get("status").asText().equals("ok")).count();
        long okAnnotate = inferences().stream().filter(e -> e.get("service").asText().equals("annotate-worker")
                && e.get("status").asText().equals("ok")).count();
        long analyzeRequests = inferences().stream().filter(e -> e.get("service").asText().equals("analyze-api")).count();
        int analyze = 0;
        int annotation = 0;
        int failed = 0;
        for (Job job : jobs.values()) {
            if (job.id().equals(DemoTrace.STUCK_JOB_ID)) {
                continue;
            }
            // job-NNNNN is the async part of request req-NNNNN: same service, client and time
            JsonNode request = byRequest.get("req-" + job.id().substring("job-".length()));
            assertThat(request).as(job.id()).isNotNull();
            assertThat(request.get("status").asText()).isEqualTo("ok");
            JsonNode submitted = job.only("submitted");
            JsonNode started = job.only("started");
            List<JsonNode> finished = new ArrayList<>(job.of("completed"));
            finished.addAll(job.of("failed"));
            assertThat(finished).as(job.id() + " finished once").hasSize(1);
            failed += job.of("failed").size();
            assertThat(job.events()).allSatisfy(e -> assertThat(e.get("client_id").asText())
                    .isEqualTo(request.get("client_id").asText()));
            assertThat(ts(submitted)).isEqualTo(ts(request));
            assertThat(job.service()).isEqualTo(request.get("service").asText());
            if (job.kind().equals("analyze")) {
                analyze++;
                assertThat(request.get("mode").asText()).isEqualTo("async");
                assertThat(millisBetween(submitted, started)).isBetween(200L, 3_000L);
                assertThat(millisBetween(started, finished.get(0))).isBetween(5_000L, 30_000L);
                List<JsonNode> webhooks = job.webhooks();
                assertThat(webhooks).isNotEmpty();
                assertThat(millisBetween(finished.get(0), webhooks.get(0))).isBetween(200L, 2_000L);
                for (int a = 0; a < webhooks.size(); a++) { // attempts 1, 2, … in time order; only the last one sent
                    assertThat(webhooks.get(a).get("attempt").asInt()).isEqualTo(a + 1);
                    assertThat(webhooks.get(a).get("state").asText())
                            .isEqualTo(a == webhooks.size() - 1 ? "webhook_sent" : "webhook_failed");
                }
            } else {
                annotation++;
                assertThat(millisBetween(submitted, started)).isBetween(100L, 2_000L);
                assertThat(millisBetween(started, finished.get(0))).isBetween(1_000L, 8_000L);
                assertThat(job.webhooks()).isEmpty();
            }
        }
        assertThat(analyze).isEqualTo(okAsyncAnalyze);
        assertThat(analyze / (double) analyzeRequests).as("share of analyze-api requests").isBetween(0.12, 0.22);
        assertThat(annotation / (double) okAnnotate).isBetween(0.15, 0.25);
        assertThat(failed / (double) (analyze + annotation)).isBetween(0.01, 0.05);
        // Job events come at their time among the others (checked with every event in
        // endpointEventsTellTheFailureAndRestartInTimeOrder); none is repeated.
        assertThat(jobEvents().stream().map(e -> e.get("event_id").asText()).distinct()).hasSize(jobEvents().size());
    }

    @Test
    void inTheWebhookOutageEveryAttemptFailsAndIsSentOnlyAfterItElsewhereOneInAHundredIsRetried() {
        Instant from = Instant.parse("2023-11-16T18:59:00Z");
        Instant to = Instant.parse("2023-11-16T19:07:00Z");
        int caught = 0;
        int retriedElsewhere = 0;
        int webhooked = 0;
        for (Job job : jobs().values()) {
            List<JsonNode> webhooks = job.webhooks();
            if (webhooks.isEmpty()) {
                continue;
            }
            webhooked++;
            for (JsonNode w : webhooks) {
                boolean inOutage = !ts(w).isBefore(from) && ts(w).isBefore(to);
                if (inOutage) {
                    assertThat(w.get("state").asText() + " " + w.get("http_status").asInt()).as(job.id())
                            .isEqualTo("webhook_failed 503");
                } else {
                    assertThat(w.get("http_status").asInt()).isEqualTo(w.get("state").asText().equals("webhook_sent") ? 200 : 500);
                }
            }
            JsonNode first = webhooks.get(0);
            if (!ts(first).isBefore(from) && ts(first).isBefore(to)) {
                caught++; // attempts 1 and 2 in the outage, 3 sent within a minute after it
                assertThat(webhooks).extracting(w -> w.get("state").asText() + " " + w.get("attempt").asInt())
                        .containsExactly("webhook_failed 1", "webhook_failed 2", "webhook_sent 3");
                assertThat(ts(webhooks.get(1))).isBefore(to);
                assertThat(java.time.Duration.between(to, ts(webhooks.get(2))).toMillis()).isBetween(1_000L, 60_000L);
            } else if (webhooks.size() > 1) {
                retriedElsewhere++;
                assertThat(millisBetween(webhooks.get(0), webhooks.get(1))).isBetween(1_000L, 5_000L);
            }
        }
        assertThat(caught).as("jobs whose webhook fell in the outage: >= 20 attempts for webhook_failures").isGreaterThan(50);
        assertThat(retriedElsewhere / (double) webhooked).isBetween(0.002, 0.03);
        // Outside the outage's reach no 15 minutes of attempts (by minute, >= 20 attempts) fail more
        // than 2.5 %, webhook_failures' resolve threshold: only the outage can fire it.
        TreeMap<Long, long[]> byMinute = new TreeMap<>(); // minute → {attempts, failed}
        for (JsonNode e : jobEvents()) {
            if (e.get("state").asText().startsWith("webhook_")) {
                long[] a = byMinute.computeIfAbsent(ts(e).toEpochMilli() / 60_000, k -> new long[2]);
                a[0]++;
                a[1] += e.get("state").asText().equals("webhook_failed") ? 1 : 0;
            }
        }
        for (long m = byMinute.firstKey(); m <= byMinute.lastKey(); m++) {
            if (m >= from.toEpochMilli() / 60_000 && m < to.toEpochMilli() / 60_000 + 15) {
                continue;
            }
            long n = 0;
            long failed = 0;
            for (long[] a : byMinute.subMap(m - 14, true, m, true).values()) {
                n += a[0];
                failed += a[1];
            }
            assertThat(n < 20 || failed <= 0.025 * n).as("15 minutes to %s: %d of %d failed", Instant.ofEpochMilli(m * 60_000),
                    failed, n).isTrue();
        }
    }

    @Test
    void oneAnalyzeJobIsSubmittedAndStartedEarlyAndNeverFinishes() {
        List<Job> unfinished = jobs().values().stream()
                .filter(j -> j.of("completed").isEmpty() && j.of("failed").isEmpty()).toList();
        assertThat(unfinished).extracting(Job::id).containsExactly(DemoTrace.STUCK_JOB_ID);
        Job stuck = unfinished.get(0);
        assertThat(stuck.service() + " " + stuck.kind()).isEqualTo("analyze-api analyze");
        assertThat(stuck.events()).extracting(e -> e.get("ts").asText() + " " + e.get("state").asText()).containsExactly(
                "2023-11-16T18:20:12.345Z submitted", "2023-11-16T18:20:13.845Z started");
    }

    @Test
    void badRecordsAndProducerRetriesAreThere() {
        List<String> lines = trace.lines();
        List<Integer> notJson = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) == null) {
                notJson.add(i);
            }
        }
        assertThat(notJson).hasSize(1);
        assertThatThrownBy(() -> JSON.readTree(lines.get(notJson.get(0)))).isInstanceOf(Exception.class);
        assertThat(events.stream().filter(e -> e != null && e.path("latency_ms").path("total").asDouble() < 0)).hasSize(1);
        assertThat(events.stream().filter(e -> e != null && e.get("type").asText().equals("heartbeat"))).hasSize(1);

        Map<String, List<Integer>> byId = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) != null) {
                byId.computeIfAbsent(events.get(i).get("event_id").asText(), k -> new ArrayList<>()).add(i);
            }
        }
        Map<String, List<Integer>> repeated = byId.entrySet().stream().filter(en -> en.getValue().size() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(repeated).hasSize(DemoTrace.DUPLICATES);
        repeated.values().forEach(at -> {
            assertThat(at).hasSize(2);
            assertThat(lines.get(at.get(1))).isEqualTo(lines.get(at.get(0))); // a retry sends the same bytes
            // a few lines later, not counting the job events that go in between by their time
            long between = events.subList(at.get(0) + 1, at.get(1)).stream()
                    .filter(e -> e == null || !e.get("type").asText().equals("job")).count();
            assertThat(between).isBetween(0L, 9L);
        });
        assertThat(Set.copyOf(lines).size()).isEqualTo(lines.size() - DemoTrace.DUPLICATES);
    }
}
