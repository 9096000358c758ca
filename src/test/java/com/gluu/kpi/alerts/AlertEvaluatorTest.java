package com.gluu.kpi.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.gluu.kpi.accuracy.AccuracyObservation;
import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.health.EndpointSlot;
import com.gluu.kpi.latency.LatencyAccumulator;
import com.gluu.kpi.latency.LatencyObservation;
import com.gluu.kpi.latency.LatencyPartial;
import com.gluu.kpi.traffic.TrafficCounts;
import com.gluu.kpi.traffic.TrafficPartial;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/** {@link RuleInputs} and {@link AlertEvaluator} in operator harnesses, minute by minute. */
class AlertEvaluatorTest {
    private static final long MIN = 60_000L;
    private static final long T = 1_767_225_600_000L; // 2026-01-01T00:00:00Z, a whole minute

    /** A harness over the evaluator for these rules. */
    /** Runs {@code value} (timestamp {@code ts}) through {@code f} and into the evaluator. */
    /** Last millisecond of minute {@code m} after T: the timestamp partials and slots carry. */
    private static long lastMs(int m) {
        return T + (m + 1) * MIN - 1;
    }

    private static TrafficPartial traffic(String service, String route, String model, String endpoint, long requests,
            long errors) {
        return AlertHarness.traffic(service, route, model, endpoint, requests, errors);
    }

    private static EndpointSlot slot(String endpoint, String model, int minute, long billedMs, long restarts,
            long failures) {
        EndpointSlot s = new EndpointSlot();
        s.endpoint = endpoint;
        s.model = model;
        s.slotStart = T + minute * MIN;
        s.slotEnd = s.slotStart + MIN;
        s.observedMs = MIN;
        s.billedMs = billedMs;
        s.inServiceMs = billedMs;
        s.restarts = restarts;
        s.failures = failures;
        return s;
    }

