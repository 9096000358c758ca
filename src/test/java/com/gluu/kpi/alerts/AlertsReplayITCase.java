package com.gluu.kpi.alerts;

import static com.gluu.kpi.testing.AlertScenario.ERROR_ID;
import static com.gluu.kpi.testing.AlertScenario.FAILED_ID;
import static com.gluu.kpi.testing.AlertScenario.MIN;
import static com.gluu.kpi.testing.AlertScenario.RESTART_ID;
import static com.gluu.kpi.testing.AlertScenario.T_MS;
import static com.gluu.kpi.testing.AlertScenario.requestId;
import static com.gluu.kpi.testing.AlertScenario.ts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.alerts.delivery.AlertOutbox;
import com.gluu.kpi.alerts.delivery.NotificationChannel;
import com.gluu.kpi.alerts.delivery.PostHogChannel;
import com.gluu.kpi.alerts.delivery.SnsChannel;
import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.testing.AlertScenario;
import com.gluu.kpi.testing.PostHogStandIn;
import com.gluu.kpi.testing.SnsStandIn;
import com.gluu.kpi.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Alerting end to end through {@code run}'s code path ({@link KpiJob#replayFile}) with the bundled
 * rules (jobs/alert-rules.yaml), a real PostgreSQL, and the outbox delivering to local stand-ins
 * of PostHog and SNS through the real clients.
 *
 * <p>Scenario ({@link AlertScenario}), T = 2026-11-23T10:00:00Z, minutes m = 0..39 (minute m is [T+m, T+m+1)):
 * <ul>
 *   <li>analyze-api / blip2 / blip2-endpoint: 60 requests per minute, one per second (second s of
 *       minute m at T + m min + s s), total latency 1000 ms, all ok except in minutes 10..14, where
 *       the 30 requests at even seconds have status error;
 *   <li>blip2-endpoint: InService at T (ml.g5.xlarge ×1), Failed at T+20m30s (minute 20),
 *       InService at T+23m10s (minute 23, a restart after Failed).
 * </ul>
 *
 * <p>Expected by hand (evaluation of minute m at its end T+(m+1) min, over minutes m-4..m):
 * <ul>
 *   <li>ecs_error_rate {service: analyze-api} (critical, > 1 %, resolves at ≤ 0.5 %, for 2,
 *       keep_firing_for 10m, min 20 requests): every window has ≥ 60 requests; windows containing
 *       an error minute 10..14 are m = 10..18 (rate 30/300 = 10 % at m = 10, up to 50 % at m = 14).
 *       First breach m = 10 → pending, started_at T+11m; second breach m = 11 → fires (at T+12m);
 *       first window without errors m = 19 (15..19, 0 %) starts the wait at T+20m; resolved at the
 *       first evaluation 10 min later, m = 29 → resolved_at T+30m. notify_seq 2 (fired + resolved;
 *       18 min is below the 1 h repeat interval).
 *   <li>endpoint_failed {endpoint: blip2-endpoint, model: blip2} (critical, failures ≥ 1): the
 *       failure in minute 20 is in the windows m = 20..24 → started_at T+21m, resolved at m = 25 →
 *       resolved_at T+26m, notify_seq 2.
 *   <li>endpoint_restart {endpoint: blip2-endpoint, model: blip2} (warning, restarts ≥ 1): the
 *       restart in minute 23 (Failed → InService; the initial InService is no restart) is in the
 *       windows m = 23..27 → started_at T+24m, resolved at m = 28 → resolved_at T+29m, notify_seq 2.
 *   <li>availability_slow_burn {service: analyze-api} (warning; SLO 99.5 %, budget 0.5 %; 6 h and
 *       30 min at 6 ×, min 100 requests): both windows hold every minute since 0, so at m = 10 they
 *       burn 30 / 660 / 0.005 = 9.1 × (at m = 9, 0): fires at m = 10, started_at T+11m. The 30-minute
 *       window holds the error minutes until m = 43, after the input's end (m = 39): still firing
 *       at the end, notify_seq 1 (no repeat: 29 min is below 1 h).
 *   <li>availability_fast_burn {service: analyze-api} (critical; 1 h and 5 min at 14.4 ×): at m = 10
 *       the hour burns 9.1 ×; at m = 11 60 / 720 / 0.005 = 16.7 × and the 5 minutes 7..11
 *       60 / 300 / 0.005 = 40 ×: fires, started_at T+12m (not inhibited: the slow burn it inhibits
 *       fired first). The 5 minutes burn 20 × at m = 18 (30 errors in 14..18) and 0 at m = 19:
 *       resolved_at T+20m, notify_seq 2.
 *   <li>Nothing else: p95 latency is ~1 s (< 5 s, < 10 s; the latency SLO's requests are all
 *       under 10 s); no feedback, so accuracy_low has no
 *       group; requests every minute until the end of input, so idle_endpoint (30 min billed
 *       without requests) and no_data (10 min silent) never hold.
 * </ul>
 * The evidence of the error-rate episode (fired at m = 11, window 7..11) is the 20 latest failed
 * requests of the window: minute 11, seconds 20, 22, .., 58.
 *
 * <p>Alert ids (first 32 hex of SHA-256 of {@code rule\nlabels\nstart ms}) and notification uuids
 * (MD5 name-based of {@code alertId#seq}) were computed independently with Python hashlib/uuid.
 */
class AlertsReplayITCase {
    private static final String TOPIC = "arn:aws:sns:us-east-1:123456789012:gluu-alerts";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DASHBOARD = "http://127.0.0.1:8321/";
    /** The burn episodes' ids, computed with Python hashlib as the others (see the class comment). */
    private static final String SLOW_BURN_ID = AlertScenario.SLOW_BURN_ID;
    private static final String FAST_BURN_ID = AlertScenario.FAST_BURN_ID;
    /**
     * The dashboard at each episode's range: start − 15 min to end + 15 min (the resolution, which
     * every delivered row has reached), whole minutes, and the service label if the episode has one.
     */
    private static final Map<String, String> LINKS = Map.of(
            ERROR_ID, DASHBOARD + "?from=2026-11-23T09%3A56%3A00Z&to=2026-11-23T10%3A45%3A00Z&service=analyze-api",
            FAILED_ID, DASHBOARD + "?from=2026-11-23T10%3A06%3A00Z&to=2026-11-23T10%3A41%3A00Z",
            RESTART_ID, DASHBOARD + "?from=2026-11-23T10%3A09%3A00Z&to=2026-11-23T10%3A44%3A00Z",
            // still firing: to its latest transition, the firing one, + 15 min
            SLOW_BURN_ID, DASHBOARD + "?from=2026-11-23T09%3A56%3A00Z&to=2026-11-23T10%3A26%3A00Z&service=analyze-api",
            FAST_BURN_ID, DASHBOARD + "?from=2026-11-23T09%3A57%3A00Z&to=2026-11-23T10%3A35%3A00Z&service=analyze-api");


    static TestDatabase db;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startDatabase() {
        db = TestDatabase.startMigrated();
    }

    @AfterAll
    static void stopDatabase() {
        db.close();
    }

    @Test
    void theErrorBurstTheFailureAndTheRestartAreEachOneEpisodeDeliveredOncePerTransition() throws Exception {
        db.truncateKpiTables();
        Path events = AlertScenario.write(tmp.resolve("alerts.jsonl"));

        KpiJob.replayFile(JobConfig.defaults(), events, db.jdbc());

        assertEpisodesAndEvidence();

        // Delivery: each transition once on each channel.
        try (PostHogStandIn posthog = new PostHogStandIn(); SnsStandIn sns = new SnsStandIn()) {
            try (AlertOutbox outbox = outbox(posthog, sns)) {
                outbox.start();
                assertThat(outbox.awaitDelivered(Duration.ofSeconds(60))).as("transitions still behind").isZero();
                Thread.sleep(500); // five more polls: nothing is sent again
            }
            assertEachTransitionArrivedOnce(posthog, sns);
        }
        assertEveryChannelCaughtUp();
    }

    /**
     * The same replay with the outbox running from the start and both channels down: PostHog answers
     * 500, SNS holds every request past the client timeout. The pipeline does not notice (every KPI
     * table, and kpi.alerts apart from its delivery columns, is exactly what a replay without any
     * outbox writes); nothing is marked delivered while the channels are down, the failures are
     * recorded; once both are back every transition arrives exactly once on each.
     */
    @Test
    void aChannelOutageDuringTheReplayChangesNoKpiAndEveryTransitionArrivesOnceWhenTheChannelsAreBack() throws Exception {
        Path events = AlertScenario.write(tmp.resolve("alerts.jsonl"));
        db.truncateKpiTables();
        KpiJob.replayFile(JobConfig.defaults(), events, db.jdbc());
        Map<String, List<String>> clean = kpiSnapshot();
        db.truncateKpiTables();

        try (PostHogStandIn posthog = new PostHogStandIn(); SnsStandIn sns = new SnsStandIn()) {
            posthog.mode(PostHogStandIn.Mode.FAIL);
            sns.mode(SnsStandIn.Mode.HANG);
            try (AlertOutbox outbox = outbox(posthog, sns)) {
                outbox.start();

                // (1) The job finishes, and the outage changes nothing it writes.
                KpiJob.replayFile(JobConfig.defaults(), events, db.jdbc());
                assertThat(kpiSnapshot()).isEqualTo(clean);
                assertEpisodesAndEvidence();

                // (2) Down: both channels have tried and failed, nothing is marked delivered.
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (attempts("posthog") == 0 || attempts("sns") == 0) {
                    assertThat(System.nanoTime()).as("both channels tried within 20 s").isLessThan(deadline);
                    Thread.sleep(50);
                }
                for (Map<String, Object> r : db.rows("SELECT alert_id, notify_seq, posthog_seq, sns_seq,"
                        + " posthog_delivered_at, sns_delivered_at, posthog_attempts, sns_attempts,"
                        + " posthog_last_error, sns_last_error FROM kpi.alerts")) {
                    assertThat(r.get("notify_seq")).as("notify_seq of %s", r.get("alert_id"))
                            .isEqualTo(SLOW_BURN_ID.equals(r.get("alert_id")) ? 1 : 2);
                    assertThat(r.get("posthog_seq")).as("posthog_seq of %s", r.get("alert_id")).isEqualTo(0);
                    assertThat(r.get("sns_seq")).as("sns_seq of %s", r.get("alert_id")).isEqualTo(0);
                    assertThat(r.get("posthog_delivered_at")).isNull();
                    assertThat(r.get("sns_delivered_at")).isNull();
                    // A row tried has its failure recorded (which rows a pass reaches first is up to the backoff).
                    if (((Number) r.get("posthog_attempts")).intValue() > 0) {
                        assertThat((String) r.get("posthog_last_error")).contains("500");
                    } else {
                        assertThat(r.get("posthog_last_error")).isNull();
                    }
                    if (((Number) r.get("sns_attempts")).intValue() > 0) {
                        assertThat((String) r.get("sns_last_error")).contains("Timeout"); // held past the 2 s client timeout
                    } else {
                        assertThat(r.get("sns_last_error")).isNull();
                    }
                }
                assertThat(posthog.events()).isEmpty();
                assertThat(sns.publishes()).isEmpty();
                assertThat(posthog.failedRequests()).isPositive();
                assertThat(sns.hungRequests()).isPositive();

                // (3) Back: every transition arrives, once.
                posthog.mode(PostHogStandIn.Mode.OK);
                sns.mode(SnsStandIn.Mode.OK);
                assertThat(outbox.awaitDelivered(Duration.ofSeconds(60))).as("transitions still behind").isZero();
                Thread.sleep(500); // five more polls: nothing is sent again
            }
            assertEachTransitionArrivedOnce(posthog, sns);
        }
        assertEveryChannelCaughtUp();
        assertThat(kpiSnapshot()).as("delivery writes only the delivery columns").isEqualTo(clean);
    }

    /** Both real clients against the stand-ins, with a 2 s client timeout. */
    private static List<NotificationChannel> channels(PostHogStandIn posthog, SnsStandIn sns) {
        return List.of(
                new PostHogChannel("phc_test_key", posthog.url(), Duration.ofSeconds(2)),
                new SnsChannel(TOPIC, Region.US_EAST_1, sns.endpoint(),
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")),
                        Duration.ofSeconds(2)));
    }

    /** An outbox (not started) polling every 100 ms, backing off from 200 ms up to 1 s. */
    private static AlertOutbox outbox(PostHogStandIn posthog, SnsStandIn sns) {
        return new AlertOutbox(db.jdbc(), channels(posthog, sns), Duration.ofMillis(100), Duration.ofMillis(200),
                Duration.ofSeconds(1)).linkingTo(DASHBOARD).groupingSns(true); // the bundled rules group SNS
    }

    /** kpi.alerts and kpi.alert_evidence are exactly the three episodes and the error-rate evidence. */
    private static void assertEpisodesAndEvidence() throws Exception {
        // The episodes, exactly.
        List<String> alerts = new ArrayList<>();
        for (Map<String, Object> r : db.rows("SELECT alert_id, rule, severity, labels::text AS labels, state,"
                + " (extract(epoch FROM started_at) * 1000)::bigint AS started,"
                + " (extract(epoch FROM resolved_at) * 1000)::bigint AS resolved, notify_seq FROM kpi.alerts"
                + " ORDER BY started_at, rule")) {
            alerts.add(r.get("alert_id") + " " + r.get("rule") + " " + r.get("severity") + " "
                    + sortedLabels((String) r.get("labels")) + " " + r.get("state") + " "
                    + minutesAfterT(r.get("started")) + " " + minutesAfterT(r.get("resolved")) + " " + r.get("notify_seq"));
        }
        assertThat(alerts).containsExactly(
                SLOW_BURN_ID + " availability_slow_burn warning {\"service\":\"analyze-api\"} firing T+11m null 1",
                ERROR_ID + " ecs_error_rate critical {\"service\":\"analyze-api\"} resolved T+11m T+30m 2",
                FAST_BURN_ID + " availability_fast_burn critical {\"service\":\"analyze-api\"} resolved T+12m T+20m 2",
                FAILED_ID + " endpoint_failed critical {\"endpoint\":\"blip2-endpoint\",\"model\":\"blip2\"} resolved T+21m T+26m 2",
                RESTART_ID + " endpoint_restart warning {\"endpoint\":\"blip2-endpoint\",\"model\":\"blip2\"} resolved T+24m T+29m 2");

        // The evidence: the 20 latest failed requests of the firing window 7..11 (minute 11, seconds 20..58).
        List<String> expectedEvidence = new ArrayList<>();
        for (int s = 20; s < 60; s += 2) {
            expectedEvidence.add(requestId(11, s) + " " + ts(T_MS + 11 * MIN + s * 1000L) + " null");
        }
        List<String> evidence = new ArrayList<>();
        for (Map<String, Object> r : db.rows("SELECT alert_id, request_id, (extract(epoch FROM ts) * 1000)::bigint AS t,"
                + " value FROM kpi.alert_evidence ORDER BY ts")) {
            assertThat(r.get("alert_id")).isEqualTo(ERROR_ID);
            evidence.add(r.get("request_id") + " " + ts(((Number) r.get("t")).longValue()) + " " + r.get("value"));
        }
        assertThat(evidence).containsExactlyElementsOf(expectedEvidence);
    }

    /** Each of the nine transitions arrived once on PostHog, with its deterministic uuid, and in one SNS message. */
    private static void assertEachTransitionArrivedOnce(PostHogStandIn posthog, SnsStandIn sns) throws Exception {
        List<String> expected = List.of(
                "ee9704f5-d659-366a-9402-854c13111634 " + ERROR_ID + " 1 firing critical ecs_error_rate",
                "eeb12590-bc14-36fd-9eac-699ce5bb53dd " + ERROR_ID + " 2 resolved critical ecs_error_rate",
                "51043482-27a1-31fe-b6dd-74964b9cc188 " + FAILED_ID + " 1 firing critical endpoint_failed",
                "cc8f4460-6ebd-3e7c-8c08-48a6e455ae5f " + FAILED_ID + " 2 resolved critical endpoint_failed",
                "5b75c51c-1820-3409-9144-7e57ba10e803 " + RESTART_ID + " 1 firing warning endpoint_restart",
                "b12964f9-8a8b-3513-9ad6-7ab173c7c734 " + RESTART_ID + " 2 resolved warning endpoint_restart",
                "a9570806-c3fa-31bf-96b9-5dc5eba16018 " + SLOW_BURN_ID + " 1 firing warning availability_slow_burn",
                "382b5bbd-923e-309e-b194-d2d75187ca07 " + FAST_BURN_ID + " 1 firing critical availability_fast_burn",
                "71b67e4c-20ae-3063-8caa-df40cb2f08fb " + FAST_BURN_ID + " 2 resolved critical availability_fast_burn");

        List<String> posthogSeen = new ArrayList<>();
        for (PostHogStandIn.Event e : posthog.events()) {
            JsonNode p = e.properties();
            assertThat(p.get("link").asText()).isEqualTo(LINKS.get(p.get("alert_id").asText()));
            posthogSeen.add(e.uuid() + " " + p.get("alert_id").asText() + " " + p.get("seq").asInt() + " "
                    + p.get("state").asText() + " " + p.get("severity").asText() + " " + p.get("rule").asText());
        }
        assertThat(posthogSeen).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(posthog.events()).extracting(PostHogStandIn.Event::distinctId)
                .containsExactlyInAnyOrder("analyze-api", "analyze-api", "gluu-kpi", "gluu-kpi", "gluu-kpi", "gluu-kpi",
                        "analyze-api", "analyze-api", "analyze-api");

        // SNS: the bundled rules group by endpoint (group_wait 1m, group_interval 5m), so the nine
        // transitions are six messages. Worked out by hand (a transition of minute m has the
        // timestamp T+(m+1)min−1ms, written "m" below):
        //  - group {} (episodes without an endpoint label): the slow burn fires at 10 → due 11,
        //    which also lists the error rate and the fast burn firing at 11 (critical first, then
        //    by rule); the fast burn resolves at 19 → the next tick after 11 not before 19 is
        //    11 + 2 × 5 = 21; the error rate resolves at 29 → tick 31; the slow burn still fires.
        //  - group {endpoint: blip2-endpoint}: the failure fires at 20 → due 21, alone; the
        //    restart fires at 23 and the failure resolves at 25 → tick 26, both (critical first);
        //    the restart resolves at 28 → tick 31, and nothing fires any more.
        // Ids: first 32 hex of SHA-256 of "group\n<group labels>\n<due ms>", computed with Python.
        List<String> expectedMessages = List.of(
                "5298f08e3546b38f2e4360bd8627eb84 {} [" + FAST_BURN_ID + "#1 firing, " + ERROR_ID + "#1 firing, "
                        + SLOW_BURN_ID + "#1 firing] firing_in_group=3",
                "fbdbb2d8bca74e6c30b9bfbdf0ec4db4 {} [" + FAST_BURN_ID + "#2 resolved] firing_in_group=2",
                "3ac00c2ab188d4d6f4984d0538125f77 {} [" + ERROR_ID + "#2 resolved] firing_in_group=1",
                "fb145ee428a54195274b19a6c986f771 {\"endpoint\":\"blip2-endpoint\"} [" + FAILED_ID + "#1 firing] firing_in_group=1",
                "53b21da5980165df5e926ca5168dd8e4 {\"endpoint\":\"blip2-endpoint\"} [" + FAILED_ID + "#2 resolved, "
                        + RESTART_ID + "#1 firing] firing_in_group=1",
                "3e3c42378be08a1ecb327ae01f5c4835 {\"endpoint\":\"blip2-endpoint\"} [" + RESTART_ID + "#2 resolved] firing_in_group=0");
        List<String> snsSeen = new ArrayList<>();
        for (SnsStandIn.Publish p : sns.publishes()) {
            JsonNode m = JSON.readTree(p.message());
            List<String> members = new ArrayList<>();
            for (JsonNode a : m.get("alerts")) {
                members.add(a.get("alert_id").asText() + "#" + a.get("seq").asInt() + " " + a.get("state").asText());
                assertThat(a.get("group_id").asText()).isEqualTo(m.get("notification_id").asText());
                if (a.get("state").asText().equals("resolved")) {
                    assertThat(a.get("link").asText()).isEqualTo(LINKS.get(a.get("alert_id").asText()));
                }
            }
            snsSeen.add(m.get("notification_id").asText() + " " + JSON.writeValueAsString(m.get("group")) + " " + members
                    + " firing_in_group=" + m.get("firing_in_group").asInt());
            assertThat(p.attributeTypes()).containsEntry("rule", "String.Array");
        }
        assertThat(snsSeen).containsExactlyInAnyOrderElementsOf(expectedMessages);
        assertThat(sns.publishes()).extracting(SnsStandIn.Publish::subject).containsExactlyInAnyOrder(
                "[CRITICAL] ecs_error_rate analyze-api resolved",
                "[CRITICAL] endpoint_failed blip2/blip2-endpoint firing",
                "[CRITICAL] 3 alerts (3 firing): availability_fast_burn analyze-api firing, +2",
                "[CRITICAL] availability_fast_burn analyze-api resolved",
                "[CRITICAL] 2 alerts (1 firing, 1 resolved): endpoint_failed blip2/blip2-endpoint resolved, +1",
                "[WARNING] endpoint_restart blip2/blip2-endpoint resolved");
        assertThat(sns.publishes()).extracting(p -> p.attributes().get("rule")).containsExactlyInAnyOrder(
                "[\"availability_fast_burn\",\"availability_slow_burn\",\"ecs_error_rate\"]",
                "[\"availability_fast_burn\"]", "[\"ecs_error_rate\"]", "[\"endpoint_failed\"]",
                "[\"endpoint_failed\",\"endpoint_restart\"]", "[\"endpoint_restart\"]");
        // PostHog keeps one event per transition, each with the id of the SNS message it went out in.
        Map<String, String> groupOf = Map.of(ERROR_ID + "#1", "5298f08e3546b38f2e4360bd8627eb84",
                ERROR_ID + "#2", "3ac00c2ab188d4d6f4984d0538125f77", FAILED_ID + "#1", "fb145ee428a54195274b19a6c986f771",
                FAILED_ID + "#2", "53b21da5980165df5e926ca5168dd8e4", RESTART_ID + "#1", "53b21da5980165df5e926ca5168dd8e4",
                RESTART_ID + "#2", "3e3c42378be08a1ecb327ae01f5c4835", SLOW_BURN_ID + "#1", "5298f08e3546b38f2e4360bd8627eb84",
                FAST_BURN_ID + "#1", "5298f08e3546b38f2e4360bd8627eb84", FAST_BURN_ID + "#2", "fbdbb2d8bca74e6c30b9bfbdf0ec4db4");
        for (PostHogStandIn.Event e : posthog.events()) {
            JsonNode p = e.properties();
            assertThat(p.get("group_id").asText()).isEqualTo(groupOf.get(p.get("alert_id").asText() + "#" + p.get("seq").asInt()));
        }
    }

    private static void assertEveryChannelCaughtUp() throws Exception {
        assertThat(db.rows("SELECT count(*) AS behind FROM kpi.alerts WHERE posthog_seq <> notify_seq OR sns_seq <> notify_seq"))
                .containsExactly(Map.of("behind", 0L));
    }

    /** Send attempts so far: PostHog's on kpi.alerts rows, grouped SNS's on kpi.alert_notifications rows. */
    private static long attempts(String channel) throws Exception {
        String table = channel.equals("sns") ? "kpi.alert_notifications" : "kpi.alerts";
        return ((Number) db.rows("SELECT coalesce(sum(" + channel + "_attempts), 0) AS n FROM " + table).get(0).get("n"))
                .longValue();
    }

    /**
     * What the pipeline wrote: every row of kpi.traffic, kpi.latency, kpi.endpoint_health,
     * kpi.alerts, kpi.alert_evidence and kpi.slo, all columns but the write times and, in kpi.alerts, the
     * delivery columns the outbox owns.
     */
    private static Map<String, List<String>> kpiSnapshot() throws Exception {
        List<String> leftOut = new ArrayList<>(TestDatabase.WRITE_TIMES);
        leftOut.addAll(TestDatabase.OUTBOX_COLUMNS);
        Map<String, List<String>> snapshot = TestDatabase.tablesAsJson(db.jdbc(),
                List.of("traffic", "latency", "endpoint_health", "alerts", "alert_evidence", "slo"), leftOut);
        snapshot.forEach((table, rows) -> assertThat(rows).as("kpi.%s is empty", table).isNotEmpty());
        return snapshot;
    }

    /** The labels JSON with its keys sorted (jsonb's text output puts shorter keys first). */
    private static String sortedLabels(String labels) throws Exception {
        return JSON.writeValueAsString(JSON.readValue(labels, java.util.TreeMap.class));
    }

    private static String minutesAfterT(Object epochMs) {
        if (epochMs == null) {
            return "null";
        }
        long d = ((Number) epochMs).longValue() - T_MS;
        return d % MIN == 0 ? "T+" + d / MIN + "m" : "T+" + d + "ms";
    }
}
