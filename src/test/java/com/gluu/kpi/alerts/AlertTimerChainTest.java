package com.gluu.kpi.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.gluu.kpi.config.AlertRule;
import com.gluu.kpi.config.AlertRule.Kpi;
import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.latency.LatencySketches;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The evaluator's timer chain skips the minutes where nothing can change; this test checks that
 * skipping changes nothing. Random streams with bursts, gaps of minutes to days and inputs that
 * run ahead of the watermark go through the real evaluator (heap and RocksDB, with a
 * snapshot/restore in the middle) and through {@link EveryMinute}, a slow reference written here
 * that recomputes every group's window from the raw inputs at every minute from the first input
 * to the last and drives the same {@link AlertStateMachine} (tested on its own in
 * {@link AlertStateMachineTest}). The transitions must be equal, record for record.
 */
class AlertTimerChainTest {
    private static final long MIN = 60_000L;
    private static final long T = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    private static final long T_MINUTE = T / MIN;
    private static final Duration IDLE_TIMEOUT = Duration.ofMinutes(120);

    static final String RULES = "rules:\n"
            + "  - {name: errs, kpi: traffic, statistic: error_rate, comparison: '>', threshold: 0.3, resolve_threshold: 0.1,"
            + " window: 3m, for: 2, min_sample: 5, repeat_interval: 20m, keep_firing_for: 4m, group_by: [service],"
            + " severity: critical}\n"
            + "  - {name: few, kpi: traffic, statistic: requests, comparison: '<', threshold: 3, window: 2m,"
            + " group_by: [service], severity: info}\n"
            + "  - {name: slow, kpi: latency, statistic: p95, comparison: '>', threshold: 800, window: 5m,"
            + " repeat_interval: 30m, group_by: [service], severity: warning}\n"
            + "  - {name: slowest, kpi: latency, statistic: max, comparison: '>', threshold: 900, resolve_threshold: 500,"
            + " window: 4m, for: 3, keep_firing_for: 7m, group_by: [service], severity: warning}\n"
            + "  - {name: failed, kpi: endpoint_event, statistic: failed, window: 5m, group_by: [endpoint],"
            + " severity: critical}\n"
            + "  - {name: idle, kpi: idle_endpoint, idle_for: 10m, group_by: [endpoint], severity: info}\n"
            + "  - {name: silent, kpi: no_data, silent_for: 10m, min_sample: 3, repeat_interval: 30m, keep_firing_for: 2m, group_by: [service],"
            + " severity: warning}\n"
            // burn rules change when a minute enters or leaves either window
            + "slos:\n  - {name: avail, kind: availability, objective: 0.9, min_sample: 5, burn_alerts: {"
            + "fast: {long: 6m, short: 2m, factor: 3}, slow: {long: 20m, short: 5m, factor: 1.5}}}\n";

    static List<Arguments> streams() {
        List<Arguments> out = new ArrayList<>();
        for (int seed = 1; seed <= 20; seed++) { // 20 streams (2 on RocksDB): the CI budget, see README "Tests"
            out.add(Arguments.of(seed, seed % 10 == 0 ? "rocksdb" : "hashmap"));
        }
        return out;
    }

    @ParameterizedTest(name = "seed {0}, {1}")
    @MethodSource("streams")
    void skippingMinutesGivesWhatEvaluatingEveryMinuteGives(int seed, String backend) throws Exception {
        AlertRules rules = TestRules.rules(RULES);
        Random random = new Random(seed);
        List<RuleInput> inputs = stream(rules, random);
        List<String> expected = new ArrayList<>();
        for (AlertRule rule : rules.rules()) {
            expected.addAll(new EveryMinute(rule).run(inputs, inputs.get(inputs.size() - 1).minute));
        }
        List<String> actual = runEvaluator(rules, inputs, backend, random.nextInt(inputs.size()), random);
        assertThat(expected).isNotEmpty();
        assertThat(actual).containsExactlyInAnyOrderElementsOf(expected);
    }

