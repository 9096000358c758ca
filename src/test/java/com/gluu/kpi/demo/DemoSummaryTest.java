package com.gluu.kpi.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.gluu.kpi.testing.TestDatabase;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The summary's accuracy, cost, tenant and endpoint-health sections over a few hand-written rows
 * in a real PostgreSQL: sums over the 1-minute rows only, feedback-weighted accuracy, idle hosting
 * per hour of the cost rows' span, the tenants and the overhead no tenant pays, uptime from
 * in-service seconds and uptime ratios.
 */
class DemoSummaryTest {
    static TestDatabase db;
    static DemoSummary summary;
    static String text;

    static final String M1 = "'2023-11-16 18:00:00+00', '2023-11-16 18:01:00+00'";
    static final String M2 = "'2023-11-16 18:01:00+00', '2023-11-16 18:02:00+00'";
    static final String M3 = "'2023-11-16 18:02:00+00', '2023-11-16 18:03:00+00'";
    static final String HOUR = "'2023-11-16 18:00:00+00', '2023-11-16 19:00:00+00'";

    @BeforeAll
    static void writeRowsAndSummarize() throws Exception {
        db = TestDatabase.startMigrated();
        db.execute("INSERT INTO kpi.accuracy (window_start, window_end, model, model_version, feedback, correct, partial,"
                + " incorrect, accuracy) VALUES"
                + " (" + M1 + ", 'blip2', 'v1', 4, 3, 0, 1, 0.75),"
                + " (" + M2 + ", 'blip2', 'v1', 1, 0, 0, 1, 0.0),"
                + " (" + M2 + ", 'unmatched', '', 2, 1, 1, 0, 0.75),"
                + " (" + HOUR + ", 'blip2', 'v1', 999, 0, 0, 999, 0.0)"); // 1-hour rows are not read
        db.execute("INSERT INTO kpi.cost (window_start, window_end, model, endpoint, requests, llm_usd, hosting_usd,"
                + " compute_usd, total_usd, usd_per_inference, idle_hosting_usd) VALUES"
                + " (" + M1 + ", 'blip2', 'blip2-endpoint', 10, 0.5, 0.2, 0.1, 0.8, 0.08, NULL),"
                + " (" + M1 + ", 'llava', 'llava-endpoint', 0, 0, 0.3, 0, 0.3, NULL, NULL),"
                + " (" + M1 + ", '*', '*', 10, 0.5, 0.5, 0.1, 1.1, 0.11, 0.3),"
                + " (" + M2 + ", 'blip2', 'blip2-endpoint', 0, 0, 0.2, 0, 0.2, NULL, NULL),"
                + " (" + M2 + ", 'llava', 'llava-endpoint', 0, 0, 0.3, 0, 0.3, NULL, NULL),"
                + " (" + M2 + ", '', '', 0, 0, 0, 0.1, 0.1, NULL, NULL),"
                + " (" + M2 + ", '*', '*', 0, 0, 0.5, 0.1, 0.6, NULL, 0.5),"
                + " (" + HOUR + ", '*', '*', 99, 9, 9, 9, 27, 0.27, 9)");
        // blip2's first minute ($0.80 with its requests) split over acme (6 requests) and globex (4).
        db.execute("INSERT INTO kpi.tenant_usage (window_start, window_end, client_id, requests, errors, images,"
                + " prompt_tokens, completion_tokens, llm_usd, allocated_usd, total_usd, usd_per_request) VALUES"
                + " (" + M1 + ", 'acme', 6, 1, 0, 0, 0, 0.3, 0.18, 0.48, 0.08),"
                + " (" + M1 + ", 'globex', 4, 0, 0, 0, 0, 0.2, 0.12, 0.32, 0.08),"
                + " (" + HOUR + ", 'acme', 99, 9, 0, 0, 0, 9, 9, 18, 0.18)");
        db.execute("INSERT INTO kpi.endpoint_health (window_start, window_end, endpoint, in_service_seconds, uptime_ratio,"
                + " restarts, failures) VALUES"
                + " (" + M1 + ", 'blip2-endpoint', 30, 1.0, 0, 0)," // first minute, observed from :30
                + " (" + M2 + ", 'blip2-endpoint', 0, 0.0, 0, 1),"  // down the whole minute
                + " (" + M3 + ", 'blip2-endpoint', 45, 0.75, 1, 0),"
                + " (" + M1 + ", 'llava-endpoint', 60, 1.0, 0, 0),"
                + " (" + HOUR + ", 'blip2-endpoint', 0, 0.0, 7, 7)");
        String e2eM1 = sketch(1_000, 2_000);
        String e2eM2 = sketch(3_000);
        db.execute("INSERT INTO kpi.jobs (window_start, window_end, service, kind, submitted, completed, failed,"
                + " webhooks_sent, webhooks_failed, e2e_sketch, open_at_end, stuck_at_end, oldest_open_seconds) VALUES"
                + " (" + M1 + ", 'analyze-api', 'analyze', 5, 3, 1, 2, 1, " + e2eM1 + ", 2, 1, 960),"
                + " (" + M2 + ", 'analyze-api', 'analyze', 1, 1, 0, 1, 3, " + e2eM2 + ", 2, 2, 1020),"
                + " (" + M3 + ", 'analyze-api', 'analyze', 0, 0, 0, 0, 0, NULL, 1, 1, 1080)," // the end: one stuck
                + " (" + M1 + ", 'annotate-worker', 'annotation', 4, 2, 1, 0, 0, NULL, 1, 0, 3),"
                + " (" + M2 + ", 'annotate-worker', 'annotation', 0, 1, 0, 0, 0, NULL, 0, 0, 0),"
                + " (" + HOUR + ", 'analyze-api', 'analyze', 99, 99, 99, 99, 99, " + sketch(99_000) + ", 9, 9, 9000)");
        summary = DemoSummary.read(db.jdbc());
        text = summary.render(List.of());
    }

