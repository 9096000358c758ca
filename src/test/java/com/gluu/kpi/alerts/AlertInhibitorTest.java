package com.gluu.kpi.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Inhibition in event time (SPEC §5), with the expected marks worked out by hand per case. */
class AlertInhibitorTest {
    private static final long MIN = 60_000L;
    private static final long T = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    private static final AlertRules RULES = TestRules.rules("rules:\n"
            + "  - {name: warn, kpi: latency, statistic: p95, comparison: '>', threshold: 5000, group_by: [service, model], severity: warning}\n"
            + "  - {name: crit, kpi: latency, statistic: p95, comparison: '>', threshold: 10000, group_by: [service, model], severity: critical}\n"
            + "  - {name: errs, kpi: traffic, statistic: error_rate, comparison: '>', threshold: 0.01, window: 5m, group_by: [service], severity: critical}\n"
            + "  - {name: failed, kpi: endpoint_event, statistic: failed, group_by: [endpoint, model], severity: critical}\n"
            + "inhibit_rules:\n"
            + "  - {source_rules: [crit], target_rules: [warn], equal: [service, model]}\n"
            + "  - {source_rules: [failed], target_rules: [errs, warn, crit], via_calls: true}\n");

    private static long lastMs(long minute) {
        return T + (minute + 1) * MIN - 1;
    }

    private static AlertRecord transition(String rule, Map<String, String> labels, String state, int seq, long minute) {
        AlertRecord r = new AlertRecord();
        r.rule = rule;
        r.labelsJson = AlertStateMachine.labelsJson(labels);
        r.state = state;
        r.notifySeq = seq;
        r.alertId = rule + labels.values();
        r.transitionAt = T + (minute + 1) * MIN;
        return r;
    }

    private static KeyedTwoInputStreamOperatorTestHarness<Byte, AlertRecord, ServiceCall, AlertRecord> harness()
            throws Exception {
        return harness(0);
    }

    private static KeyedTwoInputStreamOperatorTestHarness<Byte, AlertRecord, ServiceCall, AlertRecord> harness(
            int maxNewPerMinute) throws Exception {
        var h = new KeyedTwoInputStreamOperatorTestHarness<Byte, AlertRecord, ServiceCall, AlertRecord>(
                new KeyedCoProcessOperator<>(new AlertInhibitor(RULES, maxNewPerMinute)), r -> (byte) 0, c -> (byte) 0,
                Types.BYTE);
        h.open();
        return h;
    }

    private static void send(KeyedTwoInputStreamOperatorTestHarness<Byte, AlertRecord, ServiceCall, AlertRecord> h,
            AlertRecord r, long minute) throws Exception {
        h.processElement1(r, lastMs(minute));
    }

    private static List<String> marks(KeyedTwoInputStreamOperatorTestHarness<Byte, AlertRecord, ServiceCall, AlertRecord> h) {
        List<String> out = new ArrayList<>();
        for (AlertRecord r : h.extractOutputValues()) {
            out.add(r.alertId + " " + r.state + " " + (r.inhibitedBy == null ? "sent" : "inhibited by " + r.inhibitedBy));
        }
        h.getOutput().clear();
        return out;
    }

    /**
     * A source that is itself a target (as an SLO's fast burn: it inhibits the slow burn, a failed
     * endpoint inhibits it), named before its own source: all three fire for api in minute 2. The
     * outage is handled first, so the page is inhibited by it, and the ticket by the page (a firing
     * source even when inhibited). With name order alone the page would have been sent.
     */
    @Test
    void aSourceThatAnotherSourceInhibitsIsHandledAfterItWhateverTheNames() throws Exception {
        AlertRules chain = TestRules.rules("rules:\n"
                + "  - {name: a_page, kpi: traffic, statistic: error_rate, comparison: '>', threshold: 0.1, group_by: [service], severity: critical}\n"
                + "  - {name: b_ticket, kpi: traffic, statistic: error_rate, comparison: '>', threshold: 0.05, group_by: [service], severity: warning}\n"
                + "  - {name: z_outage, kpi: traffic, statistic: requests, comparison: '<', threshold: 1, group_by: [service], severity: critical}\n"
                + "inhibit_rules:\n"
                + "  - {source_rules: [a_page], target_rules: [b_ticket], equal: [service]}\n"
                + "  - {source_rules: [z_outage], target_rules: [a_page], equal: [service]}\n");
        Map<String, String> api = Map.of("service", "api");
        try (var h = new KeyedTwoInputStreamOperatorTestHarness<Byte, AlertRecord, ServiceCall, AlertRecord>(
                new KeyedCoProcessOperator<>(new AlertInhibitor(chain, 0)), r -> (byte) 0, c -> (byte) 0, Types.BYTE)) {
            h.open();
            send(h, transition("b_ticket", api, AlertRecord.FIRING, 1, 2), 2);
            send(h, transition("a_page", api, AlertRecord.FIRING, 1, 2), 2);
            send(h, transition("z_outage", api, AlertRecord.FIRING, 1, 2), 2);
            h.processBothWatermarks(new Watermark(lastMs(2)));
            assertThat(marks(h)).containsExactly(
                    "z_outage[api] firing sent",
                    "a_page[api] firing inhibited by z_outage[api]",
                    "b_ticket[api] firing inhibited by a_page[api]");
        }
    }

