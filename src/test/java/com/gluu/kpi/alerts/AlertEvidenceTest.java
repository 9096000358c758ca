package com.gluu.kpi.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.events.InferenceStatus;
import com.gluu.kpi.latency.LatencyAccumulator;
import com.gluu.kpi.latency.LatencyObservation;
import com.gluu.kpi.latency.LatencyPartial;
import com.gluu.kpi.traffic.TrafficCounts;
import com.gluu.kpi.traffic.TrafficPartial;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/** {@code kpi.alert_evidence}: the requests behind a new episode, from {@link RuleInputs.Requests}. */
class AlertEvidenceTest {
    private static final long MIN = 60_000L;
    private static final long T = 1_767_225_600_000L;

    private static InferenceEvent request(String id, InferenceStatus status, double totalMs) {
        InferenceEvent e = new InferenceEvent();
        e.requestId = id;
        e.service = "api";
        e.route = "/a";
        e.model = "blip2";
        e.endpoint = "ep";
        e.status = status;
        e.totalLatencyMs = totalMs;
        return e;
    }

    private static List<AlertEvidence> evidence(KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord> h) {
        List<AlertEvidence> out = new ArrayList<>();
        var queue = h.getSideOutput(AlertEvaluator.EVIDENCE);
        if (queue != null) {
            for (StreamRecord<AlertEvidence> r : queue) {
                out.add(r.getValue());
            }
        }
        return out;
    }

    private static LatencyPartial latency(int n, double ms) {
        return AlertHarness.latency("api", "blip2", "ep", n, ms);
    }

    @Test
    void latencyEpisodeGetsTheTwentySlowestRequestsAboveTheThresholdInItsWindow() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: slow, kpi: latency, statistic: p95, comparison: '>', "
                + "threshold: 10000, group_by: [service], severity: critical}\n");
        RuleInputs.Requests requests = new RuleInputs.Requests(rules);
        RuleInputs.Latency partials = new RuleInputs.Latency(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            // minute 0: s01..s25 at 10 100..12 500 ms (a minute keeps its 20 slowest: s06..s25), one fast request
            for (int i = 1; i <= 25; i++) {
                AlertHarness.send(h, requests, request(String.format("s%02d", i), InferenceStatus.OK, 10_000 + 100 * i), T + i * 1000);
            }
            AlertHarness.send(h, requests, request("fast", InferenceStatus.OK, 2_000), T + 30_000);
            AlertHarness.send(h, partials, latency(100, 2_000), T + MIN - 1);
            h.processWatermark(T + MIN - 1);
            assertThat(h.extractOutputValues()).as("p95 2 s: no episode").isEmpty();
            assertThat(evidence(h)).isEmpty();
            // minute 1: t1 at 13 000 ms and t2 at 9 000 ms (under the threshold: not evidence); 100 × 20 s → p95 20 s fires
            AlertHarness.send(h, requests, request("t1", InferenceStatus.OK, 13_000), T + MIN + 5_000);
            AlertHarness.send(h, requests, request("t2", InferenceStatus.OK, 9_000), T + MIN + 6_000);
            AlertHarness.send(h, partials, latency(100, 20_000), T + 2 * MIN - 1);
            h.processWatermark(T + 2 * MIN - 1);

            List<AlertRecord> fired = h.extractOutputValues();
            assertThat(fired).hasSize(1);
            List<AlertEvidence> ev = evidence(h);
            // the slowest 20 of the window: t1 (13 000), then s25 (12 500) down to s07 (10 700)
            List<String> expected = new ArrayList<>(List.of("t1"));
            for (int i = 25; i >= 7; i--) {
                expected.add(String.format("s%02d", i));
            }
            assertThat(ev).extracting(e -> e.requestId).containsExactlyElementsOf(expected);
            assertThat(ev).extracting(e -> e.alertId).containsOnly(fired.get(0).alertId);
            assertThat(ev.get(0).value).isEqualTo(13_000.0);
            assertThat(ev.get(0).ts).isEqualTo(T + MIN + 5_000);
            assertThat(ev.get(19).value).isEqualTo(10_700.0);
            assertThat(ev.get(19).ts).isEqualTo(T + 7_000);

            // still firing at minute 2: no new evidence (one set per episode)
            AlertHarness.send(h, partials, latency(100, 20_000), T + 3 * MIN - 1);
            h.processWatermark(T + 3 * MIN - 1);
            assertThat(evidence(h)).hasSize(20);
        }
    }

    @Test
    void errorEpisodeGetsTheLatestFailedRequests() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n  - {name: errs, kpi: traffic, statistic: error_rate, comparison: '>', "
                + "threshold: 0.01, group_by: [service], severity: critical}\n");
        RuleInputs.Requests requests = new RuleInputs.Requests(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            // f01..f25 failed at T + 1..25 s (the minute keeps the latest 20: f06..f25); a client error and an ok
            // request are not failures
            for (int i = 1; i <= 25; i++) {
                AlertHarness.send(h, requests, request(String.format("f%02d", i), InferenceStatus.ERROR, 100), T + i * 1000);
            }
            AlertHarness.send(h, requests, request("c1", InferenceStatus.CLIENT_ERROR, 100), T + 40_000);
            AlertHarness.send(h, requests, request("ok", InferenceStatus.OK, 100), T + 41_000);
            TrafficPartial p = new TrafficPartial();
            p.service = "api";
            p.route = "/a";
            p.model = "blip2";
            p.endpoint = "ep";
            p.counts = new TrafficCounts();
            p.counts.requests = 1000;
            p.counts.errors = 25;
            AlertHarness.send(h, new RuleInputs.Traffic(rules), p, T + MIN - 1);
            h.processWatermark(T + MIN - 1);

            List<AlertRecord> fired = h.extractOutputValues();
            assertThat(fired).extracting(r -> r.value).containsExactly(0.025);
            List<AlertEvidence> ev = evidence(h);
            List<String> expected = new ArrayList<>();
            for (int i = 25; i >= 6; i--) {
                expected.add(String.format("f%02d", i));
            }
            assertThat(ev).extracting(e -> e.requestId).containsExactlyElementsOf(expected);
            assertThat(ev).extracting(e -> e.alertId).containsOnly(fired.get(0).alertId);
            assertThat(ev.get(0).ts).isEqualTo(T + 25_000);
            assertThat(ev.get(0).value).isNaN();
        }
    }
}
