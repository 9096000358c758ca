package com.gluu.kpi.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.jobs.JobSignal;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The jobs rules of SPEC §5 ({@code jobs_stuck}, {@code webhook_failures}, as shipped in
 * {@code jobs/alert-rules.yaml}) fed with the job join's signals through {@link RuleInputs.Jobs}
 * into the {@link AlertEvaluator}, minute by minute; every transition and its evidence worked out
 * by hand in the comments.
 */
class JobsAlertsTest {
    private static final long MIN = 60_000L;
    private static final long T = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    private static final String STUCK = "rules:\n  - {name: jobs_stuck, kpi: jobs, statistic: stuck, comparison: '>=',"
            + " threshold: 1, for: 5, group_by: [service, kind], severity: warning}\n";
    private static final String WEBHOOKS = "rules:\n  - {name: webhook_failures, kpi: jobs, statistic: webhook_failure_rate,"
            + " comparison: '>', threshold: 0.05, resolve_threshold: 0.025, min_sample: 20, window: 15m, for: 2,"
            + " keep_firing_for: 10m, group_by: [service], severity: warning}\n";

    private static long lastMs(int m) {
        return T + (m + 1) * MIN - 1;
    }

    /** The join's gauge of one open job at the end of minute {@code m}. */
    private static JobSignal gauge(String jobId, int m, long ageMs, long stuckAfterMs) {
        JobSignal s = signal(jobId);
        s.gaugeAt = T + (m + 1) * MIN;
        s.open = 1;
        s.oldestOpenMs = ageMs;
        s.stuck = ageMs > stuckAfterMs ? 1 : 0;
        return s;
    }

    private static JobSignal signal(String jobId) {
        JobSignal s = new JobSignal();
        s.service = "analyze-api";
        s.kind = "analyze";
        s.jobId = jobId;
        return s;
    }

    private static JobSignal webhook(String jobId, boolean failed) {
        JobSignal s = signal(jobId);
        s.seen = 1;
        s.webhooksSent = failed ? 0 : 1;
        s.webhooksFailed = failed ? 1 : 0;
        return s;
    }

    private static List<String> transitions(KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord> h) {
        List<String> out = new ArrayList<>();
        for (AlertRecord r : h.extractOutputValues()) {
            out.add(r.state + " at " + (r.transitionAt - T) / MIN + " from " + (r.startedAt - T) / MIN + " value " + r.value);
        }
        return out;
    }

    private static List<String> evidence(KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord> h) {
        List<String> ids = new ArrayList<>();
        for (StreamRecord<AlertEvidence> r : h.getSideOutput(AlertEvaluator.EVIDENCE)) {
            ids.add(r.getValue().requestId);
        }
        return ids;
    }

    @Test
    void jobsStuckFiresOnTheFifthStuckMinuteWithTheOldestJobsAsEvidenceAndResolvesWhenNoneIsLeft() throws Exception {
        AlertRules rules = TestRules.rules(STUCK);
        RuleInputs.Jobs in = new RuleInputs.Jobs(rules);
        long stuckAfter = 15 * MIN;
        try (var h = AlertHarness.evaluator(rules)) {
            // j1 submitted 13.5 min before the end of minute 0: stuck (age > 15 min) from minute 2 on.
            // j2 submitted 0.5 min before the end of minute 0: never stuck until it ends... and j3
            // submitted 11.5 min before the end of minute 0: stuck from minute 4 (age 15.5 min).
            // j1 completes in minute 8 (no gauge from 8), j3 in minute 9, j2 in minute 9.
            for (int m = 0; m <= 10; m++) {
                if (m < 8) {
                    AlertHarness.send(h, in, gauge("j1", m, (long) (13.5 * MIN) + m * MIN, stuckAfter), lastMs(m));
                }
                if (m < 9) {
                    AlertHarness.send(h, in, gauge("j2", m, MIN / 2 + m * MIN, stuckAfter), lastMs(m));
                    AlertHarness.send(h, in, gauge("j3", m, (long) (11.5 * MIN) + m * MIN, stuckAfter), lastMs(m));
                }
                h.processWatermark(lastMs(m));
            }
            // stuck at the end of minutes 0..10: 0, 0, 1, 1, 2, 2, 2, 2, 1 (j3), none (no gauge), none.
            // Breaches at minutes 2..6: fires at the fifth, minute 6, with 2 stuck; the episode starts
            // at the end of minute 2 (T + 3 min). Minute 7: 2, minute 8: 1 (j3), still firing;
            // minute 9 has no gauge (no open job): no value, resolves (evaluation time T + 10 min).
            assertThat(transitions(h)).containsExactly("firing at 7 from 3 value 2.0", "resolved at 10 from 3 value NaN");
            // evidence of minute 6: the stuck jobs, oldest first (j1 19.5 min, j3 17.5 min); j2 is not stuck
            assertThat(evidence(h)).containsExactly("j1", "j3");
            assertThat(h.extractOutputValues().get(0).summary).isEqualTo("stuck jobs 2 >= 1 for analyze-api/analyze");
        }
    }