    /**
     * Bursts of activity of three services and two endpoints separated by gaps of up to 3 hours and
     * sometimes 3 days (past the idle timeout), in minute order.
     */
    private static List<RuleInput> stream(AlertRules rules, Random r) {
        List<RuleInput> out = new ArrayList<>();
        long minute = T_MINUTE;
        for (int burst = 0; burst < 6; burst++) {
            int length = 5 + r.nextInt(40);
            double errorLevel = r.nextDouble() * 0.6;
            double slowLevel = 300 + r.nextDouble() * 900;
            for (int k = 0; k < length; k++, minute++) {
                for (String service : List.of("api", "worker", "thumbs")) {
                    if (r.nextDouble() < 0.6) {
                        int requests = 1 + r.nextInt(12);
                        int errors = (int) Math.round(requests * errorLevel * r.nextDouble() * 2);
                        errors = Math.min(errors, requests);
                        out.addAll(traffic(rules, service, minute, requests, errors));
                        out.addAll(latency(rules, service, minute, requests, slowLevel, r));
                    }
                }
                for (String endpoint : List.of("ep-a", "ep-b")) {
                    if (r.nextDouble() < 0.7) {
                        boolean failed = r.nextDouble() < 0.05;
                        long billed = r.nextDouble() < 0.9 ? MIN : 0;
                        out.addAll(slot(rules, endpoint, minute, billed, failed ? 1 : 0));
                    }
                }
            }
            minute += r.nextDouble() < 0.2 ? 3 * 24 * 60 : r.nextInt(180);
        }
        return out;
    }

    private static RuleInput input(String rule, String label, String value, long minute) {
        RuleInput in = new RuleInput();
        in.rule = rule;
        in.labelsJson = AlertStateMachine.labelsJson(Map.of(label, value));
        in.minute = minute;
        return in;
    }

    private static List<RuleInput> traffic(AlertRules rules, String service, long minute, long requests, long errors) {
        List<RuleInput> out = new ArrayList<>();
        for (AlertRule rule : rules.rules()) {
            if (rule.kpi() == Kpi.TRAFFIC || rule.kpi() == Kpi.NO_DATA || rule.kpi() == Kpi.SLO_BURN) {
                RuleInput in = input(rule.name(), "service", service, minute);
                if (rule.kpi() != Kpi.NO_DATA) {
                    in.count = requests;
                    in.errors = errors;
                }
                in.requests = requests;
                out.add(in);
            }
        }
        return out;
    }

    private static List<RuleInput> latency(AlertRules rules, String service, long minute, int n, double level, Random r) {
        DDSketch sketch = LatencySketches.create();
        double sum = 0;
        double max = 0;
        for (int i = 0; i < n; i++) {
            double ms = 50 + r.nextDouble() * level;
            sketch.accept(ms);
            sum += ms;
            max = Math.max(max, ms);
        }
        List<RuleInput> out = new ArrayList<>();
        for (AlertRule rule : rules.rules()) {
            if (rule.kpi() == Kpi.LATENCY) {
                RuleInput in = input(rule.name(), "service", service, minute);
                in.count = n;
                in.sum = sum;
                in.max = max;
                in.sketch = LatencySketches.toBytes(sketch);
                out.add(in);
            }
        }
        return out;
    }

    private static List<RuleInput> slot(AlertRules rules, String endpoint, long minute, long billedMs, long failures) {
        List<RuleInput> out = new ArrayList<>();
        for (AlertRule rule : rules.rules()) {
            if (rule.kpi() == Kpi.ENDPOINT_EVENT || rule.kpi() == Kpi.IDLE_ENDPOINT) {
                RuleInput in = input(rule.name(), "endpoint", endpoint, minute);
                in.failures = failures;
                in.billedMs = billedMs;
                out.add(in);
            }
        }
        return out;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord> harness(AlertRules rules,
            String backend) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord>(
                new KeyedProcessOperator<>(new AlertEvaluator(rules, Duration.ZERO, 10_000, IDLE_TIMEOUT)),
                in -> in.rule, Types.STRING);
        if (backend.equals("rocksdb")) {
            h.setStateBackend(new EmbeddedRocksDBStateBackend());
        }
        return h;
    }

