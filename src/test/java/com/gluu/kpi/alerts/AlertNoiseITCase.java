package com.gluu.kpi.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.alerts.delivery.AlertOutbox;
import com.gluu.kpi.alerts.delivery.DeliveryPolicy;
import com.gluu.kpi.alerts.delivery.NotificationChannel;
import com.gluu.kpi.alerts.delivery.PostHogChannel;
import com.gluu.kpi.alerts.delivery.SnsChannel;
import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.testing.PostHogStandIn;
import com.gluu.kpi.testing.PostgresExtension;
import com.gluu.kpi.testing.SnsStandIn;
import com.gluu.kpi.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Three hours of generated traffic built to be noisy, through {@code run}'s code path with the
 * bundled rules' anti-flap, inhibition and grouping settings, a silence, a maintenance window and
 * a storm, then the outbox with the real PostHog and SNS clients against the stand-ins: exactly
 * the expected episodes, PostHog events and SNS messages, each worked out by hand below.
 *
 * <p>T = 2026-11-23T00:00Z (a Monday); minute m is [T+m, T+m+1) and is evaluated at T+(m+1),
 * written {@code @m+1}; a transition of minute m has the timestamp T+(m+1)−1ms. Traffic, every
 * request 1000 ms unless said otherwise, m = 0..179:
 * <ul>
 *   <li>wander-api (endpoint wander-ep): 120 requests a minute; errors: 6 in minutes 20 and 21, 3
 *       in every even minute 22..78. So the 5-minute error rate (600 requests) wanders between
 *       1.5 % (even m) and 1.0 % (odd m) for an hour: around the 1 % threshold. ecs_error_rate
 *       (> 1 %, for 2, resolves ≤ 0.5 % held 10 min): m=20 1.0 % no; m=21 2 % pending (start
 *       @22); m=22 2.5 % fires @23. It stays firing through the wander (never ≤ 0.5 %); m=81 is
 *       0.5 % (only minute 78's 3): clear from @82, resolved @92; the hourly repeat @83 (60 min
 *       after @23) comes first. One episode, 3 transitions (without for/hysteresis/hold it would
 *       fire and resolve every 2 minutes: 27 episodes).
 *   <li>slow-api (model m-slow, slow-ep): 60 a minute, 12 000 ms in minutes 100..129. p95 over 5
 *       minutes is 12 s while a window holds ≥ one slow minute (20 % of it): m=100..133; 1 s from
 *       m=134. latency_p95_critical (for 2): pending @101, fires @102, clear from @135, resolved
 *       @145. latency_p95_warning (for 3): start @101, fires @103 while the critical fires:
 *       inhibited; resolved @145 (not sent either).
 *   <li>svc-a, svc-b, svc-c (m-shared, shared-ep): 60 a minute each, all errors in minutes
 *       140..143. shared-ep InService at T, Failed at T+140m30s, InService at T+143m10s.
 *       endpoint_failed fires @141 (start @141), resolved @146 (the failure leaves the 5-minute
 *       window); endpoint_restart fires @144, resolved @149 — silenced (a silence on rule
 *       endpoint_restart from @120 to @180). ecs_error_rate of each service: pending @141, fires
 *       @142 while endpoint_failed fires and the service called shared-ep: inhibited; clear from
 *       @149 (m=148 is the first window without errors), resolved @159.
 *   <li>batch-worker (batch-ep): 60 a minute in minutes 0..59 only. no_data (10 silent minutes):
 *       fires @70 (m=69), repeats @130; the input ends at minute 179, so no more. Both in the
 *       rules file's maintenance window (Mondays 01:00 for 2 h, service batch-worker): held.
 *   <li>30 new services, one request each at T+60m30s: not established traffic (no_data needs
 *       5 minutes with requests), so nothing fires for them.
 *   <li>ep-00 .. ep-24 (m-storm): InService at T, all Failed at T+170m30s: 25 new endpoint_failed
 *       episodes in minute 170, with alerts.max_new_alerts_per_minute 3: ep-00, ep-01, ep-02 are
 *       notified (all critical, then by labels), the 22 others held by an alert_storm episode,
 *       which fires @171 and resolves @172. Each endpoint_failed resolves @176.
 * </ul>
 *
 * <p>SNS (group_by [endpoint], group_wait 1m, group_interval 5m, repeat_interval 1h), due times
 * written as the minute whose last millisecond they are:
 * <ul>
 *   <li>group {} (episodes without an endpoint label): wander fires at 22 → due 23; no_data
 *       fires at 69 → next tick 23 + 10 × 5 = 73; wander's repeat at 82 would be due 83, only 10
 *       min after 73: folded; wander resolves at 91 → tick 93, listing wander once, resolved;
 *       the critical fires at 101 → tick 103; no_data's repeat at 129 (tick 133, 30 min after
 *       103): folded; the critical resolves at 144 → tick 148, with no_data's folded repeat;
 *       alert_storm fires at 170 and resolves at 171 → tick 173, one line, resolved. No_data is
 *       in the maintenance window: its members are left out (the message of 73, with only it,
 *       is held).
 *   <li>group {endpoint: shared-ep}: failed at 140 → due 141; restart at 143 and failed's resolve
 *       at 145 → tick 146 (the silenced restart left out); restart's resolve at 148 → tick 151,
 *       silenced: held.
 *   <li>ep-00..ep-02: fired at 170 → due 171; resolved at 175 → tick 176 (two each).
 * </ul>
 * So SNS gets 5 + 2 + 6 = 13 messages (2 more held); PostHog one event per notified transition: wander 3,
 * critical 2, failed 2, storm 2, ep-00..02 6 = 15.
 */
class AlertNoiseITCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "arn:aws:sns:us-east-1:123456789012:gluu-alerts";
    private static final Instant T = Instant.parse("2026-11-23T00:00:00Z");
    private static final long T_MS = T.toEpochMilli();
    private static final long MIN = 60_000L;

    /** The bundled rules' anti-flap settings, inhibitions and grouping (jobs/alert-rules.yaml), and a maintenance window. */
    private static final String RULES = "rules:\n"
            + "  - {name: latency_p95_warning, kpi: latency, stage: total, statistic: p95, comparison: '>', threshold: 5000,"
            + " resolve_threshold: 4500, for: 3, keep_firing_for: 10m, group_by: [service, model], severity: warning}\n"
            + "  - {name: latency_p95_critical, kpi: latency, stage: total, statistic: p95, comparison: '>', threshold: 10000,"
            + " resolve_threshold: 9000, for: 2, keep_firing_for: 10m, group_by: [service, model], severity: critical}\n"
            + "  - {name: ecs_error_rate, kpi: traffic, statistic: error_rate, comparison: '>', threshold: 0.01,"
            + " resolve_threshold: 0.005, min_sample: 20, for: 2, keep_firing_for: 10m, group_by: [service], severity: critical}\n"
            + "  - {name: endpoint_failed, kpi: endpoint_event, statistic: failed, group_by: [endpoint, model], severity: critical}\n"
            + "  - {name: endpoint_restart, kpi: endpoint_event, statistic: restart, group_by: [endpoint, model], severity: warning}\n"
            + "  - {name: no_data, kpi: no_data, silent_for: 10m, group_by: [service], severity: warning}\n"
            + "inhibit_rules:\n"
            + "  - {source_rules: [latency_p95_critical], target_rules: [latency_p95_warning], equal: [service, model]}\n"
            + "  - {source_rules: [endpoint_failed], target_rules: [ecs_error_rate, latency_p95_warning, latency_p95_critical],"
            + " via_calls: true}\n"
            + "maintenance:\n"
            + "  - {name: batch-maintenance, match: {service: batch-worker}, days: [mon], start: \"01:00\", duration: 2h}\n"
            + "grouping:\n"
            + "  group_by: [endpoint]\n"
            + "  group_wait: 1m\n"
            + "  group_interval: 5m\n";

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @TempDir
    static Path tmp;

    private static String ts(long ms) {
        return Instant.ofEpochMilli(ms).toString();
    }

    private static String at(int minute) {
        return ts(T_MS + minute * MIN);
    }

    private static int eventNo;

    private static void request(List<Object[]> out, long ms, String service, String model, String endpoint, boolean error,
            int latencyMs) {
        String id = "r" + (eventNo++);
        out.add(new Object[] {ms, "{\"event_id\":\"e-" + id + "\",\"type\":\"inference\",\"ts\":\"" + ts(ms) + "\","
                + "\"request_id\":\"" + id + "\",\"service\":\"" + service + "\",\"route\":\"/x\",\"model\":\"" + model
                + "\",\"endpoint\":\"" + endpoint + "\",\"mode\":\"sync\","
                + (error ? "\"status\":\"error\",\"http_status\":500,\"error_type\":\"model_error\","
                        : "\"status\":\"ok\",\"http_status\":200,")
                + "\"latency_ms\":{\"total\":" + latencyMs + ",\"model\":" + (latencyMs / 2) + "}}"});
    }

    private static void endpoint(List<Object[]> out, long ms, String endpoint, String model, String state) {
        out.add(new Object[] {ms, "{\"event_id\":\"ep-" + (eventNo++) + "\",\"type\":\"endpoint\",\"ts\":\"" + ts(ms)
                + "\",\"endpoint\":\"" + endpoint + "\",\"model\":\"" + model + "\",\"state\":\"" + state
                + "\",\"instance_type\":\"ml.g5.xlarge\",\"instance_count\":1}"});
    }

    static Path writeTrace(Path file) throws Exception {
        List<Object[]> events = new ArrayList<>();
        for (String ep : List.of("wander-ep", "slow-ep", "shared-ep", "batch-ep", "new-ep")) {
            endpoint(events, T_MS, ep, ep.equals("shared-ep") ? "m-shared" : "blip2", "InService");
        }
        for (int e = 0; e < 25; e++) {
            String ep = String.format("ep-%02d", e);
            endpoint(events, T_MS, ep, "m-storm", "InService");
            endpoint(events, T_MS + 170 * MIN + 30_000, ep, "m-storm", "Failed");
        }
        endpoint(events, T_MS + 140 * MIN + 30_000, "shared-ep", "m-shared", "Failed");
        endpoint(events, T_MS + 143 * MIN + 10_000, "shared-ep", "m-shared", "InService");
        for (int m = 0; m < 180; m++) {
            long minute = T_MS + m * MIN;
            int wanderErrors = m == 20 || m == 21 ? 6 : m >= 22 && m <= 78 && m % 2 == 0 ? 3 : 0;
            for (int h = 0; h < 120; h++) {
                request(events, minute + h * 500L, "wander-api", "blip2", "wander-ep", h < wanderErrors, 1000);
            }
            for (int s = 0; s < 60; s++) {
                long ms = minute + s * 1000L;
                request(events, ms, "slow-api", "m-slow", "slow-ep", false, m >= 100 && m <= 129 ? 12_000 : 1000);
                for (String svc : List.of("svc-a", "svc-b", "svc-c")) {
                    request(events, ms, svc, "m-shared", "shared-ep", m >= 140 && m <= 143, 1000);
                }
                if (m < 60) {
                    request(events, ms, "batch-worker", "blip2", "batch-ep", false, 1000);
                }
            }
        }
        for (int n = 0; n < 30; n++) {
            request(events, T_MS + 60 * MIN + 30_000, String.format("new-%02d", n), "blip2", "new-ep", false, 1000);
        }
        events.sort((a, b) -> Long.compare((Long) a[0], (Long) b[0]));
        List<String> lines = new ArrayList<>();
        for (Object[] e : events) {
            lines.add((String) e[1]);
        }
        Files.write(file, lines);
        return file;
    }

    @Test
    void aNoisyThreeHoursAreTheExpectedEpisodesAndAHandfulOfMessages() throws Exception {
        TestDatabase db = POSTGRES.db();
        db.truncateKpiTables();
        db.execute("TRUNCATE kpi.silences");
        Path rulesFile = Files.writeString(tmp.resolve("rules.yaml"), RULES);
        JobConfig config = JobConfig.defaults().with(Map.of("alerts.rules_file", rulesFile.toString(),
                "alerts.max_new_alerts_per_minute", 3));
        long silence = ((Number) db.rows("INSERT INTO kpi.silences (matchers, starts_at, ends_at, created_by, comment)"
                + " VALUES ('{\"rule\": \"endpoint_restart\"}', '" + at(120) + "', '" + at(180) + "', 'noise-test',"
                + " 'endpoint work') RETURNING id").get(0).get("id")).longValue();

        KpiJob.replayFile(config, writeTrace(tmp.resolve("noise.jsonl")), db.jdbc());

        assertEpisodes(db);

        try (PostHogStandIn posthog = new PostHogStandIn(); SnsStandIn sns = new SnsStandIn()) {
            List<NotificationChannel> channels = List.of(
                    new PostHogChannel("phc_test_key", posthog.url(), Duration.ofSeconds(2)),
                    new SnsChannel(TOPIC, Region.US_EAST_1, sns.endpoint(),
                            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")),
                            Duration.ofSeconds(2)));
            try (AlertOutbox outbox = new AlertOutbox(db.jdbc(), channels, Duration.ofMillis(100), Duration.ofMillis(200),
                    Duration.ofSeconds(1)).applying(DeliveryPolicy.of(config, AlertRules.load(rulesFile)))) {
                outbox.start();
                assertThat(outbox.awaitDelivered(Duration.ofSeconds(60))).as("undelivered").isZero();
                Thread.sleep(500); // more polls: nothing is sent again
            }
            assertPostHog(posthog);
            assertSns(sns);
        }
        // Every message was sent or held, every row's channels caught up (held ones included).
        assertThat(db.rows("SELECT sns_state, count(*) AS n FROM kpi.alert_notifications GROUP BY sns_state ORDER BY 1"))
                .containsExactly(Map.of("sns_state", "delivered", "n", 13L), Map.of("sns_state", "held", "n", 2L));
        // What held them, marked on the rows: the silence and the maintenance window.
        assertThat(db.rows("SELECT rule, labels ->> 'service' AS service, labels ->> 'endpoint' AS endpoint, silenced_by,"
                + " maintenance FROM kpi.alerts WHERE silenced_by IS NOT NULL OR maintenance IS NOT NULL ORDER BY rule"))
                .containsExactly(
                        row("endpoint_restart", null, "shared-ep", silence, null),
                        row("no_data", "batch-worker", null, null, "batch-maintenance"));
        assertThat(db.rows("SELECT count(*) AS n FROM kpi.alerts WHERE posthog_seq <> notify_seq OR sns_seq <> notify_seq"))
                .containsExactly(Map.of("n", 0L));
    }

    /** rule labels state start end seq mark, for every episode (start/end in minutes after T). */
    private static void assertEpisodes(TestDatabase db) throws Exception {
        List<String> expected = new ArrayList<>(List.of(
                "ecs_error_rate {\"service\":\"wander-api\"} resolved @22 @92 3 -",
                "no_data {\"service\":\"batch-worker\"} firing @70 - 2 -",
                "latency_p95_critical {\"model\":\"m-slow\",\"service\":\"slow-api\"} resolved @101 @145 2 -",
                "latency_p95_warning {\"model\":\"m-slow\",\"service\":\"slow-api\"} resolved @101 @145 2 inhibited by latency_p95_critical",
                "endpoint_failed {\"endpoint\":\"shared-ep\",\"model\":\"m-shared\"} resolved @141 @146 2 -",
                "ecs_error_rate {\"service\":\"svc-a\"} resolved @141 @159 2 inhibited by endpoint_failed",
                "ecs_error_rate {\"service\":\"svc-b\"} resolved @141 @159 2 inhibited by endpoint_failed",
                "ecs_error_rate {\"service\":\"svc-c\"} resolved @141 @159 2 inhibited by endpoint_failed",
                "endpoint_restart {\"endpoint\":\"shared-ep\",\"model\":\"m-shared\"} resolved @144 @149 2 -",
                "alert_storm {} resolved @171 @172 2 -"));
        for (int e = 0; e < 25; e++) {
            expected.add(String.format("endpoint_failed {\"endpoint\":\"ep-%02d\",\"model\":\"m-storm\"} resolved @171 @176 2 %s",
                    e, e < 3 ? "-" : "inhibited by alert_storm"));
        }
        List<String> seen = new ArrayList<>();
        for (Map<String, Object> r : db.rows("SELECT a.rule, a.labels::text AS labels, a.state,"
                + " (extract(epoch FROM a.started_at) * 1000)::bigint AS started,"
                + " (extract(epoch FROM a.resolved_at) * 1000)::bigint AS resolved, a.notify_seq,"
                + " (SELECT b.rule FROM kpi.alerts b WHERE b.alert_id = a.inhibited_by) AS inhibitor,"
                + " a.silenced_by, a.maintenance FROM kpi.alerts a")) {
            seen.add(r.get("rule") + " " + sorted((String) r.get("labels")) + " " + r.get("state") + " "
                    + minute(r.get("started")) + " " + minute(r.get("resolved")) + " " + r.get("notify_seq") + " "
                    + (r.get("inhibitor") == null ? "-" : "inhibited by " + r.get("inhibitor")));
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(expected).hasSize(35);
    }

    private static void assertPostHog(PostHogStandIn posthog) throws Exception {
        List<String> expected = new ArrayList<>(List.of(
                "ecs_error_rate wander-api #1 firing", "ecs_error_rate wander-api #2 firing",
                "ecs_error_rate wander-api #3 resolved",
                "latency_p95_critical slow-api #1 firing", "latency_p95_critical slow-api #2 resolved",
                "endpoint_failed shared-ep #1 firing", "endpoint_failed shared-ep #2 resolved",
                "alert_storm - #1 firing", "alert_storm - #2 resolved"));
        for (int e = 0; e < 3; e++) {
            expected.add(String.format("endpoint_failed ep-%02d #1 firing", e));
            expected.add(String.format("endpoint_failed ep-%02d #2 resolved", e));
        }
        List<String> seen = new ArrayList<>();
        for (PostHogStandIn.Event e : posthog.events()) {
            JsonNode p = e.properties();
            seen.add(p.get("rule").asText() + " " + who(p.get("labels")) + " #" + p.get("seq").asInt() + " "
                    + p.get("state").asText());
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(posthog.events()).extracting(PostHogStandIn.Event::uuid).doesNotHaveDuplicates();
    }

    private static void assertSns(SnsStandIn sns) throws Exception {
        List<String> expected = new ArrayList<>(List.of(
                "23 {} [ecs_error_rate wander-api #1 firing]",
                "93 {} [ecs_error_rate wander-api #3 resolved]",
                "103 {} [latency_p95_critical slow-api #1 firing]",
                "148 {} [latency_p95_critical slow-api #2 resolved]",
                "173 {} [alert_storm - #2 resolved]",
                "141 {\"endpoint\":\"shared-ep\"} [endpoint_failed shared-ep #1 firing]",
                "146 {\"endpoint\":\"shared-ep\"} [endpoint_failed shared-ep #2 resolved]"));
        for (int e = 0; e < 3; e++) {
            expected.add(String.format("171 {\"endpoint\":\"ep-%02d\"} [endpoint_failed ep-%02d #1 firing]", e, e));
            expected.add(String.format("176 {\"endpoint\":\"ep-%02d\"} [endpoint_failed ep-%02d #2 resolved]", e, e));
        }
        List<String> seen = new ArrayList<>();
        for (SnsStandIn.Publish p : sns.publishes()) {
            JsonNode m = JSON.readTree(p.message());
            List<String> members = new ArrayList<>();
            for (JsonNode a : m.get("alerts")) {
                members.add(a.get("rule").asText() + " " + who(a.get("labels")) + " #" + a.get("seq").asInt() + " "
                        + a.get("state").asText());
            }
            long due = Instant.parse(m.get("due_at").asText()).toEpochMilli();
            seen.add((due + 1 - T_MS) / MIN - 1 + " " + JSON.writeValueAsString(m.get("group")) + " " + members);
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(expected).hasSize(13);
    }

    private static Map<String, Object> row(String rule, String service, String endpoint, Long silencedBy, String maintenance) {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("rule", rule);
        m.put("service", service);
        m.put("endpoint", endpoint);
        m.put("silenced_by", silencedBy);
        m.put("maintenance", maintenance);
        return m;
    }

    /** The service, else the endpoint, of an alert's labels; "-" for none. */
    private static String who(JsonNode labels) {
        if (labels.has("service")) {
            return labels.get("service").asText();
        }
        return labels.has("endpoint") ? labels.get("endpoint").asText() : "-";
    }

    private static String sorted(String labels) throws Exception {
        return JSON.writeValueAsString(JSON.readValue(labels, TreeMap.class));
    }

    private static String minute(Object epochMs) {
        if (epochMs == null) {
            return "-";
        }
        long d = ((Number) epochMs).longValue() - T_MS;
        return d % MIN == 0 ? "@" + d / MIN : "@" + d + "ms";
    }
}
