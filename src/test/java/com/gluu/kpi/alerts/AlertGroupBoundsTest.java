package com.gluu.kpi.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.traffic.TrafficCounts;
import com.gluu.kpi.traffic.TrafficPartial;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bounds on an alert rule's groups (SPEC §2 "Bounded state"): {@code alerts.max_groups_per_rule}
 * and {@code alerts.group_idle_timeout}.
 */
class AlertGroupBoundsTest {
    private static final long MIN = 60_000L;
    private static final long T = 1_767_225_600_000L; // 2026-01-01T00:00:00Z, a whole minute

    private static long lastMs(int m) {
        return T + (m + 1) * MIN - 1;
    }

    static TrafficPartial traffic(String service, long requests, long errors) {
        TrafficPartial p = new TrafficPartial();
        p.service = service;
        p.route = "/a";
        p.model = "m";
        p.endpoint = "ep";
        p.counts = new TrafficCounts();
        p.counts.requests = requests;
        p.counts.errors = errors;
        p.counts.ok = requests - errors;
        return p;
    }

    private static final String ERRS = "rules:\n  - {name: errs, kpi: traffic, statistic: error_rate, comparison: '>', "
            + "threshold: 0.2, group_by: [service], severity: critical}\n";
    private static final String NO_DATA = "rules:\n  - {name: no_data, kpi: no_data, silent_for: 10m, "
            + "group_by: [service], severity: warning}\n";

    @Test
    void groupsBeyondTheCapAreNotTrackedButCountedAndLoggedOncePerRulePerHour() throws Exception {
        AlertRules rules = TestRules.rules(ERRS);
        RuleInputs.Traffic in = new RuleInputs.Traffic(rules);
        AlertEvaluator evaluator = new AlertEvaluator(rules, Duration.ZERO, 3, Duration.ofHours(24));
        try (LogLines log = LogLines.of(AlertEvaluator.class); var h = AlertHarness.evaluator(evaluator)) {
            // minute 0: five services, each 5 of 10 requests failed (0.5 > 0.2): the first three are tracked
            for (String s : List.of("s1", "s2", "s3", "s4", "s5")) {
                AlertHarness.send(h, in, traffic(s, 10, 5), lastMs(0));
            }
            h.processWatermark(lastMs(0));
            assertThat(h.extractOutputValues()).extracting(r -> r.state + " " + r.labelsJson).containsExactlyInAnyOrder(
                    "firing {\"service\":\"s1\"}", "firing {\"service\":\"s2\"}", "firing {\"service\":\"s3\"}");
            assertThat(evaluator.groupsOverCap("errs")).isEqualTo(2);
            assertThat(log.lines()).hasSize(1);
            String line = log.lines().get(0);
            assertThat(line).contains("errs").contains("3").doesNotContain("s4").doesNotContain("s5");

            // minute 1: s1 recovers (window 5 of 30 = 0.17, not > 0.2: resolved); s4 and s5 stay out, no new line
            AlertHarness.send(h, in, traffic("s1", 20, 0), lastMs(1));
            AlertHarness.send(h, in, traffic("s4", 10, 5), lastMs(1));
            AlertHarness.send(h, in, traffic("s5", 10, 5), lastMs(1));
            h.processWatermark(lastMs(1));
            assertThat(h.extractOutputValues()).extracting(r -> r.state + " " + r.labelsJson + " " + r.notifySeq)
                    .containsExactlyInAnyOrder("firing {\"service\":\"s1\"} 1", "firing {\"service\":\"s2\"} 1",
                            "firing {\"service\":\"s3\"} 1", "resolved {\"service\":\"s1\"} 2");
            assertThat(evaluator.groupsOverCap("errs")).isEqualTo(4);
            assertThat(log.lines()).hasSize(1);

            // minute 60: s2 and s3 still fire (no value since minute 5: they neither resolve nor leave, and
            // repeat at minute 60); s1 was dropped at minute 6 (inactive, its last input out of the window), so
            // once the watermark is past that, one new group fits: s5 is tracked, s4 is not, and as an hour of
            // event time has passed since the first line, a second one is logged.
            h.processWatermark(lastMs(59));
            AlertHarness.send(h, in, traffic("s5", 10, 5), lastMs(60));
            AlertHarness.send(h, in, traffic("s4", 10, 5), lastMs(60));
            h.processWatermark(lastMs(60));
            List<String> after = new ArrayList<>();
            h.extractOutputValues().stream().skip(4).forEach(r -> after.add(r.state + " " + r.labelsJson + " " + r.notifySeq));
            assertThat(after).containsExactlyInAnyOrder("firing {\"service\":\"s2\"} 2", "firing {\"service\":\"s3\"} 2",
                    "firing {\"service\":\"s5\"} 1");
            assertThat(evaluator.groupsOverCap("errs")).isEqualTo(5);
            assertThat(log.lines()).hasSize(2);
        }
    }