    @Test
    void aCriticalFiringInTheSameMinuteInhibitsTheWarningButNotOneThatFiredBefore() throws Exception {
        Map<String, String> api = Map.of("service", "api", "model", "blip2");
        Map<String, String> worker = Map.of("service", "worker", "model", "blip2");
        try (var h = harness()) {
            send(h, transition("warn", worker, AlertRecord.FIRING, 1, 3), 3); // before any critical: sent
            h.processBothWatermarks(new Watermark(lastMs(3)));
            // minute 5: the warning arrives before the critical; both for api, and a critical for worker
            send(h, transition("warn", api, AlertRecord.FIRING, 1, 5), 5);
            send(h, transition("crit", api, AlertRecord.FIRING, 1, 5), 5);
            send(h, transition("crit", worker, AlertRecord.FIRING, 1, 5), 5);
            h.processBothWatermarks(new Watermark(lastMs(5)));
            // minute 9: the api warning resolves (still marked); minute 12 the critical resolves;
            // minute 14 a new api warning, no critical firing any more: sent
            send(h, transition("warn", api, AlertRecord.RESOLVED, 2, 9), 9);
            send(h, transition("crit", api, AlertRecord.RESOLVED, 2, 12), 12);
            send(h, transition("warn", Map.of("service", "api", "model", "llava"), AlertRecord.FIRING, 1, 12), 12);
            h.processBothWatermarks(new Watermark(lastMs(12)));
            AlertRecord again = transition("warn", api, AlertRecord.FIRING, 1, 14);
            again.alertId = "warn[api, blip2]#2";
            send(h, again, 14);
            h.processBothWatermarks(new Watermark(lastMs(14)));
            List<String> out = marks(h);
            String apiWarn = "warn" + api.values();
            String apiCrit = "crit" + api.values();
            assertThat(out).containsExactly(
                    "warn" + worker.values() + " firing sent",
                    apiCrit + " firing sent",
                    "crit" + worker.values() + " firing sent",
                    apiWarn + " firing inhibited by " + apiCrit,
                    apiWarn + " resolved inhibited by " + apiCrit,
                    apiCrit + " resolved sent",
                    "warn" + Map.of("service", "api", "model", "llava").values() + " firing sent", // other model
                    "warn[api, blip2]#2 firing sent");
        }
    }

    @Test
    void aFailedEndpointInhibitsTheServicesThatCalledItInTheTargetsWindow() throws Exception {
        Map<String, String> endpoint = Map.of("endpoint", "ep-x", "model", "blip2");
        try (var h = harness()) {
            // calls: a called ep-x in minute 18, c only in minute 10 (outside the 5-minute window of
            // minute 20: minutes 16..20), b called another endpoint
            h.processElement2(new ServiceCall("c", "ep-x", T / MIN + 10), lastMs(10));
            h.processElement2(new ServiceCall("a", "ep-x", T / MIN + 18), lastMs(18));
            h.processElement2(new ServiceCall("b", "ep-y", T / MIN + 18), lastMs(18));
            send(h, transition("failed", endpoint, AlertRecord.FIRING, 1, 19), 19);
            send(h, transition("errs", Map.of("service", "a"), AlertRecord.FIRING, 1, 20), 20);
            send(h, transition("errs", Map.of("service", "b"), AlertRecord.FIRING, 1, 20), 20);
            send(h, transition("errs", Map.of("service", "c"), AlertRecord.FIRING, 1, 20), 20);
            h.processBothWatermarks(new Watermark(lastMs(20)));
            assertThat(marks(h)).containsExactly(
                    "failed" + endpoint.values() + " firing sent",
                    "errs[a] firing inhibited by failed" + endpoint.values(),
                    "errs[b] firing sent",
                    "errs[c] firing sent");
        }
    }