    /** A stored sketch (format 1) of these values, as a bytea literal. */
    static String sketch(double... values) {
        com.datadoghq.sketch.ddsketch.DDSketch s = com.gluu.kpi.latency.LatencySketches.create();
        for (double v : values) {
            s.accept(v);
        }
        return "'\\x" + java.util.HexFormat.of().formatHex(com.gluu.kpi.latency.StoredSketch.encode(s)) + "'::bytea";
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @Test
    void accuracyIsFeedbackWeightedAndUnmatchedIsCountedApart() {
        assertThat(summary.accuracy()).hasSize(1);
        DemoSummary.Accuracy a = summary.accuracy().get(0);
        assertThat(a.model + " " + a.modelVersion + " " + a.feedback).isEqualTo("blip2 v1 5");
        assertThat(a.accuracy).isCloseTo(3.0 / 5, within(1e-12)); // not the mean of 0.75 and 0
        assertThat(summary.unmatchedFeedback()).isEqualTo(2);
        assertThat(text).contains("  blip2      v1                                 5    60.00 %\n");
        assertThat(text).contains("unmatched feedback (no inference from 7 d before to 10 min after it): 2\n");
    }

    @Test
    void costRowsAreSummedAndIdleHostingIsPerHourOfTheCostRows() {
        DemoSummary.Cost blip2 = summary.cost("blip2", "blip2-endpoint");
        assertThat(new double[] {blip2.requests, blip2.llm, blip2.hosting, blip2.compute, blip2.total, blip2.idleHosting})
                .containsExactly(new double[] {10, 0.5, 0.4, 0.1, 1.0, 0.2}, within(1e-12));
        assertThat(blip2.perInference()).isCloseTo(0.1, within(1e-12));
        assertThat(summary.cost("llava", "llava-endpoint").idleHosting).isCloseTo(0.6, within(1e-12));
        assertThat(summary.cost("llava", "llava-endpoint").perInference()).isNaN();
        assertThat(summary.cost()).extracting(c -> c.model).containsExactly("blip2", "llava", ""); // unallocated last

        DemoSummary.CostTotals totals = summary.costTotals();
        assertThat(totals.all.requests).isEqualTo(10);
        assertThat(totals.all.total).isCloseTo(1.7, within(1e-12));
        assertThat(totals.all.perInference()).isCloseTo(0.17, within(1e-12));
        assertThat(totals.idleHosting).isCloseTo(0.8, within(1e-12));
        assertThat(totals.from).isEqualTo(Instant.parse("2023-11-16T18:00:00Z"));
        assertThat(totals.to).isEqualTo(Instant.parse("2023-11-16T18:02:00Z"));
        assertThat(totals.idleSavingsPerHour()).isCloseTo(0.8 * 30, within(1e-9));
        assertThat(text).contains("Cost per model and endpoint, 2023-11-16 18:00–18:02 UTC");
        assertThat(text).contains("  llava         llava-endpoint           0    0.0000     0.6000     0.0000     0.6000"
                + "            –    0.6000\n");
        assertThat(text).contains("  (unallocated)                          0    0.0000     0.0000     0.1000     0.1000");
        assertThat(text).contains("  Whole cost $1.70 for 10 inferences: $0.170000 per inference.\n");
        assertThat(text).contains("  Idle hosting $0.80 over 0.03 h (the span of the cost rows): $24.000 per hour");
        assertThat(text).contains("  Idle share of hosting: blip2-endpoint 50 %, llava-endpoint 100 %.\n");
    }

    @Test
    void tenantsAreSummedAndTheOverheadIsTheCostRowsWithoutRequests() {
        assertThat(summary.tenants()).extracting(t -> t.clientId).containsExactly("acme", "globex"); // dearest first
        DemoSummary.Tenant acme = summary.tenant("acme");
        assertThat(new double[] {acme.requests, acme.errors, acme.llm, acme.allocated, acme.total})
                .containsExactly(new double[] {6, 1, 0.3, 0.18, 0.48}, within(1e-12));
        assertThat(acme.perRequest()).isCloseTo(0.08, within(1e-12));
        // Minutes' cost rows without requests: llava 0.3 + 0.3, blip2's idle minute 0.2, '' 0.1.
        assertThat(summary.overhead()).isCloseTo(0.9, within(1e-12));
        // Tenants + overhead = the whole cost ($1.70).
        assertThat(acme.total + summary.tenant("globex").total + summary.overhead())
                .isCloseTo(summary.costTotals().all.total, within(1e-12));
        assertThat(text).contains("  acme                       6        1    0.3000       0.1800     0.4800    0.080000\n");
        assertThat(text).contains("  Tenants $0.80 for 10 requests; overhead allocated to nobody (idle endpoints, Fargate"
                + " without requests) $0.90.\n");
    }

    @Test
    void uptimeIsInServiceOverObservedSeconds() {
        DemoSummary.Health blip2 = summary.health("blip2-endpoint");
        assertThat(blip2.inServiceSeconds).isCloseTo(75, within(1e-9));
        assertThat(blip2.observedSeconds).isCloseTo(30 + 60 + 60, within(1e-9));
        assertThat(blip2.uptime()).isCloseTo(0.5, within(1e-12));
        assertThat(blip2.restarts).isEqualTo(1);
        assertThat(blip2.failures).isEqualTo(1);
        assertThat(summary.health("llava-endpoint").uptime()).isEqualTo(1.0);
        assertThat(text).contains("  blip2-endpoint        0.02 h     0.04 h   50.00 %         1         1\n");
    }

    @Test
    void jobsAreSummedPerServiceAndKindWithTheE2eSketchesMergedAndTheStuckJobsOfTheLastMinute() {
        assertThat(summary.jobs()).extracting(j -> j.service + "/" + j.kind)
                .containsExactly("analyze-api/analyze", "annotate-worker/annotation");
        DemoSummary.Jobs analyze = summary.jobs("analyze-api", "analyze");
        assertThat(new long[] {analyze.submitted, analyze.completed, analyze.failed, analyze.webhooksSent,
                analyze.webhooksFailed, analyze.maxStuck, analyze.stuckAtEnd}).containsExactly(6, 4, 1, 3, 4, 2, 1);
        // merged {1000, 2000} and {3000}: p50 at rank 1 of 0..2 is 2000, p95 and p99 (ranks 1.9, 1.98) 2000 or 3000
        com.gluu.kpi.pipeline.GeneratedReplayITCase.assertWithinOnePercentOfRank(analyze.e2eP50, List.of(1_000.0, 2_000.0,
                3_000.0), 0.50, "p50");
        com.gluu.kpi.pipeline.GeneratedReplayITCase.assertWithinOnePercentOfRank(analyze.e2eP95, List.of(1_000.0, 2_000.0,
                3_000.0), 0.95, "p95");
        com.gluu.kpi.pipeline.GeneratedReplayITCase.assertWithinOnePercentOfRank(analyze.e2eP99, List.of(1_000.0, 2_000.0,
                3_000.0), 0.99, "p99");
        DemoSummary.Jobs annotation = summary.jobs("annotate-worker", "annotation");
        assertThat(new long[] {annotation.submitted, annotation.completed, annotation.failed, annotation.webhooksSent,
                annotation.webhooksFailed, annotation.maxStuck, annotation.stuckAtEnd}).containsExactly(4, 3, 1, 0, 0, 0, 0);
        assertThat(annotation.e2eP50).isNaN(); // no webhook_sent: no sketch to merge
        assertThat(text).contains("Async jobs (kpi.jobs), whole trace");
        assertThat(text).containsPattern("\n  analyze-api      analyze            6         4      1             3               4"
                + " +[0-9,]+ +[0-9,]+ +[0-9,]+         2            1\n");
        assertThat(text).contains("\n  annotate-worker  annotation         4         3      1             0               0"
                + "        –        –        –         0            0\n");
    }
}