    @Test
    void aNoDataGroupSilentFor24HoursIsResolvedAndForgotten() throws Exception {
        AlertRules rules = TestRules.rules(NO_DATA);
        AlertEvaluator evaluator = new AlertEvaluator(rules);
        try (var h = AlertHarness.evaluator(evaluator)) {
            AlertHarness.send(h, new RuleInputs.Traffic(rules), traffic("api", 5, 0), lastMs(0));
            // minute 10 is the 10th silent minute: fires at T + 11 min; repeats every hour from then on:
            // minutes 70, 130, ..., 1390 (23 repeats, notify_seq 2..24)
            h.processWatermark(lastMs(1439));
            List<String> expected = new ArrayList<>();
            expected.add("firing 1 " + (T + 11 * MIN));
            for (int k = 0; k <= 22; k++) {
                expected.add("firing " + (k + 2) + " " + (T + (71 + 60 * k) * MIN));
            }
            assertThat(h.extractOutputValues()).extracting(r -> r.state + " " + r.notifySeq + " " + r.transitionAt)
                    .containsExactlyElementsOf(expected);
            assertThat(h.numKeyedStateEntries()).isPositive();
            // minute 1440: 24 h without data since minute 0: the episode resolves (seq 25) and the group is gone
            h.processWatermark(lastMs(1440));
            List<AlertRecord> out = h.extractOutputValues();
            assertThat(out).hasSize(25);
            AlertRecord resolved = out.get(24);
            assertThat(resolved.state).isEqualTo("resolved");
            assertThat(resolved.notifySeq).isEqualTo(25);
            assertThat(resolved.alertId).isEqualTo(out.get(0).alertId);
            assertThat(resolved.transitionAt).isEqualTo(T + 1441 * MIN);
            assertThat(resolved.resolvedAt).isEqualTo(T + 1441 * MIN);
            assertThat(resolved.startedAt).isEqualTo(T + 11 * MIN);
            assertThat(resolved.value).isNaN();
            assertThat(resolved.summary).isEqualTo("forgotten after 24 h without data: api");
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
            // evaluated at minutes 0, 1 (minute 0 leaves the look-back), 10, the 23 repeats and 1440
            assertThat(evaluator.timersFired).isEqualTo(27);
        }
    }

    @Test
    void aFiringEpisodeWhoseGroupGoesQuietIsResolvedAfterTheConfiguredIdleTimeout() throws Exception {
        AlertRules rules = TestRules.rules(ERRS);
        AlertEvaluator evaluator = new AlertEvaluator(rules, Duration.ZERO, 10_000, Duration.ofHours(2));
        try (var h = AlertHarness.evaluator(evaluator)) {
            AlertHarness.send(h, new RuleInputs.Traffic(rules), traffic("api", 10, 5), lastMs(0));
            // fires at minute 0 (0.5); from minute 5 the window is empty: no value, so it neither resolves nor is
            // dropped; repeats at minute 60; at minute 120 (2 h without data) it is forgotten and resolves
            h.processWatermark(lastMs(200));
            assertThat(h.extractOutputValues()).extracting(r -> r.state + " " + r.notifySeq + " " + r.transitionAt
                    + " " + r.summary).containsExactly(
                            "firing 1 " + (T + MIN) + " error rate 50 % > 20 % for api",
                            "firing 2 " + (T + 61 * MIN) + " error rate 50 % > 20 % for api",
                            "resolved 3 " + (T + 121 * MIN) + " forgotten after 2 h without data: api");
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }
}
