package com.gluu.kpi.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.cli.DemoCommand;
import com.gluu.kpi.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the whole demo, as {@code java -jar target/gluu-kpi.jar demo} does (embedded PostgreSQL,
 * in-process Flink from the local environment, the bundled trace), and checks its summary
 * against values worked out here from the generated JSON lines themselves.
 */
class DemoCommandITCase {
    static final ObjectMapper JSON = new ObjectMapper();

    static DemoCommand.Outcome outcome;
    static String printed;
    /** What the pipeline should count: JSON inferences with a valid latency, each event_id once. */
    static final Map<String, long[]> expected = new TreeMap<>(); // service → {requests, ok, client_errors, errors}
    static final Map<String, List<Double>> totals = new TreeMap<>(); // service (and "all services") → total latencies
    static int lines;
    /** client_id → {requests, errors} of those inferences. */
    static final Map<String, long[]> clients = new TreeMap<>();
    /** kpi.accuracy, kpi.cost and kpi.endpoint_health over the whole trace, from the JSON lines. */
    static ExpectedDemoOperations ops;
    /** kpi.jobs over the whole trace and the jobs rules' episodes, from the JSON lines. */
    static ExpectedDemoJobs jobs;

    @BeforeAll
    static void runDemo() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            outcome = DemoCommand.run(out);
        }
        printed = bytes.toString(StandardCharsets.UTF_8);
        System.out.print(printed);

        List<String> file = DemoTrace.bundled().lines(); // regenerated: the trace is deterministic
        lines = file.size();
        ops = ExpectedDemoOperations.of(file);
        jobs = ExpectedDemoJobs.of(file);
        Set<String> seen = new HashSet<>();
        for (String line : file) {
            JsonNode e;
            try {
                e = JSON.readTree(line);
            } catch (Exception notJson) {
                continue;
            }
            if (!e.path("type").asText().equals("inference") || e.path("latency_ms").path("total").asDouble() < 0
                    || !seen.add(e.get("event_id").asText())) {
                continue;
            }
            long[] client = clients.computeIfAbsent(e.path("client_id").asText(""), k -> new long[2]);
            client[0]++;
            client[1] += e.get("status").asText().equals("error") ? 1 : 0;
            String service = e.get("service").asText();
            for (String key : List.of(service, DemoSummary.ALL_SERVICES)) {
                long[] c = expected.computeIfAbsent(key, k -> new long[4]);
                c[0]++;
                switch (e.get("status").asText()) {
                    case "ok":
                        c[1]++;
                        break;
                    case "client_error":
                        c[2]++;
                        break;
                    default:
                        c[3]++;
                }
                totals.computeIfAbsent(key, k -> new ArrayList<>()).add(e.get("latency_ms").get("total").asDouble());
            }
        }
    }

    @Test
    void endsWellWithinThreeMinutesAndSaysHowLongItTook() {
        assertThat(outcome.wallTime).isLessThan(Duration.ofMinutes(3));
        assertThat(printed).containsPattern("demo finished in \\d+\\.\\d s");
    }

    @Test
    void jobReadEveryLineAndRejectedTheBadOnes() {
        assertThat(outcome.counts.records).isEqualTo(lines);
        assertThat(outcome.counts.duplicates).isEqualTo(DemoTrace.DUPLICATES);
        assertThat(outcome.counts.deadLetters).isEqualTo(DemoTrace.BAD_RECORDS);
        assertThat(outcome.summary.deadLetters())
                .containsExactlyInAnyOrderEntriesOf(Map.of("malformed_json", 1L, "bad_value", 1L, "unknown_type", 1L));
    }

    @Test
    void trafficTotalsAndErrorRatesMatchTheTrace() {
        assertThat(expected).containsOnlyKeys("analyze-api", "annotate-worker", "thumbnail-worker", DemoSummary.ALL_SERVICES);
        assertThat(expected.get(DemoSummary.ALL_SERVICES)[0]).isEqualTo(outcome.trace.rows().size());
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            long[] c = e.getValue();
            DemoSummary.Traffic t = e.getKey().equals(DemoSummary.ALL_SERVICES)
                    ? outcome.summary.allTraffic() : outcome.summary.traffic().get(e.getKey());
            assertThat(t).as(e.getKey()).isNotNull();
            assertThat(new long[] {t.requests, t.ok, t.clientErrors, t.errors}).as(e.getKey()).containsExactly(c);
            assertThat(t.errorRate()).as(e.getKey()).isCloseTo(c[3] / (double) c[0], within(1e-12));
            // ... and the printed table says the same.
            String row = String.format(Locale.ROOT, "  %-18s %,9d %,9d %,11d %,8d %9.2f %%", e.getKey(), c[0], c[1], c[2], c[3],
                    100.0 * c[3] / c[0]);
            assertThat(printed).contains(row + "\n");
        }
    }

    @Test
    void wholeTracePercentilesAreMergedSketchesNotAveragedPercentiles() {
        for (Map.Entry<String, List<Double>> e : totals.entrySet()) {
            double[] sorted = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            DemoSummary.Latency l = outcome.summary.latency(e.getKey(), "total");
            assertThat(l.count).as(e.getKey()).isEqualTo(sorted.length);
            assertThat(l.max).as(e.getKey()).isEqualTo(sorted[sorted.length - 1]);
            // DDSketch answers with the value at rank q·(n−1), within 1 % relative accuracy.
            for (double q : new double[] {0.50, 0.95, 0.99}) {
                double exact = sorted[(int) Math.floor(q * (sorted.length - 1))];
                double reported = q == 0.50 ? l.p50 : q == 0.95 ? l.p95 : l.p99;
                assertThat(reported).as(e.getKey() + " p" + Math.round(q * 100)).isCloseTo(exact, withinPercentage(1.01));
            }
        }
    }

    @Test
    void theWorstMinutesAreTheInjectedIncidents() {
        DemoTrace.Incident spike = outcome.trace.incidents().get(0);
        DemoTrace.Incident outage = outcome.trace.incidents().get(2);
        assertThat(spike.name).isEqualTo("latency spike");
        List<DemoSummary.Minute> slowest = outcome.summary.worstLatencyMinutes(5);
        assertThat(slowest).hasSize(5);
        assertThat(slowest.get(0).start).matches(spike::covers, "in the latency spike");
        assertThat(slowest.get(0).totalP95).isGreaterThan(10_000);
        assertThat(slowest).allMatch(m -> spike.covers(m.start));

        List<DemoSummary.Minute> failing = outcome.summary.worstErrorMinutes(5, 20);
        assertThat(failing.get(0).start).matches(outage::covers, "in the endpoint outage");
        assertThat(failing.get(0).errorRate()).isEqualTo(1.0);
        assertThat(failing).allMatch(m -> m.requests >= 20);

        // The printed tables name the minutes and their incident, and list the incidents.
        Instant worst = slowest.get(0).start;
        String minute = OffsetDateTime.ofInstant(worst, java.time.ZoneOffset.UTC).toString().replace('T', ' ').substring(0, 16);
        assertThat(printed).containsPattern(Pattern.quote("  " + minute) + " .* ms  latency spike\n");
        assertThat(printed).contains("latency spike                2023-11-16 18:35–18:41 UTC");
        assertThat(printed).contains("error burst                  2023-11-16 18:43–18:47 UTC");
        assertThat(printed).contains("endpoint failure + restart   2023-11-16 18:53–18:56 UTC");
    }

    @Test
    void accuracyPerModelCountsTheFeedbackJoinedToItsInferenceAndTheUnmatched() {
        // Matched iff an inference with that request_id has ts in [feedback ts − 7 d, feedback ts + 10 min].
        assertThat(ops.accuracy).containsOnlyKeys("blip2 blip2-opt-2.7b-2025-09");
        double[] expectedBlip2 = ops.accuracy.get("blip2 blip2-opt-2.7b-2025-09");
        assertThat(outcome.summary.accuracy()).hasSize(1);
        DemoSummary.Accuracy a = outcome.summary.accuracy().get(0);
        assertThat(a.model + " " + a.modelVersion).isEqualTo("blip2 blip2-opt-2.7b-2025-09");
        assertThat(a.feedback).isEqualTo((long) expectedBlip2[0]);
        assertThat(a.accuracy).isCloseTo(expectedBlip2[1] / expectedBlip2[0], within(1e-9));
        assertThat(outcome.summary.unmatchedFeedback()).isEqualTo(ops.unmatched).isEqualTo(DemoTrace.UNMATCHED_FEEDBACK);
        assertThat(a.feedback + ops.unmatched).isEqualTo(outcome.trace.feedbackEvents());
        assertThat(printed).contains(String.format(Locale.ROOT, "  %-10s %-26s %,9d %8.2f %%%n", "blip2",
                "blip2-opt-2.7b-2025-09", a.feedback, 100 * expectedBlip2[1] / expectedBlip2[0]));
    }

    @Test
    void wholeCostAndCostPerInferenceAddUpFromTokensBilledTimeAndTasks() {
        DemoSummary.CostTotals totals = outcome.summary.costTotals();
        assertThat(totals).isNotNull();
        assertThat(totals.all.requests).isEqualTo(ops.requests).isEqualTo(outcome.trace.rows().size());
        assertThat(totals.all.llm).isCloseTo(ops.llmUsd, withinPercentage(1e-4));
        assertThat(totals.all.hosting).isCloseTo(ops.hostingUsd(), withinPercentage(1e-4));
        assertThat(totals.all.compute).isCloseTo(ops.computeUsd, withinPercentage(1e-4));
        assertThat(totals.all.total).isCloseTo(ops.totalUsd(), withinPercentage(1e-4));
        assertThat(totals.all.perInference()).isCloseTo(ops.totalUsd() / ops.requests, withinPercentage(1e-4)); // 1e-6 relative

        DemoSummary.Cost blip2 = outcome.summary.cost("blip2", "blip2-endpoint");
        assertThat(blip2.requests).isEqualTo(ops.requests);
        assertThat(blip2.llm).isCloseTo(ops.llmUsd, withinPercentage(1e-4));
        assertThat(blip2.hosting).isCloseTo(ops.hostingUsd.get("blip2-endpoint"), withinPercentage(1e-4));
        // Fargate goes to the only row with requests, or to the unallocated row in minutes without any.
        DemoSummary.Cost unallocated = outcome.summary.cost("", "");
        assertThat(blip2.compute + (unallocated == null ? 0 : unallocated.compute))
                .isCloseTo(ops.computeUsd, withinPercentage(1e-4));
        assertThat(printed).contains(String.format(Locale.ROOT, "  Whole cost $%,.2f for %,d inferences: $%.6f per inference.%n",
                ops.totalUsd(), ops.requests, ops.totalUsd() / ops.requests));
    }

    /**
     * Each client's requests and errors are those of the trace; the tenants pay the tokens and
     * every minute's hosting and Fargate of the rows with requests, so they and the overhead (idle
     * hosting, and Fargate in minutes without requests) add up to the whole cost.
     */
    @Test
    void theTenantsAndTheOverheadAddUpToTheWholeCost() {
        assertThat(outcome.summary.tenants()).extracting(t -> t.clientId).containsExactlyInAnyOrderElementsOf(clients.keySet());
        for (Map.Entry<String, long[]> c : clients.entrySet()) {
            DemoSummary.Tenant t = outcome.summary.tenant(c.getKey());
            assertThat(new long[] {t.requests, t.errors}).as(c.getKey()).containsExactly(c.getValue());
        }
        double llm = outcome.summary.tenants().stream().mapToDouble(t -> t.llm).sum();
        double tenants = outcome.summary.tenants().stream().mapToDouble(t -> t.total).sum();
        assertThat(llm).isCloseTo(ops.llmUsd, withinPercentage(1e-4));
        DemoSummary.Cost unallocated = outcome.summary.cost("", "");
        assertThat(outcome.summary.overhead()).isCloseTo(ops.idleHostingUsd + (unallocated == null ? 0 : unallocated.total),
                withinPercentage(1e-4));
        assertThat(tenants + outcome.summary.overhead()).isCloseTo(ops.totalUsd(), withinPercentage(1e-4));
        assertThat(printed).contains(String.format(Locale.ROOT, "  Tenants $%,.2f for %,d requests;", tenants, ops.requests));
    }

    /**
     * The shipped budgets (jobs/budgets.yaml: homecheck $8, fleetco $15, the others $500) against
     * the tenants' spend: at the input's last tenant minute (19:15 on 2023-11-16, 15 d 19 h 15 min of
     * November's 30 days) a spend projects to spend × 30 d ÷ elapsed. homecheck's spend exceeds its
     * budget (critical); fleetco's projection does and its spend does not (warning); the others
     * neither. Worked out here from the tenants' totals, which the test above checks against the trace.
     */
    @Test
    void theBudgetsTableAndTheTenantBudgetEpisodes() {
        double elapsed = (java.time.Duration.ofDays(15).plusHours(19).plusMinutes(15).toMillis())
                / (double) java.time.Duration.ofDays(30).toMillis();
        Map<String, Double> budget = Map.of("acme-insurance", 500.0, "fleetco", 15.0, "homecheck", 8.0, "rentals-eu", 500.0,
                "autoparts-us", 500.0);
        assertThat(outcome.summary.budgets()).extracting(b -> b.clientId).containsExactlyInAnyOrderElementsOf(budget.keySet());
        for (DemoSummary.Budget b : outcome.summary.budgets()) {
            double spend = outcome.summary.tenant(b.clientId).total;
            assertThat(b.monthToDate).as(b.clientId).isCloseTo(spend, withinPercentage(1e-9));
            assertThat(b.projected).as(b.clientId).isCloseTo(spend / elapsed, withinPercentage(1e-9));
            String want = spend > budget.get(b.clientId) ? "firing critical"
                    : spend / elapsed > budget.get(b.clientId) ? "firing warning" : "–";
            assertThat(b.alert).as(b.clientId).isEqualTo(want);
        }
        assertThat(outcome.summary.budgets()).extracting(b -> b.alert).contains("firing critical", "firing warning");
        assertThat(printed).contains("Spend against budget (jobs/budgets.yaml");
    }

    @Test
    void theIdleLlavaEndpointCostsItsHourlyPriceForEveryBilledHourAndThatIsTheSaving() {
        // llava-endpoint: one InService event, ml.g5.2xlarge × 1, billed until the file's last event time.
        double llavaHours = (ops.end - ops.firstEndpointEvent.get("llava-endpoint")) / 3_600_000.0;
        double llavaIdle = 1.515 * llavaHours;
        DemoSummary.Cost llava = outcome.summary.cost("llava", "llava-endpoint");
        assertThat(llava.requests).isZero();
        assertThat(llava.hosting).isCloseTo(llavaIdle, withinPercentage(1e-4));
        assertThat(llava.idleHosting).isCloseTo(llavaIdle, withinPercentage(1e-4));
        assertThat(llava.perInference()).isNaN();

        // The '*' rows' idle hosting: llava throughout, plus blip2 in the minutes without a request.
        DemoSummary.CostTotals totals = outcome.summary.costTotals();
        assertThat(totals.idleHosting).isCloseTo(ops.idleHostingUsd, withinPercentage(1e-4));
        assertThat(ops.idleHostingUsd).isGreaterThan(llavaIdle);
        Instant lastMinuteEnd = Instant.ofEpochMilli(Math.floorDiv(ops.end, 60_000L) * 60_000L + 60_000L);
        assertThat(totals.to).isEqualTo(lastMinuteEnd);
        assertThat(totals.from).isBetween(Instant.parse("2023-11-16T18:00:00Z"), Instant.parse("2023-11-16T18:07:00Z"));
        double hours = Duration.between(totals.from, lastMinuteEnd).toMillis() / 3_600_000.0;
        assertThat(printed).contains("llava-endpoint 100 %");
        assertThat(totals.idleSavingsPerHour()).isCloseTo(ops.idleHostingUsd / hours, withinPercentage(1e-4))
                .isGreaterThan(1.515 * llavaHours / hours);
        assertThat(printed).containsPattern(Pattern.quote(String.format(Locale.ROOT, "  Idle hosting $%,.2f over %.2f h",
                ops.idleHostingUsd, hours)) + " .*: \\$" + Pattern.quote(String.format(Locale.ROOT, "%.3f",
                ops.idleHostingUsd / hours)) + " per hour saved by shutting idle endpoints down\\.\n");
    }

    @Test
    void endpointUptimeRestartsAndFailuresFollowTheEndpointEvents() {
        assertThat(outcome.summary.health()).extracting(h -> h.endpoint).containsExactly("blip2-endpoint", "llava-endpoint");
        for (DemoSummary.Health h : outcome.summary.health()) {
            long[] expectedHealth = ops.health.get(h.endpoint);
            // The demo's endpoint events fall on whole minutes, so the observed time read back is exact.
            assertThat(h.observedSeconds).as(h.endpoint).isCloseTo(expectedHealth[1] / 1000.0, within(1e-3));
            assertThat(h.inServiceSeconds).as(h.endpoint).isCloseTo(expectedHealth[0] / 1000.0, within(1e-3));
            assertThat(h.uptime()).as(h.endpoint).isCloseTo(expectedHealth[0] / (double) expectedHealth[1], within(1e-6));
            assertThat(new long[] {h.restarts, h.failures}).as(h.endpoint).containsExactly(expectedHealth[2], expectedHealth[3]);
        }
        assertThat(outcome.summary.health("blip2-endpoint").restarts).isEqualTo(1); // Failed → InService; scale-out is none
        assertThat(outcome.summary.health("blip2-endpoint").failures).isEqualTo(1);
        assertThat(outcome.summary.health("llava-endpoint").uptime()).isEqualTo(1.0);
    }

    @Test
    void theJobsSectionsCountsPercentilesAndStuckJobsMatchTheJobEvents() {
        assertThat(jobs.totals).containsOnlyKeys("analyze-api/analyze", "annotate-worker/annotation");
        assertThat(outcome.summary.jobs()).extracting(j -> j.service + "/" + j.kind)
                .containsExactlyElementsOf(jobs.totals.keySet());
        for (Map.Entry<String, ExpectedDemoJobs.Totals> e : jobs.totals.entrySet()) {
            ExpectedDemoJobs.Totals want = e.getValue();
            DemoSummary.Jobs got = outcome.summary.jobs().stream().filter(j -> (j.service + "/" + j.kind).equals(e.getKey()))
                    .findFirst().orElseThrow();
            assertThat(new long[] {got.submitted, got.completed, got.failed, got.webhooksSent, got.webhooksFailed,
                    got.maxStuck, got.stuckAtEnd}).as(e.getKey()).containsExactly(want.submitted, want.completed, want.failed,
                    want.sent, want.webhooksFailed, want.maxStuck, want.stuckAtEnd);
            if (want.e2e.isEmpty()) {
                assertThat(List.of(got.e2eP50, got.e2eP95, got.e2eP99)).as(e.getKey()).allMatch(p -> p.isNaN());
            } else {
                com.gluu.kpi.pipeline.GeneratedReplayITCase.assertWithinOnePercentOfRank(got.e2eP50, want.e2e, 0.50, e.getKey());
                com.gluu.kpi.pipeline.GeneratedReplayITCase.assertWithinOnePercentOfRank(got.e2eP95, want.e2e, 0.95, e.getKey());
                com.gluu.kpi.pipeline.GeneratedReplayITCase.assertWithinOnePercentOfRank(got.e2eP99, want.e2e, 0.99, e.getKey());
            }
            String[] sk = e.getKey().split("/");
            assertThat(printed).containsPattern(Pattern.quote(String.format(Locale.ROOT, "  %-16s %-10s %,9d %,9d %,6d %,13d %,15d ",
                    sk[0], sk[1], want.submitted, want.completed, want.failed, want.sent, want.webhooksFailed)) + ".*"
                    + Pattern.quote(String.format(Locale.ROOT, " %,9d %,12d", want.maxStuck, want.stuckAtEnd)) + "\n");
        }
        // The trace's design: the stuck job is the only one, to the end; the outage's failed attempts.
        ExpectedDemoJobs.Totals analyze = jobs.totals.get("analyze-api/analyze");
        assertThat(analyze.maxStuck).isEqualTo(1);
        assertThat(analyze.stuckAtEnd).isEqualTo(1);
        assertThat(analyze.webhooksFailed).isGreaterThan(100);
    }

    @Test
    void theStuckJobAndTheWebhookOutageEachFireOneEpisodeAtTheMinutesWorkedOutFromTheTrace() {
        // From the job lines, minute by minute: the job submitted at 18:20:12 is stuck (open > 15 min)
        // from the 18:36 minute end on, to the end of the input, so the episode that starts then fires
        // at 18:40 and never resolves. The outage (18:59-19:07) breaches 5 % of the last 15 minutes'
        // attempts in the minutes 18:59 and 19:00 (start 19:00); its last failed attempts (19:05) have
        // left the 15 minutes from the minute 19:20 on (at or below 2.5 %, then too few attempts once
        // the traffic has ended), so it resolves 10 minutes after, at 19:31.
        List<String> want = jobs.episodes.stream().map(DemoCommandITCase::minutes).toList();
        assertThat(want).containsExactlyInAnyOrder("jobs_stuck analyze-api/analyze 2023-11-16 18:36",
                "webhook_failures analyze-api 2023-11-16 19:00 2023-11-16 19:31");
        // The transitions the summary printed (a FIRING line at the episode's start, RESOLVED at its end).
        Pattern line = Pattern.compile("  (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d)  (FIRING  |RESOLVED) warning  (jobs_stuck|webhook_failures)"
                + " +(\\{[^}]*\\}).*");
        Map<String, String> started = new TreeMap<>();
        List<String> got = new ArrayList<>();
        for (String l : printed.lines().toList()) {
            java.util.regex.Matcher m = line.matcher(l);
            if (!m.matches()) {
                continue;
            }
            JsonNode labels;
            try {
                labels = JSON.readTree(m.group(4));
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
            String group = m.group(3) + " " + labels.get("service").asText()
                    + (labels.has("kind") ? "/" + labels.get("kind").asText() : "");
            if (m.group(2).startsWith("FIRING")) {
                started.put(group, m.group(1));
                got.add(group + " " + m.group(1));
            } else {
                got.set(got.indexOf(group + " " + started.get(group)), group + " " + started.get(group) + " " + m.group(1));
            }
        }
        assertThat(got).containsExactlyInAnyOrderElementsOf(want);
        // SNS: both rules are in the grouped messages (by subject or among a message's rules).
        assertThat(outcome.summary.snsMessages()).anyMatch(m -> m.contains("jobs_stuck"))
                .anyMatch(m -> m.contains("webhook_failures"));
    }

    private static final java.time.format.DateTimeFormatter MINUTE = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(java.time.ZoneOffset.UTC);

    /** "rule labels start [resolved]" with epoch millis as UTC minutes. */
    private static String minutes(String episode) {
        StringBuilder out = new StringBuilder();
        for (String part : episode.split(" ")) {
            out.append(out.length() == 0 ? "" : " ")
                    .append(part.matches("\\d{10,}") ? MINUTE.format(Instant.ofEpochMilli(Long.parseLong(part))) : part);
        }
        return out.toString();
    }

    @Test
    void theCommandLineTakesNoOptions() throws Exception {
        assertThat(Main.run("demo", "--events", "x.jsonl")).isEqualTo(2);
    }
}