    @Test
    void latencyP95OverFiveMinutesFiresAndResolves() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: p95_critical, kpi: latency, statistic: p95, comparison: '>', "
                + "threshold: 10000, group_by: [service, model], severity: critical}\n");
        RuleInputs.Latency in = new RuleInputs.Latency(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            // minute 0: ep-a 10 × 12 s and ep-b 10 × 2 s, one group (service, model).
            // 20 values sorted: p95 is at rank 0.95 × 19 = 18.05, among the 12 s ones → 12 000 (±1 %).
            AlertHarness.send(h, in, AlertHarness.latency("analyze-api", "blip2", "ep-a", 10, 12_000), lastMs(0));
            AlertHarness.send(h, in, AlertHarness.latency("analyze-api", "blip2", "ep-b", 10, 2_000), lastMs(0));
            h.processWatermark(lastMs(0));
            List<AlertRecord> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            AlertRecord fired = out.get(0);
            assertThat(fired.state).isEqualTo("firing");
            assertThat(fired.labelsJson).isEqualTo("{\"model\":\"blip2\",\"service\":\"analyze-api\"}");
            assertThat(fired.value).isCloseTo(12_000, within(120.0));
            assertThat(fired.startedAt).isEqualTo(T + MIN);
            assertThat(fired.transitionAt).isEqualTo(T + MIN);
            // emitted with the evaluated minute's last millisecond
            assertThat(h.getOutput().stream()
                    .filter(o -> o instanceof org.apache.flink.streaming.runtime.streamrecord.StreamRecord)
                    .map(o -> ((org.apache.flink.streaming.runtime.streamrecord.StreamRecord<?>) o).getTimestamp()))
                    .containsExactly(lastMs(0));

            // minutes 1..5: 20 × 2 s each. At minute 4 the window (0..4] holds 10 × 12 s of 100 values:
            // rank 0.95 × 99 = 94.05 falls in the top 10 → still 12 s, still firing. At minute 5 the
            // window (1..5] is all 2 s → resolves with p95 ≈ 2000.
            for (int m = 1; m <= 5; m++) {
                AlertHarness.send(h, in, AlertHarness.latency("analyze-api", "blip2", "ep-a", 20, 2_000), lastMs(m));
                h.processWatermark(lastMs(m));
                assertThat(h.extractOutputValues()).as("minute %d", m).hasSize(m < 5 ? 1 : 2);
            }
            AlertRecord resolved = h.extractOutputValues().get(1);
            assertThat(resolved.state).isEqualTo("resolved");
            assertThat(resolved.alertId).isEqualTo(fired.alertId);
            assertThat(resolved.notifySeq).isEqualTo(2);
            assertThat(resolved.resolvedAt).isEqualTo(T + 6 * MIN);
            assertThat(resolved.value).isCloseTo(2_000, within(20.0));
        }
    }

    @Test
    void theShippedRulesIncludingTenantBudgetWhichHasNoWindowBuildAnEvaluator() throws Exception {
        // tenant_budget has no window (TenantBudgetEvaluator evaluates it): the evaluator, which gets
        // every rule, must still size its look-back (it threw a NullPointerException, failing every replay).
        AlertRules rules = AlertRules.load(java.nio.file.Path.of("jobs/alert-rules.yaml"));
        assertThat(rules.rules()).anyMatch(r -> r.kpi() == com.gluu.kpi.config.AlertRule.Kpi.TENANT_BUDGET);
        try (var h = AlertHarness.evaluator(rules)) {
            h.processWatermark(lastMs(0));
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }

    @Test
    void errorRateNeedsTwentyRequests() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: ecs_error_rate, kpi: traffic, statistic: error_rate, "
                + "comparison: '>', threshold: 0.01, min_sample: 20, group_by: [service], severity: critical}\n");
        RuleInputs.Traffic in = new RuleInputs.Traffic(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            // minute 0: 10 requests, 5 errors (two routes, one service): 0.5 but only 10 requests → nothing
            AlertHarness.send(h, in, traffic("api", "/a", "m", "ep", 6, 5), lastMs(0));
            AlertHarness.send(h, in, traffic("api", "/b", "m", "ep", 4, 0), lastMs(0));
            h.processWatermark(lastMs(0));
            assertThat(h.extractOutputValues()).isEmpty();
            // minute 1: 10 requests, 0 errors: window 20 requests, 5 errors = 0.25 → fires
            AlertHarness.send(h, in, traffic("api", "/a", "m", "ep", 10, 0), lastMs(1));
            h.processWatermark(lastMs(1));
            assertThat(h.extractOutputValues()).extracting(r -> r.value).containsExactly(0.25);
            // minutes 2..5: 100 requests, 0 errors each. minute 4: (0..4] 320 requests, 5 errors = 0.0156 > 0.01;
            // minute 5: (1..5] 410 requests, 0 errors → resolved with 0.
            for (int m = 2; m <= 5; m++) {
                AlertHarness.send(h, in, traffic("api", "/a", "m", "ep", 100, 0), lastMs(m));
                h.processWatermark(lastMs(m));
            }
            List<AlertRecord> out = h.extractOutputValues();
            assertThat(out).extracting(r -> r.state).containsExactly("firing", "resolved");
            assertThat(out.get(1).value).isEqualTo(0.0);
            assertThat(out.get(1).transitionAt).isEqualTo(T + 6 * MIN);
            assertThat(out.get(0).labelsJson).isEqualTo("{\"service\":\"api\"}");
        }
    }

    @Test
    void endpointFailedFiresAtOnceAndResolvesWhenTheFailureLeavesTheWindow() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: endpoint_failed, kpi: endpoint_event, statistic: failed, "
                + "group_by: [endpoint, model], severity: critical}\n");
        RuleInputs.Endpoints in = new RuleInputs.Endpoints(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            for (int m = 0; m <= 9; m++) {
                AlertHarness.send(h, in, slot("ep-a", "blip2", m, MIN, 0, m == 3 ? 1 : 0), lastMs(m));
                h.processWatermark(lastMs(m));
            }
            List<AlertRecord> out = h.extractOutputValues();
            // fires at minute 3 (1 failure >= 1); the 5-minute window (3..7] at minute 8 no longer holds it
            assertThat(out).extracting(r -> r.state).containsExactly("firing", "resolved");
            assertThat(out.get(0).transitionAt).isEqualTo(T + 4 * MIN);
            assertThat(out.get(0).value).isEqualTo(1.0);
            assertThat(out.get(0).threshold).isEqualTo(1.0);
            assertThat(out.get(0).labelsJson).isEqualTo("{\"endpoint\":\"ep-a\",\"model\":\"blip2\"}");
            assertThat(out.get(1).transitionAt).isEqualTo(T + 9 * MIN);
            assertThat(out.get(1).value).isEqualTo(0.0);
        }
    }

    /**
     * A failed deploy: ep-a is Creating in minute 2 and fails in minute 3 (the deploy is in the
     * window 2..3 when it fires): the episode is held back (recorded, not sent), its resolve too.
     * A failure in minute 20 with no deploy in its window is an ordinary page. With the setting
     * off, the deploy holds nothing back.
     */
    @Test
    void aDeployingEndpointSilencesItsOwnFailureAlerts() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: endpoint_failed, kpi: endpoint_event, statistic: failed, "
                + "group_by: [endpoint, model], severity: critical}\n");
        RuleInputs.Endpoints in = new RuleInputs.Endpoints(rules);
        for (boolean on : new boolean[] {true, false}) {
            try (var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                    new AlertEvaluator(rules).deploySilences(on), r -> r.rule, Types.STRING)) {
                for (int m = 0; m <= 30; m++) {
                    EndpointSlot s = slot("ep-a", "blip2", m, MIN, 0, m == 3 || m == 20 ? 1 : 0);
                    s.deployMs = m == 2 ? MIN : 0;
                    AlertHarness.send(h, in, s, lastMs(m));
                    h.processWatermark(lastMs(m));
                }
                String held = on ? "deploy" : "sent";
                assertThat(h.extractOutputValues()).extracting(r -> r.state + " " + (r.transitionAt - T) / MIN + " "
                        + (r.inhibitedBy == null ? "sent" : r.inhibitedBy))
                        .containsExactly("firing 4 " + held, "resolved 9 " + held, "firing 21 sent", "resolved 26 sent");
            }
        }
    }

    @Test
    void noDataFiresWithNoInputAndResolvesWhenTrafficReturns() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: no_data, kpi: no_data, silent_for: 10m, min_sample: 1, "
                + "group_by: [service], severity: warning}\n");
        RuleInputs.Traffic in = new RuleInputs.Traffic(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            AlertHarness.send(h, in, traffic("api", "/a", "m", "ep", 5, 0), lastMs(0));
            // minutes 1..9 silent: 9 minutes, not yet 10
            h.processWatermark(lastMs(9));
            assertThat(h.extractOutputValues()).isEmpty();
            // minute 10: 10 silent minutes, nothing arrived
            h.processWatermark(lastMs(10));
            List<AlertRecord> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).state).isEqualTo("firing");
            assertThat(out.get(0).transitionAt).isEqualTo(T + 11 * MIN);
            assertThat(out.get(0).labelsJson).isEqualTo("{\"service\":\"api\"}");
            AlertHarness.send(h, in, traffic("api", "/a", "m", "ep", 1, 0), lastMs(12));
            h.processWatermark(lastMs(12));
            assertThat(h.extractOutputValues()).extracting(r -> r.state).containsExactly("firing", "resolved");
        }
    }

    /**
     * no_data watches a group only once it has had requests in min_sample minutes (default 5):
     * "old" has requests in minutes 0..4 (5 minutes), "new" in 0..3 (4 minutes), both silent after;
     * old is silent for 10 minutes at minute 14 (fires at T + 15 min), new never fires.
     */
    @Test
    void noDataWatchesOnlyGroupsWithEstablishedTraffic() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: no_data, kpi: no_data, silent_for: 10m, "
                + "group_by: [service], severity: warning}\n");
        RuleInputs.Traffic in = new RuleInputs.Traffic(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            for (int m = 0; m <= 4; m++) {
                AlertHarness.send(h, in, traffic("old", "/a", "m", "ep", 3, 0), lastMs(m));
                if (m <= 3) {
                    AlertHarness.send(h, in, traffic("new", "/a", "m", "ep", 3, 0), lastMs(m));
                }
            }
            RuleInput end = new RuleInput();
            end.rule = "no_data";
            end.inputEndTs = lastMs(40);
            end.minute = Math.floorDiv(end.inputEndTs, MIN);
            h.processElement(end, lastMs(40));
            h.processWatermark(Long.MAX_VALUE);
            assertThat(h.extractOutputValues()).extracting(r -> r.labelsJson + " " + r.state + " " + r.transitionAt)
                    .containsExactly("{\"service\":\"old\"} firing " + (T + 15 * MIN));
        }
    }

    @Test
    void endOfInputIsNotSilence() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: no_data, kpi: no_data, silent_for: 10m, min_sample: 1, "
                + "group_by: [service], severity: warning}\n");
        try (var h = AlertHarness.evaluator(rules)) {
            AlertHarness.send(h, new RuleInputs.Traffic(rules), traffic("api", "/a", "m", "ep", 5, 0), lastMs(0));
            h.processWatermark(Long.MAX_VALUE);
            assertThat(h.extractOutputValues()).isEmpty();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    /**
     * The end of the input is the input's last event time, not the rule's last input: a service
     * silent for the last 30 of the input's minutes is silence, even when the watermark jumps from
     * minute 0 straight to the end (no timer in between fired before it).
     */
    @Test
    void aSilenceInsideTheInputFiresEvenWhenTheWatermarkJumpsToTheEnd() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: no_data, kpi: no_data, silent_for: 10m, min_sample: 1, "
                + "group_by: [service], severity: warning}\n");
        try (var h = AlertHarness.evaluator(rules)) {
            AlertHarness.send(h, new RuleInputs.Traffic(rules), traffic("api", "/a", "m", "ep", 5, 0), lastMs(0));
            RuleInput end = new RuleInput();
            end.rule = "no_data";
            end.inputEndTs = lastMs(30);
            end.minute = Math.floorDiv(end.inputEndTs, MIN);
            h.processElement(end, lastMs(30));
            h.processWatermark(Long.MAX_VALUE);
            // minute 10: 10 silent minutes → fires (at T + 11 min); the repeat would be at minute 70,
            // after the input's end at minute 30: nothing more
            assertThat(h.extractOutputValues()).extracting(r -> r.state + " " + r.transitionAt)
                    .containsExactly("firing " + (T + 11 * MIN));
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void idleEndpointFiresAfterThirtyBilledMinutesWithoutARequest() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: idle_endpoint, kpi: idle_endpoint, idle_for: 30m, "
                + "group_by: [endpoint, model], severity: info}\n");
        RuleInputs.Endpoints slots = new RuleInputs.Endpoints(rules);
        RuleInputs.Traffic requests = new RuleInputs.Traffic(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            for (int m = 0; m <= 36; m++) {
                AlertHarness.send(h, slots, slot("ep-a", "blip2", m, MIN, 0, 0), lastMs(m));
                if (m == 0 || m == 36) {
                    AlertHarness.send(h, requests, traffic("api", "/a", "blip2", "ep-a", 3, 0), lastMs(m));
                }
                // another endpoint of the same model, busy every minute: never idle
                AlertHarness.send(h, slots, slot("ep-b", "blip2", m, MIN, 0, 0), lastMs(m));
                AlertHarness.send(h, requests, traffic("api", "/a", "blip2", "ep-b", 1, 0), lastMs(m));
                h.processWatermark(lastMs(m));
                if (m == 29) {
                    assertThat(h.extractOutputValues()).as("minutes 1..29 are only 29 idle minutes").isEmpty();
                }
            }
            // request at minute 0; minutes 1..30 billed without a request → fires at minute 30;
            // a request at minute 36 resolves it.
            List<AlertRecord> out = h.extractOutputValues();
            assertThat(out).extracting(r -> r.state).containsExactly("firing", "resolved");
            assertThat(out).extracting(r -> r.labelsJson).containsOnly("{\"endpoint\":\"ep-a\",\"model\":\"blip2\"}");
            assertThat(out.get(0).transitionAt).isEqualTo(T + 31 * MIN);
            assertThat(out.get(0).startedAt).isEqualTo(T + 31 * MIN);
            assertThat(out.get(1).transitionAt).isEqualTo(T + 37 * MIN);
        }
    }

    @Test
    void accuracyMeanScoreWithMinSample() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: accuracy_low, kpi: accuracy, comparison: '<', "
                + "threshold: 0.8, min_sample: 4, window: 1h, group_by: [model], severity: warning}\n");
        RuleInputs.Accuracy in = new RuleInputs.Accuracy(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            // scores 1, 0, 1 in minute 0 (3 < 4 feedback: nothing), 0.5 in minute 2: mean 2.5 / 4 = 0.625 < 0.8
            AlertHarness.send(h, in, new AccuracyObservation("blip2", "", "correct", 1.0, T + 1_000), T + 1_000);
            AlertHarness.send(h, in, new AccuracyObservation("blip2", "", "incorrect", 0.0, T + 2_000), T + 2_000);
            AlertHarness.send(h, in, new AccuracyObservation("blip2", "", "correct", 1.0, T + 3_000), T + 3_000);
            h.processWatermark(lastMs(1));
            assertThat(h.extractOutputValues()).isEmpty();
            AlertHarness.send(h, in, new AccuracyObservation("blip2", "", "partial", 0.5, T + 2 * MIN + 5), T + 2 * MIN + 5);
            h.processWatermark(lastMs(2));
            assertThat(h.extractOutputValues()).extracting(r -> r.value).containsExactly(0.625);
        }
    }

    @Test
    void accuracyWaitsFeedbackWaitPlusLatenessSoFeedbackDecidedLateCountsInItsOwnMinute() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: accuracy_low, kpi: accuracy, comparison: '<', "
                + "threshold: 0.8, min_sample: 4, window: 1h, group_by: [model], severity: warning}\n");
        RuleInputs.Accuracy in = new RuleInputs.Accuracy(rules);
        try (var h = AlertHarness.evaluator(rules, java.time.Duration.ofMinutes(15))) {
            AlertHarness.send(h, in, new AccuracyObservation("blip2", "", "correct", 1.0, T + 1_000), T + 1_000);
            AlertHarness.send(h, in, new AccuracyObservation("blip2", "", "incorrect", 0.0, T + 2_000), T + 2_000);
            AlertHarness.send(h, in, new AccuracyObservation("blip2", "", "correct", 1.0, T + 3_000), T + 3_000);
            h.processWatermark(lastMs(10));
            assertThat(h.extractOutputValues()).as("minute 0 not evaluated before T + 16 min").isEmpty();
            // A feedback of minute 0 that waited for its inference, emitted by the join at watermark
            // T + 10 min with its own ts: it still counts in minute 0 (4 feedback, mean 2.5 / 4).
            AlertHarness.send(h, in, new AccuracyObservation("blip2", "", "partial", 0.5, T + 4_000), T + 4_000);
            h.processWatermark(lastMs(0) + 15 * MIN - 1);
            assertThat(h.extractOutputValues()).isEmpty();
            h.processWatermark(lastMs(0) + 15 * MIN);
            List<AlertRecord> out = h.extractOutputValues();
            assertThat(out).extracting(r -> r.state + " " + r.value).containsExactly("firing 0.625");
            assertThat(out.get(0).startedAt).as("the minute's own time").isEqualTo(T + MIN);
        }
    }

    @Test
    void anEarlierMinuteArrivingAfterALaterOneIsStillEvaluated() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: errs, kpi: traffic, statistic: error_rate, "
                + "comparison: '>', threshold: 0.2, window: 1m, group_by: [service], severity: critical}\n");
        RuleInputs.Traffic in = new RuleInputs.Traffic(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            // both before the watermark passes either: minute 1 (clean) first, then minute 0 (1 of 2 failed)
            AlertHarness.send(h, in, traffic("api", "/a", "m", "ep", 10, 0), lastMs(1));
            AlertHarness.send(h, in, traffic("api", "/a", "m", "ep", 2, 1), lastMs(0));
            h.processWatermark(lastMs(1));
            // minute 0: 0.5 > 0.2 fires; minute 1 (1-minute window): 0 resolves
            assertThat(h.extractOutputValues()).extracting(r -> r.state + " " + r.value)
                    .containsExactly("firing 0.5", "resolved 0.0");
        }
    }

    @Test
    void aFiringEpisodeSurvivesASnapshotAndRestore() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: errs, kpi: traffic, statistic: error_rate, "
                + "comparison: '>', threshold: 0.2, window: 2m, group_by: [service], severity: critical}\n");
        RuleInputs.Traffic in = new RuleInputs.Traffic(rules);
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
        String id;
        try (var h = AlertHarness.evaluator(rules)) {
            AlertHarness.send(h, in, traffic("api", "/a", "m", "ep", 10, 5), lastMs(0)); // 0.5: fires at minute 0
            h.processWatermark(lastMs(0));
            id = h.extractOutputValues().get(0).alertId;
            AlertHarness.send(h, in, traffic("api", "/a", "m", "ep", 10, 0), lastMs(1));
            snapshot = h.snapshot(1L, 1L);
        }
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord>(
                new org.apache.flink.streaming.api.operators.KeyedProcessOperator<>(new AlertEvaluator(rules)),
                in2 -> in2.rule, Types.STRING)) {
            h.initializeState(snapshot);
            h.open();
            // minute 1 (from the snapshot): 5 / 20 = 0.25, still firing; minute 2: window (0..2] = minutes 1, 2:
            // 0 / 20 → resolved, same episode
            AlertHarness.send(h, in, traffic("api", "/a", "m", "ep", 10, 0), lastMs(2));
            h.processWatermark(lastMs(2));
            List<AlertRecord> out = h.extractOutputValues();
            assertThat(out).extracting(r -> r.state + " " + r.notifySeq + " " + r.value).containsExactly("resolved 2 0.0");
            assertThat(out.get(0).alertId).isEqualTo(id);
            assertThat(out.get(0).transitionAt).isEqualTo(T + 3 * MIN);
        }
    }

    @Test
    void quietGroupsAreDroppedAndTheTimerChainStops() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: errs, kpi: traffic, statistic: error_rate, "
                + "comparison: '>', threshold: 0.5, group_by: [service], severity: critical}\n");
        try (var h = AlertHarness.evaluator(rules)) {
            AlertHarness.send(h, new RuleInputs.Traffic(rules), traffic("api", "/a", "m", "ep", 10, 0), lastMs(0));
            h.processWatermark(lastMs(4));
            assertThat(h.numKeyedStateEntries()).isGreaterThan(0);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            // minute 5: no input in (0..5], not firing → dropped; no group left → no more timers
            h.processWatermark(lastMs(5));
            assertThat(h.numEventTimeTimers()).isZero();
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }
    /**
     * The evaluator's watermark is the slowest of its inputs (feedback waits 10 minutes), so slots
     * and partials arrive up to ~10 minutes before their minute is evaluated. The demo trace: a
     * failure at minute 3, the restart at minute 6, every slot sent 10 minutes ahead of the watermark.
     */
    @Test
    void endpointEventsArrivingTenMinutesAheadOfTheWatermarkAreKept() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n"
                + "  - {name: endpoint_failed, kpi: endpoint_event, statistic: failed, group_by: [endpoint, model], severity: critical}\n"
                + "  - {name: endpoint_restart, kpi: endpoint_event, statistic: restart, group_by: [endpoint, model], severity: warning}\n");
        RuleInputs.Endpoints in = new RuleInputs.Endpoints(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            for (int m = 0; m <= 30; m++) {
                AlertHarness.send(h, in, slot("ep-a", "blip2", m, m >= 3 && m < 6 ? 0 : MIN, m == 6 ? 1 : 0, m == 3 ? 1 : 0), lastMs(m));
                if (m >= 10) {
                    h.processWatermark(lastMs(m - 10));
                }
            }
            h.processWatermark(lastMs(30));
            List<AlertRecord> out = h.extractOutputValues();
            // failed: minute 3 is in the 5-minute windows of minutes 3..7 → fires at the end of minute 3
            // (T + 4 min), resolves at minute 8 (window (3..8]), the end of minute 8 (T + 9 min).
            assertThat(out).filteredOn(r -> r.rule.equals("endpoint_failed"))
                    .extracting(r -> r.state + " " + r.transitionAt + " " + r.value)
                    .containsExactly("firing " + (T + 4 * MIN) + " 1.0", "resolved " + (T + 9 * MIN) + " 0.0");
            // restart at minute 6: fires at T + 7 min, resolves at minute 11 (T + 12 min)
            assertThat(out).filteredOn(r -> r.rule.equals("endpoint_restart"))
                    .extracting(r -> r.state + " " + r.transitionAt + " " + r.value)
                    .containsExactly("firing " + (T + 7 * MIN) + " 1.0", "resolved " + (T + 12 * MIN) + " 0.0");
        }
    }

    /** llava-endpoint of the demo: billed every minute, never called, slots 10 minutes ahead of the watermark. */
    @Test
    void idleEndpointWithSlotsAheadOfTheWatermarkFiresOnceAndStaysFiring() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: idle_endpoint, kpi: idle_endpoint, idle_for: 30m, "
                + "group_by: [endpoint, model], severity: info}\n");
        RuleInputs.Endpoints slots = new RuleInputs.Endpoints(rules);
        RuleInputs.Traffic requests = new RuleInputs.Traffic(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            for (int m = 0; m <= 120; m++) {
                AlertHarness.send(h, slots, slot("llava-ep", "llava", m, MIN, 0, 0), lastMs(m));
                // another endpoint, busy: feeds the same rule from the traffic stream
                AlertHarness.send(h, slots, slot("blip2-ep", "blip2", m, MIN, 0, 0), lastMs(m));
                AlertHarness.send(h, requests, traffic("api", "/a", "blip2", "blip2-ep", 2, 0), lastMs(m));
                if (m >= 10) {
                    h.processWatermark(lastMs(m - 10));
                }
            }
            h.processWatermark(lastMs(110));
            // minutes 0..29 are 30 billed minutes without a request: fires at the end of minute 29
            // (T + 30 min), repeats after 1 h (T + 90 min) and never resolves; the busy endpoint never fires.
            List<AlertRecord> out = h.extractOutputValues();
            String llava = "{\"endpoint\":\"llava-ep\",\"model\":\"llava\"}";
            assertThat(out).extracting(r -> r.state + " " + r.notifySeq + " " + r.labelsJson + " " + r.transitionAt)
                    .containsExactly("firing 1 " + llava + " " + (T + 30 * MIN), "firing 2 " + llava + " " + (T + 90 * MIN));
        }
    }

    /** Latency partials far ahead of the watermark: the 12 s minute stays in the window until it leaves it. */
    @Test
    void latencyPartialsAheadOfTheWatermarkStayInTheWindow() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: p95_critical, kpi: latency, statistic: p95, comparison: '>', "
                + "threshold: 10000, group_by: [service, model], severity: critical}\n");
        RuleInputs.Latency in = new RuleInputs.Latency(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            for (int m = 0; m <= 20; m++) {
                AlertHarness.send(h, in, AlertHarness.latency("analyze-api", "blip2", "ep-a", m == 2 ? 20 : 1, m == 2 ? 12_000 : 2_000), lastMs(m));
            }
            h.processWatermark(lastMs(20));
            // minute 2: 20 × 12 s in every window (m-5..m] for m = 2..6 (≥ 20 of ≤ 24 values): fires at
            // T + 3 min, resolves at minute 7 (T + 8 min)
            assertThat(h.extractOutputValues()).extracting(r -> r.state + " " + r.transitionAt)
                    .containsExactly("firing " + (T + 3 * MIN), "resolved " + (T + 8 * MIN));
        }
    }
    /** Traffic that resumes is known before the silence is evaluated (inputs 10 minutes ahead): it still fires. */
    @Test
    void noDataSeesTheSilenceWhenTheReturningTrafficArrivesEarly() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: no_data, kpi: no_data, silent_for: 10m, min_sample: 1, "
                + "group_by: [service], severity: warning}\n");
        RuleInputs.Traffic in = new RuleInputs.Traffic(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            for (int m = 0; m <= 30; m++) {
                // traffic in minutes 0 and 16..30, none in 1..15
                AlertHarness.send(h, in, traffic("api", "/a", "m", "ep", m == 0 || m >= 16 ? 5 : 0, 0), lastMs(m));
                if (m >= 10) {
                    h.processWatermark(lastMs(m - 10));
                }
            }
            h.processWatermark(lastMs(30));
            // minute 10 is the 10th silent minute: fires at T + 11 min; traffic in minute 16 resolves at T + 17 min
            assertThat(h.extractOutputValues()).extracting(r -> r.state + " " + r.transitionAt)
                    .containsExactly("firing " + (T + 11 * MIN), "resolved " + (T + 17 * MIN));
        }
    }
}
