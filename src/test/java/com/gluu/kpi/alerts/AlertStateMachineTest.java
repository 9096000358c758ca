package com.gluu.kpi.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.config.AlertRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertStateMachineTest {
    private static final long MIN = 60_000L;
    private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    private static final String LABELS = "{\"model\":\"blip2\",\"service\":\"analyze-api\"}";

    private static AlertRule latency(String extra) {
        return TestRules.rule("name: slow, kpi: latency, statistic: p95, comparison: '>', threshold: 10000, "
                + "severity: critical, group_by: [service, model]" + extra);
    }

    /** Evaluates minute i (at T0 + i min) with the i-th value; returns all records. */
    private static List<AlertRecord> run(AlertStateMachine m, AlertGroupState s, double... values) {
        List<AlertRecord> out = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            out.addAll(m.evaluate(s, LABELS, T0 + i * MIN, values[i], 100));
        }
        return out;
    }

    @Test
    void forOneFiresOnTheFirstBreach() {
        AlertStateMachine m = new AlertStateMachine(latency(""));
        AlertGroupState s = new AlertGroupState();
        assertThat(m.evaluate(s, LABELS, T0, 9000, 100)).isEmpty();
        List<AlertRecord> out = m.evaluate(s, LABELS, T0 + MIN, 12000, 100);
        assertThat(out).hasSize(1);
        AlertRecord r = out.get(0);
        assertThat(r.state).isEqualTo("firing");
        assertThat(r.rule).isEqualTo("slow");
        assertThat(r.severity).isEqualTo("critical");
        assertThat(r.labelsJson).isEqualTo(LABELS);
        assertThat(r.startedAt).isEqualTo(T0 + MIN);
        assertThat(r.transitionAt).isEqualTo(T0 + MIN);
        assertThat(r.resolvedAt).isEqualTo(Long.MIN_VALUE);
        assertThat(r.value).isEqualTo(12000.0);
        assertThat(r.threshold).isEqualTo(10000.0);
        assertThat(r.notifySeq).isEqualTo(1);
        assertThat(r.alertId).isEqualTo(AlertStateMachine.alertId("slow", LABELS, T0 + MIN)).hasSize(32);
        assertThat(r.summary).isEqualTo("p95 of total latency 12 s > 10 s for analyze-api/blip2");
        assertThat(s.isFiring()).isTrue();
    }

    /**
     * A value wandering around the threshold: 12 s and 9.5 s in turn for half an hour, then 7 s.
     * Without a hold time that is one episode per crossing; with {@code keep_firing_for} the
     * episode outlives the dips and resolves once the value has stayed below.
     */
    @Test
    void keepFiringForMakesAWanderingValueOneEpisode() {
        double[] values = new double[40];
        for (int i = 0; i < 30; i++) {
            values[i] = i < 3 ? 12000 : (i % 2 == 0 ? 12000 : 9500);
        }
        for (int i = 30; i < 40; i++) {
            values[i] = 7000;
        }
        // without keep_firing_for: fires at 0, resolves at 3 (9.5 s), fires at 4, resolves at 5, ... : 14 episodes
        List<AlertRecord> plain = run(new AlertStateMachine(latency("")), new AlertGroupState(), values);
        assertThat(plain.stream().filter(r -> r.state.equals("firing"))).hasSize(14);
        // keep_firing_for 5m: fires at 0; every dip lasts one minute (< 5): no resolution until the
        // values stay below from minute 29 (9.5 s at 29, then 7 s): clear run from minute 29, resolved
        // at the first evaluation >= 5 min later, minute 34
        AlertGroupState s = new AlertGroupState();
        List<AlertRecord> kept = run(new AlertStateMachine(latency(", keep_firing_for: 5m")), s, values);
        assertThat(kept).extracting(r -> r.state + " " + (r.transitionAt - T0) / MIN + " #" + r.notifySeq)
                .containsExactly("firing 0 #1", "resolved 34 #2");
        assertThat(kept.get(1).value).isEqualTo(7000.0);
        assertThat(kept.get(1).startedAt).isEqualTo(T0);
        assertThat(s.isInactive()).isTrue();
    }

    @Test
    void aBreachDuringKeepFiringForStartsTheWaitAgain() {
        AlertStateMachine m = new AlertStateMachine(latency(", keep_firing_for: 3m"));
        AlertGroupState s = new AlertGroupState();
        // fires at 0; clear at 1, 2; breach at 3 (run ends); clear from 4, 5, 6, 7:
        // the run started at 4, 7 - 4 = 3 min -> resolved at 7
        List<AlertRecord> out = run(m, s, 12000, 8000, 8000, 12000, 8000, 8000, 8000, 8000, 8000);
        assertThat(out).extracting(r -> r.state + " " + (r.transitionAt - T0) / MIN)
                .containsExactly("firing 0", "resolved 7");
    }

    @Test
    void minutesWithoutAValueCountAsAwayFromTheConditionSoASilentGroupResolvesAfterKeepFiringFor() {
        AlertStateMachine m = new AlertStateMachine(latency(", keep_firing_for: 3m"));
        AlertGroupState s = new AlertGroupState();
        // fires at 0; breach at 1; no value from 2 on (the service fell silent): the run away from the
        // condition starts at 2, 5 - 2 = 3 min -> resolved at 5, value NaN; nothing after it
        List<AlertRecord> out = run(m, s, 12000, 12000, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN);
        assertThat(out).extracting(r -> r.state + " " + (r.transitionAt - T0) / MIN)
                .containsExactly("firing 0", "resolved 5");
        assertThat(out.get(1).value).isNaN();
        assertThat(s.isInactive()).isTrue();
        // a value that holds again within the wait ends the run: no value at 1, 2, breach at 3,
        // then no value from 4: resolved at 7
        AlertGroupState t = new AlertGroupState();
        out = run(m, t, 12000, Double.NaN, Double.NaN, 12000, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        assertThat(out).extracting(r -> r.state + " " + (r.transitionAt - T0) / MIN)
                .containsExactly("firing 0", "resolved 7");
    }

    @Test
    void forThreeNeedsThreeConsecutiveBreachesAndAGapResets() {
        AlertStateMachine m = new AlertStateMachine(latency(", for: 3"));
        AlertGroupState s = new AlertGroupState();
        // minutes 0,1 breach, 2 does not (back to inactive), 3,4 breach: still pending, 5 fires.
        List<AlertRecord> out = run(m, s, 11000, 11000, 10000, 11000, 12000);
        assertThat(out).isEmpty();
        assertThat(s.phase).isEqualTo(AlertGroupState.PENDING);
        assertThat(s.breaches).isEqualTo(2);
        out = m.evaluate(s, LABELS, T0 + 5 * MIN, 13000, 100);
        assertThat(out).hasSize(1);
        // the episode starts at the first breach of the run that fired: minute 3
        assertThat(out.get(0).startedAt).isEqualTo(T0 + 3 * MIN);
        assertThat(out.get(0).transitionAt).isEqualTo(T0 + 5 * MIN);
        assertThat(out.get(0).alertId).isEqualTo(AlertStateMachine.alertId("slow", LABELS, T0 + 3 * MIN));
    }

    @Test
    void hysteresisKeepsFiringUntilBelowTheResolveThreshold() {
        AlertStateMachine m = new AlertStateMachine(latency(", resolve_threshold: 8000"));
        AlertGroupState s = new AlertGroupState();
        assertThat(run(m, s, 11000)).hasSize(1);
        // 9 s is below the 10 s threshold but above the 8 s resolve threshold: still firing, nothing new
        assertThat(m.evaluate(s, LABELS, T0 + MIN, 9000, 100)).isEmpty();
        assertThat(s.isFiring()).isTrue();
        // firing needs value > 8000: exactly 8000 resolves
        assertThat(m.evaluate(s, LABELS, T0 + 2 * MIN, 8000, 100)).extracting(r -> r.state).containsExactly("resolved");
    }

    @Test
    void hysteresisResolvesAt7900() {
        AlertStateMachine m = new AlertStateMachine(latency(", resolve_threshold: 8000"));
        AlertGroupState s = new AlertGroupState();
        run(m, s, 11000);
        assertThat(m.evaluate(s, LABELS, T0 + MIN, 9000, 100)).isEmpty();
        List<AlertRecord> out = m.evaluate(s, LABELS, T0 + 2 * MIN, 7900, 100);
        assertThat(out).hasSize(1);
        AlertRecord r = out.get(0);
        assertThat(r.state).isEqualTo("resolved");
        assertThat(r.resolvedAt).isEqualTo(T0 + 2 * MIN);
        assertThat(r.startedAt).isEqualTo(T0);
        assertThat(r.value).isEqualTo(7900.0);
        assertThat(r.notifySeq).isEqualTo(2);
        assertThat(r.summary).isEqualTo("p95 of total latency back to 7.9 s (fires > 10 s) for analyze-api/blip2");
        assertThat(r.alertId).isEqualTo(AlertStateMachine.alertId("slow", LABELS, T0));
        assertThat(s.isInactive()).isTrue();
    }

    @Test
    void withoutHysteresisResolvesAsSoonAsTheThresholdIsNoLongerBreached() {
        AlertStateMachine m = new AlertStateMachine(latency(""));
        AlertGroupState s = new AlertGroupState();
        List<AlertRecord> out = run(m, s, 10001, 10000);
        assertThat(out).extracting(r -> r.state).containsExactly("firing", "resolved");
        assertThat(out.get(1).transitionAt).isEqualTo(T0 + MIN);
        // a new breach is a new episode with a new id
        out = m.evaluate(s, LABELS, T0 + 2 * MIN, 10001, 100);
        assertThat(out.get(0).notifySeq).isEqualTo(1);
        assertThat(out.get(0).alertId).isEqualTo(AlertStateMachine.alertId("slow", LABELS, T0 + 2 * MIN))
                .isNotEqualTo(AlertStateMachine.alertId("slow", LABELS, T0));
    }

    @Test
    void repeatsEveryRepeatIntervalOfEventTime() {
        AlertStateMachine m = new AlertStateMachine(latency("")); // default repeat 1h
        AlertGroupState s = new AlertGroupState();
        assertThat(m.evaluate(s, LABELS, T0, 12000, 100)).hasSize(1);
        for (int i = 1; i <= 59; i++) {
            assertThat(m.evaluate(s, LABELS, T0 + i * MIN, 12000 + i, 100)).as("minute %d", i).isEmpty();
        }
        List<AlertRecord> out = m.evaluate(s, LABELS, T0 + 60 * MIN, 13000, 100);
        assertThat(out).hasSize(1);
        assertThat(out.get(0).state).isEqualTo("firing");
        assertThat(out.get(0).notifySeq).isEqualTo(2);
        assertThat(out.get(0).value).isEqualTo(13000.0);
        assertThat(out.get(0).transitionAt).isEqualTo(T0 + 60 * MIN);
        assertThat(out.get(0).startedAt).isEqualTo(T0);
        assertThat(out.get(0).alertId).isEqualTo(AlertStateMachine.alertId("slow", LABELS, T0));
        // next repeat is an hour after that one, at +120, and the resolve after it is seq 4
        assertThat(m.evaluate(s, LABELS, T0 + 119 * MIN, 13000, 100)).isEmpty();
        assertThat(m.evaluate(s, LABELS, T0 + 120 * MIN, 13000, 100)).extracting(r -> r.notifySeq).containsExactly(3);
        assertThat(m.evaluate(s, LABELS, T0 + 121 * MIN, 500, 100)).extracting(r -> r.notifySeq).containsExactly(4);
    }

    @Test
    void repeatIntervalFromTheRule() {
        AlertStateMachine m = new AlertStateMachine(latency(", repeat_interval: 15m"));
        AlertGroupState s = new AlertGroupState();
        double[] v = new double[31];
        java.util.Arrays.fill(v, 20000);
        assertThat(run(m, s, v)).extracting(r -> r.transitionAt).containsExactly(T0, T0 + 15 * MIN, T0 + 30 * MIN);
    }

    @Test
    void minSampleBelowIsNoValue() {
        AlertRule rule = TestRules.rule("name: errs, kpi: traffic, statistic: error_rate, comparison: '>', "
                + "threshold: 0.01, min_sample: 20, severity: critical, group_by: [service]");
        AlertStateMachine m = new AlertStateMachine(rule);
        AlertGroupState s = new AlertGroupState();
        String l = "{\"service\":\"a\"}";
        // 5 errors of 19 requests: too few to judge
        assertThat(m.evaluate(s, l, T0, 5 / 19.0, 19)).isEmpty();
        assertThat(s.isInactive()).isTrue();
        // 1 error of 20 = 0.05 > 0.01: fires
        assertThat(m.evaluate(s, l, T0 + MIN, 1 / 20.0, 20)).hasSize(1);
        // 0 of 25 resolves
        List<AlertRecord> out = m.evaluate(s, l, T0 + 2 * MIN, 0.0, 25);
        assertThat(out).extracting(r -> r.state).containsExactly("resolved");
        assertThat(out.get(0).value).isEqualTo(0.0);
        assertThat(out.get(0).summary).isEqualTo("error rate back to 0 % (fires > 1 %) for a");
        // fires again at 3; 0 errors of 10 requests is too few to judge: no value, which resolves a
        // rule without keep_firing_for at once, and says why
        assertThat(m.evaluate(s, l, T0 + 3 * MIN, 1 / 20.0, 20)).hasSize(1);
        out = m.evaluate(s, l, T0 + 4 * MIN, 0.0, 10);
        assertThat(out).extracting(r -> r.state).containsExactly("resolved");
        assertThat(out.get(0).value).isNaN();
        assertThat(out.get(0).summary)
                .isEqualTo("error rate no longer measured (fewer than 20 observations in 5m; fires > 1 %) for a");
    }

    @Test
    void summaryOfAFiringErrorRate() {
        AlertRule rule = TestRules.rule("name: errs, kpi: traffic, statistic: error_rate, comparison: '>', "
                + "threshold: 0.01, severity: critical, group_by: [service, route]");
        List<AlertRecord> out = new AlertStateMachine(rule).evaluate(new AlertGroupState(),
                "{\"route\":\"/v1/analyze\",\"service\":\"api\"}", T0, 5 / 200.0, 200);
        // 5 / 200 = 0.025 = 2.5 %
        assertThat(out.get(0).summary).isEqualTo("error rate 2.5 % > 1 % for api//v1/analyze");
    }

    @Test
    void noValueWhilePendingGoesBackToInactive() {
        AlertStateMachine m = new AlertStateMachine(latency(", for: 2, min_sample: 5"));
        AlertGroupState s = new AlertGroupState();
        assertThat(m.evaluate(s, LABELS, T0, 12000, 5)).isEmpty();
        assertThat(s.phase).isEqualTo(AlertGroupState.PENDING);
        assertThat(m.evaluate(s, LABELS, T0 + MIN, 12000, 4)).isEmpty();
        assertThat(s.isInactive()).isTrue();
        assertThat(m.evaluate(s, LABELS, T0 + 2 * MIN, 12000, 5)).isEmpty();
        assertThat(m.evaluate(s, LABELS, T0 + 3 * MIN, 12000, 5)).extracting(r -> r.startedAt).containsExactly(T0 + 2 * MIN);
    }

    @Test
    void conditionRulesFireAndResolveWithoutValue() {
        AlertRule rule = TestRules.rule("name: quiet, kpi: no_data, silent_for: 10m, severity: warning, group_by: [service]");
        AlertStateMachine m = new AlertStateMachine(rule);
        AlertGroupState s = new AlertGroupState();
        String l = "{\"service\":\"a\"}";
        assertThat(m.evaluateCondition(s, l, T0, false)).isEmpty();
        List<AlertRecord> fired = m.evaluateCondition(s, l, T0 + MIN, true);
        assertThat(fired).hasSize(1);
        assertThat(fired.get(0).value).isNaN();
        assertThat(fired.get(0).threshold).isNaN();
        assertThat(fired.get(0).summary).isEqualTo("no requests for 10 min from a");
        assertThat(m.evaluateCondition(s, l, T0 + 2 * MIN, false)).extracting(r -> r.state).containsExactly("resolved");
    }

    @Test
    void sameInputsGiveSameIdsAndDifferentStartsOrLabelsDifferentOnes() {
        List<AlertRecord> a = run(new AlertStateMachine(latency("")), new AlertGroupState(), 1, 12000, 1, 12000);
        List<AlertRecord> b = run(new AlertStateMachine(latency("")), new AlertGroupState(), 1, 12000, 1, 12000);
        assertThat(a).extracting(r -> r.state).containsExactly("firing", "resolved", "firing");
        assertThat(a).extracting(r -> r.alertId).containsExactlyElementsOf(b.stream().map(r -> r.alertId).toList());
        // fired and resolved at minutes 1 and 2 (one id), fired again at minute 3 (another)
        assertThat(a.get(0).alertId).isEqualTo(a.get(1).alertId).isNotEqualTo(a.get(2).alertId);
        String other = AlertStateMachine.labelsJson(Map.of("service", "analyze-api", "model", "llava"));
        assertThat(AlertStateMachine.alertId("slow", other, T0 + MIN)).isNotEqualTo(a.get(0).alertId);
        assertThat(AlertStateMachine.alertId("fast", LABELS, T0 + MIN)).isNotEqualTo(a.get(0).alertId);
    }

    @Test
    void alertIdIsTheFirst32HexOfSha256() {
        // sha256("r\n{}\n0") computed with: printf 'r\n{}\n0' | sha256sum
        assertThat(AlertStateMachine.alertId("r", "{}", 0)).isEqualTo(SHA_R_EMPTY_0);
    }

    @Test
    void labelsJsonSortsKeysAndEscapes() {
        assertThat(AlertStateMachine.labelsJson(Map.of("service", "analyze-api", "model", "blip2"))).isEqualTo(LABELS);
        assertThat(AlertStateMachine.labelsJson(Map.of("service", "a\"b\\c"))).isEqualTo("{\"service\":\"a\\\"b\\\\c\"}");
        assertThat(AlertStateMachine.labelsJson(Map.of())).isEqualTo("{}");
    }

    private static final String SHA_R_EMPTY_0 = "3fee8a09f914354724b985f52e60a13b";
}
