package com.gluu.kpi.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.events.InferenceStatus;
import com.gluu.kpi.slo.SloPartial;
import java.util.List;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * SLO burn-rate rules in the evaluator, minute by minute, with transitions worked out by hand from
 * the Google SRE workbook's definition ("Alerting on SLOs"): burn rate over a window = (bad
 * requests / requests) / (1 - objective); a rule fires at the first minute both its long and its
 * short window burn at least its factor, and resolves at the first minute one of them does not.
 */
class SloBurnAlertsTest {
    private static final long MIN = 60_000L;
    private static final long T = 1_767_225_600_000L; // 2026-01-01T00:00:00Z, a whole minute
    private static final String API = "{\"service\":\"api\"}";

    private static long lastMs(int m) {
        return T + (m + 1) * MIN - 1;
    }

    /** A partial of one minute: {@code requests} of {@code service}, {@code bad} of them bad for the only SLO. */
    private static SloPartial partial(String service, long requests, long bad) {
        SloPartial p = new SloPartial();
        p.service = service;
        p.requests = requests;
        p.bad = new long[] {bad};
        return p;
    }

    private static String line(AlertRecord r) {
        return r.rule + " " + r.state + " at " + (r.transitionAt - T) / MIN;
    }

    /**
     * 99.5 % availability (budget 0.5 %), 100 requests a minute. Minutes 0-59 are clean; minutes
     * 60-109 have 11 errors each (11 %: 22 × the budget); from 110 clean again.
     *
     * <p>Fast (1 h and 5 min at 14.4 ×): with k bad minutes in the last hour (full from minute 59)
     * the long burn is 11k / 6000 / 0.005 = 11k/30: 14.3 at k = 39, 14.67 at k = 40, i.e. minute 99
     * (bad minutes 60..99); the 5-minute window is 22 × by then. It fires at the end of minute 99
     * with 440/30. At minute 110 the 5-minute window (106..110] holds 4 bad minutes: 44/500 = 8.8 %,
     * 17.6 ×; at 111 three: 6.6 %, 13.2 × < 14.4: it resolves, value min(550/6000/0.005 = 18.3, 13.2).
     *
     * <p>Slow (6 h and 30 min at 6 ×): the 6-hour window holds every minute since 0, so at minute m
     * (k = m - 59 bad) the long burn is 11k / (100 (m + 1)) / 0.005 = 22k / (m + 1): 5.90 at minute 81,
     * 22·23/83 = 6.096 at 82, when the 30-minute window (53..82] has 23 bad minutes (16.9 ×): fires
     * at 82. Its 30-minute window after the errors stop holds 139 - m bad minutes: 11 (139 - m) / 3000
     * / 0.005 = 11 (139 - m) / 15, 6.6 at minute 130 and 88/15 = 5.87 at 131: it resolves at 131.
     */
    @Test
    void anErrorBurstFiresTheSlowBurnThenTheFastOneAndTheShortWindowsResolveThem() throws Exception {
        AlertRules rules = TestRules.rules("rules: []\nslos:\n  - {name: availability, kind: availability, objective: 0.995}\n");
        RuleInputs.Slos in = new RuleInputs.Slos(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            for (int m = 0; m <= 140; m++) {
                AlertHarness.send(h, in, partial("api", 100, m >= 60 && m <= 109 ? 11 : 0), lastMs(m));
                h.processWatermark(lastMs(m));
            }
            List<AlertRecord> out = h.extractOutputValues();
            // transition times are the ends of the evaluated minutes
            assertThat(out).extracting(SloBurnAlertsTest::line).containsExactly(
                    "availability_slow_burn firing at 83",
                    "availability_fast_burn firing at 100",
                    "availability_fast_burn resolved at 112",
                    "availability_slow_burn resolved at 132");
            assertThat(out.get(0).value).isCloseTo(22.0 * 23 / 83, within(1e-9));
            assertThat(out.get(0).threshold).isEqualTo(6.0);
            assertThat(out.get(0).severity).isEqualTo("warning");
            assertThat(out.get(1).value).isCloseTo(440.0 / 30, within(1e-9));
            assertThat(out.get(1).threshold).isEqualTo(14.4);
            assertThat(out.get(1).severity).isEqualTo("critical");
            assertThat(out.get(1).labelsJson).isEqualTo(API);
            assertThat(out.get(1).summary).isEqualTo(
                    "availability budget burning 14.7x over 1h and 5m (fires at 14.4x) for api");
            assertThat(out.get(2).value).isCloseTo(13.2, within(1e-9));
            assertThat(out.get(2).alertId).isEqualTo(out.get(1).alertId);
            assertThat(out.get(2).summary).isEqualTo(
                    "availability budget burn back to 13.2x (fires at 14.4x over 1h and 5m) for api");
            assertThat(out.get(3).value).isCloseTo(88.0 / 15, within(1e-9));
        }
    }