    /**
     * Feeds the inputs in minute order, each 0 to 8 minutes before its minute is due (as partials
     * run ahead of the evaluator's watermark), a watermark at the end of every minute with input,
     * a snapshot and restore before input number {@code restoreAt}, and the end of input.
     */
    private static List<String> runEvaluator(AlertRules rules, List<RuleInput> inputs, String backend, int restoreAt,
            Random r) throws Exception {
        List<String> out = new ArrayList<>();
        var h = harness(rules, backend);
        h.open();
        TreeMap<Long, List<RuleInput>> byMinute = new TreeMap<>();
        for (RuleInput in : inputs) {
            byMinute.computeIfAbsent(in.minute, k -> new ArrayList<>()).add(in);
        }
        // each input is sent at the watermark step of an earlier (or its own) minute with input
        List<Long> minutes = new ArrayList<>(byMinute.keySet());
        TreeMap<Integer, List<RuleInput>> sendAtStep = new TreeMap<>();
        for (int step = 0; step < minutes.size(); step++) {
            for (RuleInput in : byMinute.get(minutes.get(step))) {
                int earlier = step;
                while (earlier > 0 && minutes.get(earlier - 1) >= in.minute - r.nextInt(9)) {
                    earlier--;
                }
                sendAtStep.computeIfAbsent(earlier, k -> new ArrayList<>()).add(in);
            }
        }
        int sent = 0;
        for (int step = 0; step < minutes.size(); step++) {
            for (RuleInput in : sendAtStep.getOrDefault(step, List.of())) {
                if (sent++ == restoreAt) {
                    OperatorSubtaskState snapshot = h.snapshot(1L, 1L);
                    out.addAll(drain(h));
                    h.close();
                    h = harness(rules, backend);
                    h.initializeState(snapshot);
                    h.open();
                }
                h.processElement(copy(in), AlertEvaluator.endOf(in.minute) - 1);
            }
            h.processWatermark(AlertEvaluator.endOf(minutes.get(step)) - 1);
        }
        h.processWatermark(Long.MAX_VALUE);
        out.addAll(drain(h));
        assertThat(h.numEventTimeTimers()).as("timers left at the end").isZero();
        h.close();
        return out;
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
        c.sketch = in.sketch;
        c.restarts = in.restarts;
        c.failures = in.failures;
        c.billedMs = in.billedMs;
        c.requests = in.requests;
        return c;
    }

    private static List<String> drain(KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord> h) {
        List<String> out = new ArrayList<>();
        for (AlertRecord a : h.extractOutputValues()) {
            out.add(line(a));
        }
        h.getOutput().clear();
        return out;
    }

    static String line(AlertRecord a) {
        return a.rule + " " + a.labelsJson + " " + a.state + " #" + a.notifySeq + " at " + (a.transitionAt / MIN - T_MINUTE)
                + " since " + (a.startedAt / MIN - T_MINUTE) + " id " + a.alertId + " value "
                + (Double.isNaN(a.value) ? "NaN" : String.format("%.6g", a.value));
    }

    /**
     * The obvious evaluator: at every minute from the rule's first input to the stream's last, for every group seen
     * (and not forgotten after {@link #IDLE_TIMEOUT} without input), the rule's value recomputed
     * from all inputs of the window, fed to the state machine.
     */
    static final class EveryMinute {
        private final AlertRule rule;
        private final AlertStateMachine machine;

        EveryMinute(AlertRule rule) {
            this.rule = rule;
            this.machine = new AlertStateMachine(rule);
        }

        /** @param end the last minute the watermark passes before the end of input */
        List<String> run(List<RuleInput> all, long end) {
            List<RuleInput> inputs = new ArrayList<>();
            for (RuleInput in : all) {
                if (in.rule.equals(rule.name())) {
                    inputs.add(in);
                }
            }
            List<String> out = new ArrayList<>();
            if (inputs.isEmpty()) {
                return out;
            }
            Map<Long, List<RuleInput>> byMinute = new HashMap<>();
            for (RuleInput in : inputs) {
                byMinute.computeIfAbsent(in.minute, k -> new ArrayList<>()).add(in);
            }
            long first = inputs.get(0).minute;
            long last = end;
            Map<String, AlertGroupState> states = new TreeMap<>();
            Map<String, Long> lastInput = new HashMap<>();
            Map<String, Long> lastTraffic = new HashMap<>();
            Map<String, java.util.Set<Long>> trafficMinutes = new HashMap<>();
            for (long e = first; e <= last; e++) {
                for (RuleInput in : byMinute.getOrDefault(e, List.of())) {
                    {
                        states.putIfAbsent(in.labelsJson, new AlertGroupState());
                        lastInput.put(in.labelsJson, e);
                        if (in.requests > 0) {
                            lastTraffic.put(in.labelsJson, e);
                            trafficMinutes.computeIfAbsent(in.labelsJson, k -> new java.util.HashSet<>()).add(e);
                        }
                    }
                }
                long at = (e + 1) * MIN;
                for (String group : new ArrayList<>(states.keySet())) {
                    AlertGroupState s = states.get(group);
                    List<AlertRecord> records;
                    if (e - lastInput.get(group) >= IDLE_TIMEOUT.toMinutes()) {
                        records = machine.forget(s, group, at, IDLE_TIMEOUT);
                        states.remove(group);
                        lastTraffic.remove(group);
                        trafficMinutes.remove(group);
                    } else {
                        boolean established = trafficMinutes.getOrDefault(group, java.util.Set.of()).size() >= rule.minSample();
                        records = evaluate(s, group, byMinute, e, at, established ? lastTraffic.get(group) : null);
                    }
                    for (AlertRecord a : records) {
                        out.add(line(a));
                    }
                }
            }
            return out;
        }

