package com.gluu.kpi.alerts;

import static com.gluu.kpi.alerts.AlertGroupBoundsTest.traffic;
import static org.assertj.core.api.Assertions.assertThat;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.gluu.kpi.config.AlertRule;
import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.latency.LatencySketches;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The evaluator's timer chain goes straight to the next minute at which an evaluation can change
 * anything, and gives exactly the records of evaluating every minute.
 */
class AlertTimerChainTest {
    private static final long MIN = 60_000L;
    private static final long Y2000 = 946_684_800_000L; // 2000-01-01T00:00:00Z
    private static final long TODAY = 1_796_155_200_000L; // 2026-12-01T20:00:00Z
    private static final long T = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    private static long lastMs(long start, long m) {
        return start + (m + 1) * MIN - 1;
    }

    /**
     * Issue 11: the first record is dated 2000-01-01, the second today (same service). Evaluating
     * every minute stepped through 26 years (13.7 million minutes per rule). Now: the 2000 group fires
     * no_data after 10 min, repeats hourly and is forgotten after 24 h (resolved); the chain then jumps
     * to today's minute; today's group does the same once its 24 h of silence are over; then nothing
     * is left.
     */
    @Test
    void aFirstInputIn2000AndASecondTodayEndPromptlyAndLeaveNoTimersOrState() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n"
                + "  - {name: no_data, kpi: no_data, silent_for: 10m, group_by: [service], severity: warning}\n"
                + "  - {name: ecs_error_rate, kpi: traffic, statistic: error_rate, comparison: '>', threshold: 0.01, "
                + "min_sample: 20, group_by: [service], severity: critical}\n");
        RuleInputs.Traffic in = new RuleInputs.Traffic(rules);
        AlertEvaluator evaluator = new AlertEvaluator(rules);
        try (var h = AlertHarness.evaluator(evaluator)) {
            AlertHarness.send(h, in, traffic("api", 5, 0), lastMs(Y2000, 0));
            h.processWatermark(lastMs(Y2000, 0));
            AlertHarness.send(h, in, traffic("api", 5, 0), lastMs(TODAY, 0));
            h.processWatermark(lastMs(TODAY, 0));
            List<String> expected = new ArrayList<>(episode(Y2000));
            assertThat(noData(h)).containsExactlyElementsOf(expected);
            h.processWatermark(lastMs(TODAY, 1500));
            expected.addAll(episode(TODAY));
            assertThat(noData(h)).containsExactlyElementsOf(expected);
            // 5 requests in 5 minutes are below the error-rate rule's min_sample: nothing from it
            assertThat(h.extractOutputValues()).extracting(r -> r.rule).containsOnly("no_data");
            assertThat(h.numEventTimeTimers()).isZero();
            assertThat(h.numKeyedStateEntries()).isZero();
            // no_data: minutes M, M+1, M+10, 23 repeats, M+1440 (forgotten; kept as a new group for today's
            // input), M+1441, D, D+1, D+10, 23 repeats, D+1440 (55); error rate: M, M+5 (and the timer before
            // it), M+1440, M+1441, D, D+5 (and the one before) (8). Every minute: 13.7 million per rule.
            assertThat(evaluator.timersFired).isEqualTo(63);
            h.processWatermark(Long.MAX_VALUE);
            assertThat(noData(h)).hasSize(50);
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    /** The same, but the input ends right after the jump: the 2000 group's day is evaluated, today's silence is not. */
    @Test
    void anInputThatEndsRightAfterJumpingFrom2000ToTodayEndsPromptly() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n"
                + "  - {name: no_data, kpi: no_data, silent_for: 10m, group_by: [service], severity: warning}\n");
        RuleInputs.Traffic in = new RuleInputs.Traffic(rules);
        AlertEvaluator evaluator = new AlertEvaluator(rules);
        try (var h = AlertHarness.evaluator(evaluator)) {
            AlertHarness.send(h, in, traffic("api", 5, 0), lastMs(Y2000, 0));
            h.processWatermark(lastMs(Y2000, 0));
            AlertHarness.send(h, in, traffic("api", 5, 0), lastMs(TODAY, 0));
            h.processWatermark(Long.MAX_VALUE);
            assertThat(noData(h)).containsExactlyElementsOf(episode(Y2000));
            assertThat(h.numEventTimeTimers()).isZero();
            // M, M+1, M+10, 23 repeats, M+1440, M+1441, D: the end of input is not silence
            assertThat(evaluator.timersFired).isEqualTo(29);
        }
    }

    /** One no_data episode of a group whose only traffic is in the minute at {@code start}. */
    private static List<String> episode(long start) {
        List<String> e = new ArrayList<>();
        e.add("firing 1 " + (start + 11 * MIN) + " no requests for 10 min from api");
        for (int k = 0; k <= 22; k++) {
            e.add("firing " + (k + 2) + " " + (start + (71 + 60 * k) * MIN) + " no requests for 10 min from api");
        }
        e.add("resolved 25 " + (start + 1441 * MIN) + " forgotten after 24 h without data: api");
        return e;
    }

    private static List<String> noData(KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord> h) {
        List<String> out = new ArrayList<>();
        for (AlertRecord r : h.extractOutputValues()) {
            if (r.rule.equals("no_data")) {
                out.add(r.state + " " + r.notifySeq + " " + r.transitionAt + " " + r.summary);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ skipping = stepping

    private static final String RULES = "rules:\n"
            + "  - {name: lat, kpi: latency, statistic: p95, comparison: '>', threshold: 5000, resolve_threshold: 3000,"
            + " for: 2, min_sample: 2, group_by: [service], severity: critical, repeat_interval: 7m}\n"
            + "  - {name: lat_mean, kpi: latency, statistic: mean, comparison: '>', threshold: 4000, window: 3m,"
            + " group_by: [service], severity: warning}\n"
            + "  - {name: err, kpi: traffic, statistic: error_rate, comparison: '>', threshold: 0.2,"
            + " resolve_threshold: 0.1, for: 3, min_sample: 5, group_by: [service], severity: critical, repeat_interval: 11m}\n"
            + "  - {name: few, kpi: traffic, statistic: requests, comparison: '<', threshold: 3, window: 2m, for: 2,"
            + " group_by: [service], severity: info, repeat_interval: 17m}\n"
            + "  - {name: nodata, kpi: no_data, silent_for: 7m, group_by: [service], severity: warning, repeat_interval: 13m}\n"
            + "  - {name: acc, kpi: accuracy, statistic: accuracy, comparison: '<', threshold: 0.8, min_sample: 3,"
            + " window: 10m, group_by: [model], severity: warning}\n"
            + "  - {name: failed, kpi: endpoint_event, statistic: failed, group_by: [endpoint, model], severity: critical}\n"
            + "  - {name: idle, kpi: idle_endpoint, idle_for: 4m, group_by: [endpoint, model], severity: info,"
            + " repeat_interval: 9m}\n";

    /**
     * Randomized inputs (seeded) through the skipping evaluator and the reference that evaluates
     * every minute ({@link AlertEvaluator#everyMinute}): 8 rules (latency p95 with for and
     * hysteresis, mean, error rate with for, hysteresis and min_sample, a "fewer than" rule that
     * breaches without input, no_data, accuracy with its delay, endpoint failures, idle endpoints),
     * 12 services for a cap of 8 groups per rule, a 3 h idle timeout, input up to 3 minutes late and
     * 12 ahead, watermarks that crawl, jump within a minute or leap up to 2 days, and an end of input
     * or not. The records, evidence, over-cap counts and what is left in state are the same; the
     * skipping evaluator fires far fewer timers.
     */
    @Test
    void skippingMinutesGivesExactlyTheRecordsOfEvaluatingEveryMinute() throws Exception {
        AlertRules rules = TestRules.rules(RULES);
        Duration accuracyDelay = Duration.ofMinutes(15);
        long skippingTimers = 0;
        long steppingTimers = 0;
        long records = 0;
        for (int seed = 1; seed <= 12; seed++) {
            AlertEvaluator skipping = new AlertEvaluator(rules, accuracyDelay, 8, Duration.ofHours(3));
            AlertEvaluator stepping = AlertEvaluator.everyMinute(rules, accuracyDelay, 8, Duration.ofHours(3));
            try (var a = AlertHarness.evaluator(skipping); var b = AlertHarness.evaluator(stepping)) {
                Random rnd = new Random(seed);
                long w = 0; // the watermark's minute after T
                boolean[] steady = new boolean[4];
                for (int step = 0; step < 300; step++) {
                    List<RuleInput> inputs = new ArrayList<>();
                    for (int k = rnd.nextInt(7); k > 0; k--) {
                        inputs.add(randomInput(rnd, rules, T / MIN + w + rnd.nextInt(16) - 3));
                    }
                    for (int s = 0; s < steady.length; s++) {
                        if (rnd.nextInt(40) == 0) {
                            steady[s] = !steady[s];
                        }
                        if (steady[s]) { // a group with input every minute for a while
                            inputs.addAll(steadyInputs(rnd, rules, s, T / MIN + w + 2));
                        }
                    }
                    for (RuleInput in : inputs) {
                        long ts = lastMs(0, in.minute);
                        a.processElement(copy(in), ts);
                        b.processElement(copy(in), ts);
                    }
                    int r = rnd.nextInt(100);
                    long watermark;
                    if (r < 3) {
                        w += 100 + rnd.nextInt(2800);
                        watermark = lastMs(T, w);
                    } else if (r < 10) {
                        watermark = lastMs(T, w) - 1 - rnd.nextInt((int) MIN - 1); // within the minute: not yet its end
                        w = Math.floorDiv(watermark - T, MIN);
                        watermark = Math.max(watermark, a.getCurrentWatermark());
                    } else {
                        w += rnd.nextInt(4);
                        watermark = lastMs(T, w);
                    }
                    a.processWatermark(watermark);
                    b.processWatermark(watermark);
                }
                if (seed % 2 == 0) {
                    a.processWatermark(Long.MAX_VALUE);
                    b.processWatermark(Long.MAX_VALUE);
                }
                List<String> fromSkipping = rendered(a);
                assertThat(fromSkipping).as("seed %d", seed).containsExactlyElementsOf(rendered(b));
                assertThat(evidence(a)).as("seed %d evidence", seed).containsExactlyElementsOf(evidence(b));
                for (AlertRule rule : rules.rules()) {
                    assertThat(skipping.groupsOverCap(rule.name())).as("seed %d over cap %s", seed, rule.name())
                            .isEqualTo(stepping.groupsOverCap(rule.name()));
                }
                assertThat(a.numKeyedStateEntries()).as("seed %d state", seed).isEqualTo(b.numKeyedStateEntries());
                records += fromSkipping.size();
                skippingTimers += skipping.timersFired;
                steppingTimers += stepping.timersFired;
            }
        }
        // the inputs make plenty of episodes of every kind, and skipping saves most evaluations
        assertThat(records).isGreaterThan(1000);
        assertThat(skippingTimers * 2).isLessThan(steppingTimers);
    }

    private static final String[] SERVICES = {"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11"};
    private static final String[] MODELS = {"blip2", "llava", "clip"};
    private static final String[] ENDPOINTS = {"e0", "e1", "e2", "e3"};

    private static RuleInput randomInput(Random rnd, AlertRules rules, long minute) {
        AlertRule rule = rules.rules().get(rnd.nextInt(rules.rules().size()));
        String service = SERVICES[rnd.nextInt(SERVICES.length)];
        String endpoint = ENDPOINTS[rnd.nextInt(ENDPOINTS.length)];
        String model = MODELS[rnd.nextInt(MODELS.length)];
        RuleInput in = base(rule, minute, service, endpoint, model);
        switch (rule.kpi()) {
            case LATENCY:
                if (rnd.nextInt(4) == 0) { // an evidence candidate
                    in.requestId = "r" + rnd.nextInt(1_000_000);
                    in.requestTs = minute * MIN + rnd.nextInt((int) MIN);
                    in.requestValue = 5000 + rnd.nextInt(10_000);
                } else {
                    latency(in, rnd, 1 + rnd.nextInt(5), rnd.nextInt(3) == 0 ? 6000 : 1000);
                }
                break;
            case TRAFFIC:
                if (rnd.nextInt(5) == 0 && rule.statistic() == AlertRule.Statistic.ERROR_RATE) {
                    in.requestId = "f" + rnd.nextInt(1_000_000);
                    in.requestTs = minute * MIN + rnd.nextInt((int) MIN);
                } else {
                    in.requests = 1 + rnd.nextInt(10);
                    in.count = in.requests;
                    in.errors = rnd.nextInt(3) == 0 ? rnd.nextInt((int) in.requests + 1) : 0;
                }
                break;
            case NO_DATA:
                in.requests = 1 + rnd.nextInt(5);
                break;
            case ACCURACY:
                in.count = 1;
                in.sum = new double[] {0, 0.5, 0.7, 0.9, 1}[rnd.nextInt(5)];
                break;
            case ENDPOINT_EVENT:
                in.count = 1;
                in.failures = rnd.nextInt(6) == 0 ? 1 : 0;
                in.restarts = rnd.nextInt(6) == 0 ? 1 : 0;
                in.billedMs = MIN;
                break;
            default: // IDLE_ENDPOINT: a slot or the endpoint's requests
                if (rnd.nextBoolean()) {
                    in.count = 1;
                    in.billedMs = rnd.nextInt(4) == 0 ? 0 : MIN;
                } else {
                    in.requests = 1 + rnd.nextInt(3);
                }
        }
        return in;
    }

    /** Steady source {@code s}: a service's traffic and latency, or an endpoint's slot, every minute. */
    private static List<RuleInput> steadyInputs(Random rnd, AlertRules rules, int s, long minute) {
        List<RuleInput> out = new ArrayList<>();
        for (AlertRule rule : rules.rules()) {
            RuleInput in = base(rule, minute, SERVICES[s], ENDPOINTS[s], MODELS[s % MODELS.length]);
            switch (rule.kpi()) {
                case LATENCY:
                    latency(in, rnd, 3, rnd.nextInt(5) == 0 ? 6000 : 2000);
                    break;
                case TRAFFIC:
                    in.requests = 3 + rnd.nextInt(10);
                    in.count = in.requests;
                    in.errors = rnd.nextInt(4) == 0 ? in.requests / 2 : 0;
                    break;
                case NO_DATA:
                    in.requests = 1;
                    break;
                case IDLE_ENDPOINT:
                case ENDPOINT_EVENT:
                    in.count = 1;
                    in.billedMs = MIN;
                    break;
                default:
                    continue;
            }
            out.add(in);
        }
        return out;
    }

    private static RuleInput base(AlertRule rule, long minute, String service, String endpoint, String model) {
        Map<String, String> labels = new TreeMap<>();
        for (String label : rule.groupBy()) {
            labels.put(label, label.equals("service") ? service : label.equals("endpoint") ? endpoint : model);
        }
        RuleInput in = new RuleInput();
        in.rule = rule.name();
        in.labelsJson = AlertStateMachine.labelsJson(labels);
        in.minute = minute;
        return in;
    }

    private static void latency(RuleInput in, Random rnd, int n, int base) {
        DDSketch sketch = LatencySketches.create();
        for (int i = 0; i < n; i++) {
            double ms = base + rnd.nextInt(2000);
            sketch.accept(ms);
            in.sum += ms;
            in.max = i == 0 ? ms : Math.max(in.max, ms);
        }
        in.count = n;
        in.sketch = LatencySketches.toBytes(sketch);
    }

    private static RuleInput copy(RuleInput in) {
        RuleInput c = new RuleInput();
        c.rule = in.rule;
        c.labelsJson = in.labelsJson;
        c.minute = in.minute;
        c.count = in.count;
        c.errors = in.errors;
        c.sum = in.sum;
        c.max = in.max;
        c.sketch = in.sketch.clone();
        c.restarts = in.restarts;
        c.failures = in.failures;
        c.billedMs = in.billedMs;
        c.requests = in.requests;
        c.requestId = in.requestId;
        c.requestTs = in.requestTs;
        c.requestValue = in.requestValue;
        return c;
    }

    /** Every record with its timestamp, sorted (the order of groups within one evaluation is a map's). */
    private static List<String> rendered(KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord> h) {
        List<String> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord) {
                StreamRecord<?> sr = (StreamRecord<?>) o;
                AlertRecord r = (AlertRecord) sr.getValue();
                out.add(String.join("|", Long.toString(sr.getTimestamp()), r.rule, r.labelsJson, r.state,
                        Integer.toString(r.notifySeq), r.alertId, r.severity, Long.toString(r.startedAt),
                        Long.toString(r.resolvedAt), Long.toString(r.transitionAt), Double.toString(r.value),
                        Double.toString(r.threshold), r.summary));
            }
        }
        Collections.sort(out);
        return out;
    }

    private static List<String> evidence(KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord> h) {
        List<String> out = new ArrayList<>();
        var side = h.getSideOutput(AlertEvaluator.EVIDENCE);
        if (side != null) {
            for (StreamRecord<AlertEvidence> sr : side) {
                AlertEvidence e = sr.getValue();
                out.add(sr.getTimestamp() + "|" + e.alertId + "|" + e.requestId + "|" + e.ts + "|" + e.value);
            }
        }
        Collections.sort(out);
        return out;
    }
}
