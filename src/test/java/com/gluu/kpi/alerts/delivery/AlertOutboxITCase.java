package com.gluu.kpi.alerts.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.alerts.AlertRecord;
import com.gluu.kpi.sinks.KpiTables;
import com.gluu.kpi.testing.PostHogStandIn;
import com.gluu.kpi.testing.SnsStandIn;
import com.gluu.kpi.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The outbox loop with a real PostgreSQL, the real PostHog and SNS clients and local stand-ins of
 * both services: every transition arrives once, in order, whatever one channel does meanwhile.
 */
class AlertOutboxITCase {
    private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z, Fixtures.T0
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestDatabase db;

    private PostHogStandIn posthog;
    private SnsStandIn sns;
    private AlertOutbox outbox;

    @BeforeAll
    static void startDatabase() {
        db = TestDatabase.startMigrated();
    }

    @AfterAll
    static void stopDatabase() {
        db.close();
    }

    @BeforeEach
    void start() throws Exception {
        db.truncateKpiTables();
        posthog = new PostHogStandIn();
        sns = new SnsStandIn();
        List<NotificationChannel> channels = List.of(
                new PostHogChannel("phc_test_key", posthog.url(), Duration.ofSeconds(1)),
                new SnsChannel(SnsChannelTest.TOPIC, Region.US_EAST_1, sns.endpoint(),
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")),
                        Duration.ofSeconds(1)));
        outbox = new AlertOutbox(db.jdbc(), channels, Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofSeconds(1));
    }

    @AfterEach
    void stop() {
        outbox.close();
        posthog.close();
        sns.close();
    }

    /** The evaluator's record of transition seq (1 fired, 2 repeat, 3 resolved) of one ecs_error_rate episode. */
    private static AlertRecord transition(int seq, double value) {
        AlertRecord r = new AlertRecord();
        r.alertId = Fixtures.ALERT_ID;
        r.rule = "ecs_error_rate";
        r.severity = "critical";
        r.labelsJson = "{\"service\":\"analyze-api\"}";
        r.state = seq == 3 ? AlertRecord.RESOLVED : AlertRecord.FIRING;
        r.startedAt = T0;
        r.value = value;
        r.threshold = 0.01;
        r.summary = "error rate " + value;
        r.notifySeq = seq;
        r.transitionAt = T0 + (seq - 1) * 3_600_000L;
        if (seq == 3) {
            r.resolvedAt = r.transitionAt;
        }
        return r;
    }