    @Test
    void jobsStuckNeedsFiveMinutesInARow() throws Exception {
        AlertRules rules = TestRules.rules(STUCK);
        RuleInputs.Jobs in = new RuleInputs.Jobs(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            // stuck at minutes 0..3, a minute with only a job that is not stuck (4), stuck again 5..8:
            // four breaches, then reset, then four: never five in a row
            for (int m = 0; m <= 8; m++) {
                boolean stuck = m != 4;
                AlertHarness.send(h, in, gauge("j", m, stuck ? 20 * MIN : MIN, 15 * MIN), lastMs(m));
                h.processWatermark(lastMs(m));
            }
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }

    @Test
    void webhookFailuresOverFifteenMinutesWithTwentyAttemptsAndTheFailedJobsAsEvidence() throws Exception {
        AlertRules rules = TestRules.rules(WEBHOOKS);
        RuleInputs.Jobs in = new RuleInputs.Jobs(rules);
        try (var h = AlertHarness.evaluator(rules)) {
            for (int m = 0; m <= 31; m++) {
                if (m == 5) {
                    // w1 fails two attempts, w2 one, one webhook sent: 4 attempts, 3 failed
                    AlertHarness.send(h, in, webhook("w1", true), T + 5 * MIN + 1_000);
                    AlertHarness.send(h, in, webhook("w1", true), T + 5 * MIN + 2_000);
                    AlertHarness.send(h, in, webhook("w2", true), T + 5 * MIN + 3_000);
                    AlertHarness.send(h, in, webhook("ok-5", false), T + 5 * MIN + 4_000);
                } else {
                    for (int k = 0; k < 4; k++) {
                        AlertHarness.send(h, in, webhook("ok-" + m + "-" + k, false), T + m * MIN + k * 1_000);
                    }
                }
                h.processWatermark(lastMs(m));
            }
            // window (m - 15, m], 4 attempts a minute. Minutes 0..4: no failure. Minute 5: 24 attempts,
            // 3 failed = 12.5 % > 5 %: first breach (evaluation time T + 6 min). Minute 6: 28 attempts,
            // 3 failed = 0.10714... > 5 %: the second, fires with that value. Until minute 19 the window
            // holds minute 5 (at 19: 60 attempts, 3 failed = 5 %, above the 2.5 % it resolves at);
            // from minute 20 it holds no failure: the clear run starts at T + 21 min and resolves
            // 10 minutes later, at minute 30 (T + 31 min).
            assertThat(transitions(h)).containsExactly("firing at 7 from 6 value " + (3 / 28.0),
                    "resolved at 31 from 6 value 0.0");
            // evidence: the failed webhooks' jobs, latest first, once each
            assertThat(evidence(h)).containsExactly("w2", "w1");
            assertThat(h.extractOutputValues().get(0).summary)
                    .isEqualTo("webhook failure rate 10.7 % > 5 % for analyze-api");
        }
    }
}