        private List<AlertRecord> evaluate(AlertGroupState s, String group, Map<Long, List<RuleInput>> byMinute, long e,
                long at,
                Long lastTraffic) {
            if (rule.kpi() == Kpi.NO_DATA) {
                boolean silent = lastTraffic != null && e - lastTraffic >= rule.silentFor().toMinutes();
                return machine.evaluateCondition(s, group, at, silent);
            }
            if (rule.kpi() == Kpi.IDLE_ENDPOINT) {
                boolean idle = true;
                for (long x = e - rule.idleFor().toMinutes() + 1; x <= e; x++) {
                    long billed = 0;
                    long requests = 0;
                    boolean seen = false;
                    for (RuleInput in : byMinute.getOrDefault(x, List.of())) {
                        if (in.labelsJson.equals(group)) {
                            seen = true;
                            billed += in.billedMs;
                            requests += in.requests;
                        }
                    }
                    idle &= seen && billed > 0 && requests == 0;
                }
                return machine.evaluateCondition(s, group, at, idle);
            }
            if (rule.kpi() == Kpi.SLO_BURN) {
                long[] whole = sums(group, byMinute, e, rule.window().toMinutes());
                long[] recent = sums(group, byMinute, e, rule.shortWindow().toMinutes());
                double budget = rule.slo().errorBudget();
                double burnLong = whole[1] / (double) whole[0] / budget;
                double burnShort = recent[0] == 0 ? 0 : recent[1] / (double) recent[0] / budget;
                return machine.evaluate(s, group, at, whole[0] == 0 ? Double.NaN : Math.min(burnLong, burnShort), whole[0]);
            }
            long count = 0;
            long errors = 0;
            long failures = 0;
            double max = Double.NaN;
            DDSketch sketch = null;
            List<RuleInput> window = new ArrayList<>();
            for (long x = e - rule.window().toMinutes() + 1; x <= e; x++) {
                window.addAll(byMinute.getOrDefault(x, List.of()));
            }
            for (RuleInput in : window) {
                if (in.labelsJson.equals(group)) {
                    count += in.count;
                    errors += in.errors;
                    failures += in.failures;
                    if (in.count > 0) {
                        max = Double.isNaN(max) ? in.max : Math.max(max, in.max);
                    }
                    if (in.sketch.length > 0) {
                        DDSketch one = LatencySketches.fromBytes(in.sketch);
                        if (sketch == null) {
                            sketch = one;
                        } else {
                            sketch.mergeWith(one);
                        }
                    }
                }
            }
            double value;
            switch (rule.statistic()) {
                case ERROR_RATE: value = count == 0 ? Double.NaN : errors / (double) count; break;
                case REQUESTS: value = count; break;
                case P95: value = sketch == null ? Double.NaN : sketch.getValueAtQuantile(0.95); break;
                case MAX: value = count == 0 ? Double.NaN : max; break;
                case FAILED: value = failures; break;
                default: throw new IllegalArgumentException(rule.statistic().toString());
            }
            return machine.evaluate(s, group, at, value, count);
        }

        /** Σ count and Σ errors of the group's inputs in the {@code minutes} ending at {@code e}. */
        private static long[] sums(String group, Map<Long, List<RuleInput>> byMinute, long e, long minutes) {
            long[] sums = new long[2];
            for (long x = e - minutes + 1; x <= e; x++) {
                for (RuleInput in : byMinute.getOrDefault(x, List.of())) {
                    if (in.labelsJson.equals(group)) {
                        sums[0] += in.count;
                        sums[1] += in.errors;
                    }
                }
            }
            return sums;
        }
    }
}