    private static void upsert(AlertRecord r) throws Exception {
        var table = KpiTables.ALERTS;
        try (Connection c = db.jdbc().connect(); PreparedStatement s = c.prepareStatement(table.sql())) {
            table.bind(s, r);
            s.executeUpdate();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private static Map<String, Object> delivery() throws Exception {
        List<Map<String, Object>> rows = db.rows("SELECT notify_seq, posthog_seq, posthog_attempts, posthog_last_error,"
                + " posthog_delivered_at IS NOT NULL AS posthog_delivered, sns_seq, sns_attempts, sns_last_error,"
                + " sns_delivered_at IS NOT NULL AS sns_delivered FROM kpi.alerts");
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }

    private static List<String> seqStateValue(List<JsonNode> bodies) {
        List<String> out = new ArrayList<>();
        for (JsonNode b : bodies) {
            out.add(b.get("seq").asInt() + " " + b.get("state").asText() + " " + b.get("value").asDouble());
        }
        return out;
    }

    private List<JsonNode> posthogProperties() {
        List<JsonNode> out = new ArrayList<>();
        posthog.events().forEach(e -> out.add(e.properties()));
        return out;
    }

    private List<JsonNode> snsMessages() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (SnsStandIn.Publish p : sns.publishes()) {
            out.add(JSON.readTree(p.message()));
        }
        return out;
    }

    @Test
    void firedRepeatedAndResolvedArriveOnceEachInOrderOnBothChannels() throws Exception {
        outbox.start();
        upsert(transition(1, 0.05));
        await("fired on both", () -> posthog.events().size() == 1 && sns.publishes().size() == 1);
        upsert(transition(2, 0.07));
        await("repeat on both", () -> posthog.events().size() == 2 && sns.publishes().size() == 2);
        upsert(transition(3, 0.004));
        await("resolve on both", () -> posthog.events().size() == 3 && sns.publishes().size() == 3);
        Thread.sleep(500); // five more polls: nothing is sent again

        assertThat(posthog.events()).extracting(PostHogStandIn.Event::uuid)
                .containsExactly(Fixtures.UUID_1, Fixtures.UUID_2, Fixtures.UUID_3);
        assertThat(seqStateValue(posthogProperties()))
                .containsExactly("1 firing 0.05", "2 firing 0.07", "3 resolved 0.004");
        assertThat(posthog.events()).extracting(PostHogStandIn.Event::distinctId).containsOnly("analyze-api");

        assertThat(sns.publishes()).extracting(SnsStandIn.Publish::subject).containsExactly(
                "[CRITICAL] ecs_error_rate analyze-api firing", "[CRITICAL] ecs_error_rate analyze-api firing",
                "[CRITICAL] ecs_error_rate analyze-api resolved");
        assertThat(seqStateValue(snsMessages())).containsExactly("1 firing 0.05", "2 firing 0.07", "3 resolved 0.004");
        assertThat(snsMessages()).extracting(m -> m.get("uuid").asText())
                .containsExactly(Fixtures.UUID_1, Fixtures.UUID_2, Fixtures.UUID_3);
        assertThat(snsMessages().get(2).get("resolved_at").asText()).isEqualTo("2026-01-01T02:00:00Z");

        Map<String, Object> d = delivery();
        assertThat(d.get("notify_seq")).isEqualTo(3);
        assertThat(d.get("posthog_seq")).isEqualTo(3);
        assertThat(d.get("posthog_attempts")).isEqualTo(3);
        assertThat(d.get("posthog_last_error")).isNull();
        assertThat(d.get("posthog_delivered")).isEqualTo(true);
        assertThat(d.get("sns_seq")).isEqualTo(3);
        assertThat(d.get("sns_attempts")).isEqualTo(3);
        assertThat(d.get("sns_last_error")).isNull();
        assertThat(d.get("sns_delivered")).isEqualTo(true);
    }

    @Test
    void oneChannelFailingThenHangingLosesNothingAndDoesNotDelayTheOther() throws Exception {
        sns.mode(SnsStandIn.Mode.FAIL);
        outbox.start();
        upsert(transition(1, 0.05));
        await("PostHog delivered and SNS failed twice", () -> posthog.events().size() == 1 && sns.failedRequests() >= 2);

        // The 500s are on the record, nothing on SNS is marked delivered.
        await("attempts written back", () -> {
            try {
                Map<String, Object> d = delivery();
                return (Integer) d.get("sns_attempts") >= 2 && d.get("sns_last_error") != null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Map<String, Object> during = delivery();
        assertThat(during.get("sns_seq")).isEqualTo(0);
        assertThat(during.get("sns_delivered")).isEqualTo(false);
        assertThat((String) during.get("sns_last_error")).contains("stand-in failure");
        assertThat(during.get("posthog_seq")).isEqualTo(1);

        // Then SNS hangs (each attempt times out after 1 s) while the episode repeats and resolves.
        sns.mode(SnsStandIn.Mode.HANG);
        upsert(transition(2, 0.07));
        await("repeat on PostHog", () -> posthog.events().size() == 2);
        upsert(transition(3, 0.004));
        await("resolve on PostHog", () -> posthog.events().size() == 3);
        await("SNS hung at least twice", () -> sns.hungRequests() >= 2);
        assertThat(sns.publishes()).isEmpty();
        Map<String, Object> hanging = delivery();
        assertThat(hanging.get("sns_seq")).isEqualTo(0);
        assertThat((String) hanging.get("sns_last_error")).containsIgnoringCase("timeout");

        sns.mode(SnsStandIn.Mode.OK);
        await("SNS catches up", () -> sns.publishes().size() == 3);
        Thread.sleep(500);

        // Every transition exactly once, in order. The row was already resolved when SNS caught up,
        // so seq 1 and 2 go out as firing with the row's current values (documented in AlertOutbox).
        assertThat(seqStateValue(snsMessages())).containsExactly("1 firing 0.004", "2 firing 0.004", "3 resolved 0.004");
        assertThat(snsMessages()).extracting(m -> m.get("uuid").asText())
                .containsExactly(Fixtures.UUID_1, Fixtures.UUID_2, Fixtures.UUID_3);
        assertThat(snsMessages().get(0).get("resolved_at").isNull()).isTrue();
        assertThat(seqStateValue(posthogProperties()))
                .containsExactly("1 firing 0.05", "2 firing 0.07", "3 resolved 0.004");
        assertThat(posthog.failedRequests() + posthog.hungRequests()).isZero();

        Map<String, Object> d = delivery();
        assertThat(d.get("posthog_seq")).isEqualTo(3);
        assertThat(d.get("posthog_attempts")).isEqualTo(3);
        assertThat(d.get("posthog_last_error")).isNull();
        assertThat(d.get("sns_seq")).isEqualTo(3);
        assertThat(d.get("sns_delivered")).isEqualTo(true);
        // One attempt per request SNS saw: the 500s, the hung ones and the three that went through.
        assertThat(d.get("sns_attempts")).isEqualTo(sns.failedRequests() + sns.hungRequests() + 3);
        // Kept as the record of the latest failure: a timeout, or the 503 the stand-in gives a
        // request it was still holding when it recovered (if the client had not timed out yet).
        assertThat((String) d.get("sns_last_error")).as("kept as the record of the latest failure")
                .matches("(?is).*(timeout|was hanging).*");
    }

    @Test
    void aRowTheReceiverKeepsRefusingDoesNotHoldUpTheOthers() throws Exception {
        sns.refuseSubjectsContaining("bad-service");
        AlertRecord refused = transition(1, 0.05);
        refused.alertId = "ecs_error_rate:bad-service:1767225600000";
        refused.labelsJson = "{\"service\":\"bad-service\"}";
        upsert(refused); // the older transition: first in the channel's order
        AlertRecord good = transition(1, 0.05);
        good.transitionAt = T0 + 60_000L;
        upsert(good);
        outbox.start();

        await("the good alert on SNS", () -> sns.publishes().size() == 1);
        assertThat(sns.publishes().get(0).subject()).isEqualTo("[CRITICAL] ecs_error_rate analyze-api firing");
        await("both on PostHog", () -> posthog.events().size() == 2);
        // The write-back follows the send: wait for it rather than racing it.
        String seqs = "SELECT alert_id, sns_seq, sns_attempts > 0 AS tried FROM kpi.alerts ORDER BY alert_id";
        await("the good alert's delivery written back, the refused one's attempt too",
                () -> rowsUnchecked(seqs).get(0).get("sns_seq").equals(1) && rowsUnchecked(seqs).get(1).get("tried").equals(true));
        List<Map<String, Object>> rows = db.rows(
                "SELECT alert_id, sns_seq, sns_attempts > 0 AS tried, sns_last_error FROM kpi.alerts ORDER BY alert_id");
        assertThat(rows.get(0).get("alert_id")).isEqualTo("ecs_error_rate:analyze-api:1767225600000");
        assertThat(rows.get(0).get("sns_seq")).isEqualTo(1);
        assertThat(rows.get(1).get("sns_seq")).isEqualTo(0);
        assertThat(rows.get(1).get("tried")).isEqualTo(true);
        assertThat((String) rows.get(1).get("sns_last_error")).contains("stand-in refuses bad-service");

        sns.refuseSubjectsContaining(null);
        await("the refused alert once accepted", () -> sns.publishes().size() == 2);
        await("its delivery written back", () -> rowsUnchecked(
                "SELECT sns_seq FROM kpi.alerts WHERE alert_id LIKE '%bad-service%'").get(0).get("sns_seq").equals(1));
        Thread.sleep(500); // and nothing is sent again
        assertThat(sns.publishes()).extracting(SnsStandIn.Publish::subject).containsExactly(
                "[CRITICAL] ecs_error_rate analyze-api firing", "[CRITICAL] ecs_error_rate bad-service firing");
        assertThat(db.rows("SELECT sns_seq, sns_attempts FROM kpi.alerts WHERE alert_id LIKE '%bad-service%'").get(0))
                .isEqualTo(Map.of("sns_seq", 1, "sns_attempts", sns.refusedRequests() + 1));
    }

    /** {@code db.rows} for a condition polled by {@link #await}. */
    private static List<Map<String, Object>> rowsUnchecked(String sql) {
        try {
            return db.rows(sql);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