    /**
     * 95 % of requests under 10 s (budget 5 %), fed through the job's mappers from requests: 20 a
     * minute. Minutes 0-29: 19 × 1 s and a 50 ms error (fast: not bad for latency). From minute 30:
     * 18 × 15 s, an error after 12 s (slow, so bad whatever its status) and one of exactly 10 s (not
     * above the threshold): 19 bad of 20, 19 × the budget.
     *
     * <p>Slow (6 h / 30 min, 6 ×): every minute since 0 is in the long window, k = m - 29 bad minutes:
     * 19k / (20 (m + 1)) / 0.05 = 19k / (m + 1): 19·13/43 = 5.74 at minute 42, 19·14/44 = 6.045 at 43,
     * when the 30-minute window (13..43] has 14 bad minutes (8.9 ×): fires at 43.
     *
     * <p>Fast (1 h / 5 min, 14.4 ×): once the hour is full (minute 59), 19k / 1200 / 0.05 = 19k/60:
     * 14.25 at k = 45, 14.57 at k = 46, minute 75.
     */
    @Test
    void slowRequestsBurnTheLatencyBudgetWhateverTheirStatus() throws Exception {
        AlertRules rules = TestRules.rules("rules: []\nslos:\n"
                + "  - {name: latency, kind: latency, objective: 0.95, threshold_ms: 10000}\n");
        SloPartial.Aggregation aggregation = new SloPartial.Aggregation(rules.slos());
        RuleInputs.Slos in = new RuleInputs.Slos(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            for (int m = 0; m <= 80; m++) {
                SloPartial p = null;
                for (int i = 0; i < 20; i++) {
                    InferenceEvent e = m < 30 ? request(i == 0 ? 50 : 1_000, i == 0)
                            : request(i == 0 ? 12_000 : i == 1 ? 10_000 : 15_000, i == 0);
                    if (p == null) {
                        p = aggregation.create(e);
                    }
                    aggregation.add(p, e);
                }
                assertThat(p.bad[0]).isEqualTo(m < 30 ? 0 : 19);
                AlertHarness.send(h, in, p, lastMs(m));
                h.processWatermark(lastMs(m));
            }
            List<AlertRecord> out = h.extractOutputValues();
            assertThat(out).extracting(SloBurnAlertsTest::line).containsExactly(
                    "latency_slow_burn firing at 44",
                    "latency_fast_burn firing at 76");
            assertThat(out.get(0).value).isCloseTo(19.0 * 14 / 44, within(1e-9));
            assertThat(out.get(1).value).isCloseTo(19.0 * 46 / 60, within(1e-9));
        }
    }

    private static InferenceEvent request(double totalMs, boolean error) {
        InferenceEvent e = new InferenceEvent();
        e.requestId = "r";
        e.service = "api";
        e.model = "m";
        e.status = error ? InferenceStatus.ERROR : InferenceStatus.OK;
        e.totalLatencyMs = totalMs;
        return e;
    }

    /**
     * A service that stops sending while its fast burn fires: the 5-minute window without requests
     * burns nothing, so the episode resolves at the 5th silent minute (the chain wakes up for the
     * short window, not only for the hour), and no_data is the rule that says it went silent.
     * Under min_sample (100 requests in the hour) a service is not judged at all: 50 requests, all
     * errors, fire nothing.
     */
    @Test
    void silenceResolvesWhenTheShortWindowEmptiesAndFewRequestsAreNotJudged() throws Exception {
        AlertRules rules = TestRules.rules("rules: []\nslos:\n  - {name: availability, kind: availability, objective: 0.995,"
                + " burn_alerts: {slow: {factor: 200}}}\n");
        RuleInputs.Slos in = new RuleInputs.Slos(rules);
        try (KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord> h = AlertHarness.evaluator(rules)) {
            // minutes 0-9: 100 requests, 50 errors (100 ×); then nothing
            for (int m = 0; m <= 9; m++) {
                AlertHarness.send(h, in, partial("api", 100, 50), lastMs(m));
                AlertHarness.send(h, in, partial("tiny", 5, 5), lastMs(m));
                h.processWatermark(lastMs(m));
            }
            h.processWatermark(lastMs(30));
            List<AlertRecord> out = h.extractOutputValues();
            // fires at minute 0 (100 requests: min_sample reached), resolves at minute 14: (9..14] is empty
            assertThat(out).extracting(SloBurnAlertsTest::line).containsExactly(
                    "availability_fast_burn firing at 1",
                    "availability_fast_burn resolved at 15");
            assertThat(out).allSatisfy(r -> assertThat(r.labelsJson).isEqualTo(API));
            assertThat(out.get(0).value).isCloseTo(100.0, within(1e-9));
            assertThat(out.get(1).value).isZero();
        }
    }

    /** An SLO with {@code services:} watches only those; the partials of other services feed nothing. */
    @Test
    void anSloWithServicesWatchesOnlyThem() throws Exception {
        AlertRules rules = TestRules.rules("rules: []\nslos:\n  - {name: availability, kind: availability, objective: 0.995,"
                + " services: [api]}\n");
        RuleInputs.Slos in = new RuleInputs.Slos(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            AlertHarness.send(h, in, partial("api", 100, 50), lastMs(0));
            AlertHarness.send(h, in, partial("worker", 100, 50), lastMs(0));
            h.processWatermark(lastMs(0));
            assertThat(h.extractOutputValues()).extracting(r -> r.rule + " " + r.labelsJson).containsExactly(
                    "availability_fast_burn " + API, "availability_slow_burn " + API);
        }
    }
}
