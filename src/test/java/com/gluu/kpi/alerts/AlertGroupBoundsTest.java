package com.gluu.kpi.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.config.ConfigException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The alert evaluator's state is bounded whatever the input (SPEC §2 "Bounded state"): groups per
 * rule are capped (the rest count in {@code ~other}), groups without input are forgotten, and a
 * stream that jumps decades costs a handful of evaluations.
 */
class AlertGroupBoundsTest {
    private static final long MIN = 60_000L;
    private static final long T = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    private static final String ERRORS = "  - {name: errs, kpi: traffic, statistic: error_rate, comparison: '>', threshold: 0.5,"
            + " window: 5m, group_by: [service], severity: critical}\n";
    private static final String SILENCE = "  - {name: silent, kpi: no_data, silent_for: 10m, min_sample: 1, group_by: [service],"
            + " severity: warning}\n";

    private static long lastMs(long minute) {
        return T + (minute + 1) * MIN - 1;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord> harness(AlertRules rules,
            int maxGroups, Duration idle) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord>(
                new KeyedProcessOperator<>(new AlertEvaluator(rules, Duration.ZERO, maxGroups, idle)),
                in -> in.rule, Types.STRING);
        h.open();
        return h;
    }

    private static List<String> lines(KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord> h) {
        List<String> out = new ArrayList<>();
        for (AlertRecord r : h.extractOutputValues()) {
            out.add(r.rule + " " + r.labelsJson + " " + r.state + " " + r.value);
        }
        return out;
    }

    @Test
    void groupsBeyondTheCapCountInTheOtherGroupAndNoDataIgnoresThem() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n" + ERRORS + SILENCE);
        RuleInputs.Traffic in = new RuleInputs.Traffic(rules);
        try (var h = harness(rules, 2, Duration.ofHours(24))) {
            // a and b take the two groups of each rule; c (9 of 10 failed) and d (3 of 10) are beyond the cap
            AlertHarness.send(h, in, AlertHarness.traffic("a", "/", "m", "ep", 10, 0), lastMs(0));
            AlertHarness.send(h, in, AlertHarness.traffic("b", "/", "m", "ep", 10, 1), lastMs(0));
            AlertHarness.send(h, in, AlertHarness.traffic("c", "/", "m", "ep", 10, 9), lastMs(0));
            AlertHarness.send(h, in, AlertHarness.traffic("d", "/", "m", "ep", 10, 3), lastMs(0));
            h.processWatermark(lastMs(0));
            // ~other: (9 + 3) / (10 + 10) = 0.6 > 0.5; a 0.0 and b 0.1 do not fire
            assertThat(lines(h)).containsExactly("errs {\"service\":\"~other\"} firing 0.6");
            h.getOutput().clear();
            // ten minutes later a and b are silent (no_data fires for them); c and d had no no_data group;
            // ~other's 5-minute window has been empty since minute 5: no value, so its episode resolved
            h.processWatermark(lastMs(10));
            assertThat(lines(h)).containsExactlyInAnyOrder("errs {\"service\":\"~other\"} resolved NaN",
                    "silent {\"service\":\"a\"} firing NaN", "silent {\"service\":\"b\"} firing NaN");
        }
    }

    @Test
    void aGroupWithoutInputForTheIdleTimeoutIsForgottenAndItsEpisodeResolved() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n" + SILENCE);
        try (var h = harness(rules, 10, Duration.ofMinutes(90))) {
            AlertHarness.send(h, new RuleInputs.Traffic(rules), AlertHarness.traffic("a", "/", "m", "ep", 5, 0), lastMs(0));
            h.processWatermark(lastMs(89));
            // fired at minute 10 (at T + 11 min), repeated at minute 70 (1 h later)
            assertThat(h.extractOutputValues()).extracting(r -> r.state + " " + r.transitionAt)
                    .containsExactly("firing " + (T + 11 * MIN), "firing " + (T + 71 * MIN));
            h.getOutput().clear();
            // minute 90: 90 minutes after the last input the group is forgotten, the episode resolved
            h.processWatermark(lastMs(90));
            List<AlertRecord> out = h.extractOutputValues();
            assertThat(out).extracting(r -> r.state + " " + r.transitionAt + " " + r.notifySeq)
                    .containsExactly("resolved " + (T + 91 * MIN) + " 3");
            assertThat(out.get(0).summary).isEqualTo("no input for 90 min, forgotten: a");
            assertThat(h.numEventTimeTimers()).isZero();
            assertThat(h.numKeyedStateEntries()).as("no group left").isLessThanOrEqualTo(4);
            h.getOutput().clear();
            // a later input starts a new group from scratch
            AlertHarness.send(h, new RuleInputs.Traffic(rules), AlertHarness.traffic("a", "/", "m", "ep", 5, 0), lastMs(200));
            h.processWatermark(lastMs(210));
            assertThat(h.extractOutputValues()).extracting(r -> r.state + " " + r.transitionAt + " " + r.notifySeq)
                    .containsExactly("firing " + (T + 211 * MIN) + " 1");
        }
    }

    @Test
    void theIdleTimeoutMustExceedEveryRulesLookback() {
        AlertRules rules = TestRules.rules("rules:\n" + SILENCE);
        assertThatThrownBy(() -> new AlertEvaluator(rules, Duration.ZERO, 10, Duration.ofMinutes(10)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("alerts.group_idle_timeout").hasMessageContaining("silent");
    }

    /**
     * The SPEC §3 harness case: the first record is dated 2000-01-01, the second today. Evaluated
     * minute by minute that is 14 million evaluations; the chain skips to the minutes where
     * something happens: no_data fires 10 minutes after the old traffic, repeats hourly until the
     * group is forgotten after 24 h, and the stream ends with no timer left.
     */
    @Test
    void aStreamFromTheYear2000ToTodayEndsPromptlyAndLeavesNoTimers() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n" + ERRORS + SILENCE);
        RuleInputs.Traffic in = new RuleInputs.Traffic(rules);
        long y2000 = Instant.parse("2000-01-01T00:00:00Z").toEpochMilli();
        long today = Instant.parse("2026-12-01T12:00:00Z").toEpochMilli();
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (var h = harness(rules, 10_000, Duration.ofHours(24))) {
                AlertHarness.send(h, in, AlertHarness.traffic("old", "/", "m", "ep", 5, 0), y2000 + MIN - 1);
                h.processWatermark(y2000 + MIN - 1);
                AlertHarness.send(h, in, AlertHarness.traffic("new", "/", "m", "ep", 5, 0), today + MIN - 1);
                h.processWatermark(today + MIN - 1);
                h.processWatermark(Long.MAX_VALUE);
                List<AlertRecord> out = h.extractOutputValues();
                // firing at minute 10 (#1) and every hour after (#2..#24, the last at minute 1390), resolved when
                // forgotten at minute 1440 (#25); nothing for "new": the end of the input is not silence
                List<String> expected = new ArrayList<>();
                for (int k = 0; k < 24; k++) {
                    expected.add("firing old " + (y2000 + (11 + 60L * k) * MIN));
                }
                expected.add("resolved old " + (y2000 + 1441 * MIN));
                assertThat(out).extracting(r -> r.state + " " + (r.labelsJson.contains("old") ? "old" : "new") + " "
                        + r.transitionAt).containsExactlyElementsOf(expected);
                assertThat(h.numEventTimeTimers()).isZero();
            }
        });
    }
}