    @Test
    void aTransitionAfterItsMinuteIsHandledAtOnce() throws Exception {
        Map<String, String> api = Map.of("service", "api", "model", "blip2");
        try (var h = harness()) {
            send(h, transition("crit", api, AlertRecord.FIRING, 1, 5), 5);
            h.processBothWatermarks(new Watermark(lastMs(30)));
            assertThat(marks(h)).hasSize(1);
            send(h, transition("warn", api, AlertRecord.FIRING, 1, 7), 7); // 23 minutes late
            assertThat(marks(h)).containsExactly("warn" + api.values() + " firing inhibited by crit" + api.values());
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    /**
     * Storm control with a bound of 2 a minute: minute 5 brings 5 new episodes (2 critical error
     * rates, 3 warnings), minute 6 three more warnings, minute 7 nothing new.
     */
    @Test
    void beyondTheBoundNewEpisodesRollUpIntoOneStormEpisode() throws Exception {
        try (var h = harness(2)) {
            for (String s : List.of("c", "d", "e")) {
                AlertRecord w = transition("warn", Map.of("service", s, "model", "m"), AlertRecord.FIRING, 1, 5);
                w.severity = "warning";
                send(h, w, 5);
            }
            for (String s : List.of("a", "b")) {
                AlertRecord e = transition("errs", Map.of("service", s), AlertRecord.FIRING, 1, 5);
                e.severity = "critical";
                send(h, e, 5);
            }
            h.processBothWatermarks(new Watermark(lastMs(5)));
            List<AlertRecord> minute5 = new ArrayList<>(h.extractOutputValues());
            h.getOutput().clear();
            String storm = AlertStateMachine.alertId(AlertInhibitor.STORM_RULE, "{}", T + 6 * MIN);
            // the criticals pass; the 3 warnings are held back by the storm episode, which fires once
            assertThat(minute5).extracting(r -> r.alertId + " " + r.state + " "
                    + (r.inhibitedBy == null ? "sent" : r.inhibitedBy.equals(storm) ? "held" : "?"))
                    .containsExactlyInAnyOrder("errs[a] firing sent", "errs[b] firing sent",
                            "warn" + Map.of("service", "c", "model", "m").values() + " firing held",
                            "warn" + Map.of("service", "d", "model", "m").values() + " firing held",
                            "warn" + Map.of("service", "e", "model", "m").values() + " firing held",
                            storm + " firing sent");
            AlertRecord fired = minute5.stream().filter(r -> r.rule.equals(AlertInhibitor.STORM_RULE)).findFirst().get();
            assertThat(fired.summary).isEqualTo("3 more new alerts than 2 a minute are firing and were not sent (warn ×3);"
                    + " see kpi.alerts or the dashboard");
            assertThat(fired.severity).isEqualTo("warning");
            assertThat(fired.notifySeq).isEqualTo(1);

            for (String s : List.of("f", "g", "h")) {
                AlertRecord w = transition("warn", Map.of("service", s, "model", "m"), AlertRecord.FIRING, 1, 6);
                w.severity = "warning";
                send(h, w, 6);
            }
            h.processBothWatermarks(new Watermark(lastMs(6)));
            // two pass (f, g by labels), h is held; the storm is already firing: no new message
            assertThat(marks(h)).containsExactly(
                    "warn" + Map.of("service", "f", "model", "m").values() + " firing sent",
                    "warn" + Map.of("service", "g", "model", "m").values() + " firing sent",
                    "warn" + Map.of("service", "h", "model", "m").values() + " firing inhibited by " + storm);
            h.processBothWatermarks(new Watermark(lastMs(7)));
            List<AlertRecord> minute7 = h.extractOutputValues();
            assertThat(minute7).extracting(r -> r.alertId + " " + r.state + " #" + r.notifySeq + " " + r.value)
                    .containsExactly(storm + " resolved #2 4.0");
            assertThat(minute7.get(0).summary).isEqualTo("alert storm over: 4 new alerts were not sent (warn ×4); see kpi.alerts");
            assertThat(minute7.get(0).startedAt).isEqualTo(T + 6 * MIN);
            assertThat(minute7.get(0).resolvedAt).isEqualTo(T + 8 * MIN);
        }
    }

    @Test
    void inhibitRulesNameExistingRulesAndNoRuleInhibitsItself() {
        String rule = "rules:\n  - {name: a, kpi: traffic, statistic: requests, comparison: '<', threshold: 1, severity: info}\n";
        assertThatThrownBy(() -> TestRules.rules(rule + "inhibit_rules:\n  - {source_rules: [a], target_rules: [b]}\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("inhibit_rules #1: no rule named 'b'");
        assertThatThrownBy(() -> TestRules.rules(rule + "inhibit_rules:\n  - {source_rules: [a], target_rules: [a]}\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cannot inhibit itself");
        assertThatThrownBy(() -> TestRules.rules(rule + "inhibit_rules:\n  - {source_rules: [a], target: [a]}\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("target");
        assertThat(TestRules.rules(rule).inhibitRules()).isEmpty();
    }
}
