package com.gluu.kpi.alerts.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.alerts.AlertGrouper;
import com.gluu.kpi.alerts.AlertNotification;
import com.gluu.kpi.alerts.AlertRecord;
import com.gluu.kpi.sinks.KpiTables;
import com.gluu.kpi.testing.HttpStandIn;
import com.gluu.kpi.testing.PostHogStandIn;
import com.gluu.kpi.testing.PostgresExtension;
import com.gluu.kpi.testing.SnsStandIn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Two outboxes on one database (each with its own connections and its own PostHog and SNS clients,
 * as two processes would have) against one real PostgreSQL and the stand-ins: every transition
 * reaches each channel once; a claim whose session ended mid-send does not hold its row for ever.
 */
class AlertOutboxClaimITCase {
    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private PostHogStandIn posthog;
    private SnsStandIn sns;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        POSTGRES.db().truncateKpiTables();
        posthog = new PostHogStandIn();
        sns = new SnsStandIn();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeAfter) {
            c.close(); // outboxes and extra stand-ins, in the order the test made them
        }
        posthog.close();
        sns.close();
    }

    // ---- the plan of the two-outbox test -------------------------------------------------------

    private static final int ROWS = 200;

    /** Row i fires (seq 1), repeats if i % 4 == 0, repeats again if i % 8 == 0, and resolves at its next seq if i % 5 == 0. */
    private static int lastSeq(int i) {
        return 1 + (i % 4 == 0 ? 1 : 0) + (i % 8 == 0 ? 1 : 0) + (i % 5 == 0 ? 1 : 0);
    }

    private static String alertId(int i) {
        return String.format("ecs_error_rate:svc-%03d:%d", i, T0);
    }

    /** What the evaluator writes for transition seq of row i (the job's own upsert writes it). */
    private static AlertRecord transition(int i, int seq) {
        boolean resolves = i % 5 == 0 && seq == lastSeq(i);
        AlertRecord r = new AlertRecord();
        r.alertId = alertId(i);
        r.rule = "ecs_error_rate";
        r.severity = "critical";
        r.labelsJson = String.format("{\"service\":\"svc-%03d\"}", i);
        r.state = resolves ? AlertRecord.RESOLVED : AlertRecord.FIRING;
        r.startedAt = T0;
        r.value = resolves ? 0.004 : 0.05 + seq / 100.0;
        r.threshold = 0.01;
        r.summary = "error rate of svc-" + i;
        r.notifySeq = seq;
        r.transitionAt = T0 + (seq - 1) * 3_600_000L + i * 1_000L;
        if (resolves) {
            r.resolvedAt = r.transitionAt;
        }
        return r;
    }

    /** "alert_id#seq state" of every planned transition. */
    private static List<String> plannedTransitions() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            for (int seq = 1; seq <= lastSeq(i); seq++) {
                out.add(alertId(i) + "#" + seq + " " + (i % 5 == 0 && seq == lastSeq(i) ? "resolved" : "firing"));
            }
        }
        return out;
    }

    @Test
    void twoOutboxesOnOneDatabaseSendEveryTransitionExactlyOnceToEachChannel() throws Exception {
        // Each send takes at least 5 ms at the stand-ins, so the two outboxes' sends overlap.
        posthog.latency(Duration.ofMillis(5));
        sns.latency(Duration.ofMillis(5));
        Counting posthogA = new Counting(posthogChannel(posthog, "phc_instance_a", Duration.ofSeconds(5)));
        Counting snsA = new Counting(snsChannel(sns));
        Counting posthogB = new Counting(posthogChannel(posthog, "phc_instance_b", Duration.ofSeconds(5)));
        Counting snsB = new Counting(snsChannel(sns));
        AlertOutbox a = outbox(List.of(posthogA, snsA), AlertOutbox.CLAIM_SESSION_BOUND).start();
        AlertOutbox b = outbox(List.of(posthogB, snsB), AlertOutbox.CLAIM_SESSION_BOUND).start();

        // Transitions arrive while both run: every row fires, then (once delivery is under way) the
        // repeats and resolves land, round by round, on rows either outbox may be sending.
        for (int seq = 1; seq <= 4; seq++) {
            for (int i = 0; i < ROWS; i++) {
                if (lastSeq(i) >= seq) {
                    upsert(transition(i, seq));
                }
            }
            int round = seq;
            await("some of round " + round + " delivered", () -> posthog.events().size() >= 50 * round);
        }

        assertThat(a.awaitDelivered(WAIT)).as("transitions left undelivered").isZero();
        a.close();
        b.close(); // both threads joined: no send is still on its way

        // 200 fired + 50 repeats (i % 4 == 0) + 25 second repeats (i % 8 == 0) + 40 resolves (i % 5 == 0).
        int expected = 315;
        List<String> planned = plannedTransitions();
        assertThat(planned).hasSize(expected);

        List<PostHogStandIn.Event> events = posthog.events();
        assertThat(events).extracting(PostHogStandIn.Event::uuid).hasSize(expected).doesNotHaveDuplicates();
        assertThat(events).extracting(e -> transitionOf(e.properties())).containsExactlyInAnyOrderElementsOf(planned);

        List<SnsStandIn.Publish> publishes = sns.publishes();
        assertThat(publishes).extracting(SnsStandIn.Publish::messageDeduplicationId)
                .hasSize(expected).doesNotHaveDuplicates();
        List<String> snsTransitions = new ArrayList<>();
        for (SnsStandIn.Publish p : publishes) {
            snsTransitions.add(transitionOf(JSON.readTree(p.message())));
        }
        assertThat(snsTransitions).containsExactlyInAnyOrderElementsOf(planned);

        // Both outboxes took part (else this would test one sender), and every send was accepted once.
        assertThat(posthogA.sent.get()).isPositive();
        assertThat(posthogB.sent.get()).isPositive();
        assertThat(snsA.sent.get()).isPositive();
        assertThat(snsB.sent.get()).isPositive();
        assertThat(posthogA.sent.get() + posthogB.sent.get()).isEqualTo(expected);
        assertThat(snsA.sent.get() + snsB.sent.get()).isEqualTo(expected);

        // The outbox's record: every row delivered on both channels, one attempt per transition.
        Map<String, Map<String, Object>> expectedRows = new HashMap<>();
        for (int i = 0; i < ROWS; i++) {
            int last = lastSeq(i);
            expectedRows.put(alertId(i), Map.of("notify_seq", last, "posthog_seq", last, "posthog_attempts", last,
                    "sns_seq", last, "sns_attempts", last, "errors", false));
        }
        Map<String, Map<String, Object>> rows = new HashMap<>();
        for (Map<String, Object> r : POSTGRES.db().rows("SELECT alert_id, notify_seq, posthog_seq, posthog_attempts,"
                + " sns_seq, sns_attempts, (posthog_last_error IS NOT NULL OR sns_last_error IS NOT NULL) AS errors"
                + " FROM kpi.alerts")) {
            rows.put((String) r.remove("alert_id"), r);
        }
        assertThat(rows).isEqualTo(expectedRows);
    }

    /**
     * The same with grouped SNS: the planned transitions go out as messages of up to 5 rows each
     * (rows 5b..5b+4 of one round, the round being the seq), written as the job writes them while
     * both outboxes run; every message reaches SNS once, with all its members, and every row's
     * sns_seq reaches its last transition.
     */
    @Test
    void twoOutboxesSendEveryGroupedMessageExactlyOnce() throws Exception {
        sns.latency(Duration.ofMillis(5));
        Counting snsA = new Counting(snsChannel(sns));
        Counting snsB = new Counting(snsChannel(sns));
        outbox(List.of(snsA), AlertOutbox.CLAIM_SESSION_BOUND).groupingSns(true).start();
        AlertOutbox b = outbox(List.of(snsB), AlertOutbox.CLAIM_SESSION_BOUND).groupingSns(true).start();

        Map<String, List<String>> plannedMessages = new HashMap<>();
        for (int seq = 1; seq <= 4; seq++) {
            for (int block = 0; block < ROWS / 5; block++) {
                List<AlertRecord> members = new ArrayList<>();
                for (int i = 5 * block; i < 5 * block + 5; i++) {
                    if (lastSeq(i) >= seq) {
                        AlertRecord r = transition(i, seq);
                        upsert(r);
                        members.add(r);
                    }
                }
                if (members.isEmpty()) {
                    continue;
                }
                AlertNotification n = new AlertNotification();
                n.notificationId = "round-" + seq + "-block-" + block;
                n.groupLabelsJson = "{\"endpoint\":\"e-" + block + "\"}";
                n.openedAt = T0 + (seq - 1) * 3_600_000L;
                n.dueAt = n.openedAt + 60_000L;
                n.membersJson = AlertGrouper.membersJson(members);
                n.memberCount = members.size();
                upsertNotification(n);
                List<String> expected = new ArrayList<>();
                for (AlertRecord r : members) {
                    expected.add(r.alertId + "#" + r.notifySeq + " " + r.state);
                }
                plannedMessages.put(n.notificationId, expected);
            }
        }
        assertThat(b.awaitDelivered(WAIT)).as("messages left unsent").isZero();
        for (AutoCloseable c : closeAfter) {
            c.close();
        }
        closeAfter.clear();

        // Messages by hand: round 1, every block (40); round 2, rows with a second transition
        // (i % 4 == 0 or i % 5 == 0) are in every block (each starts at a multiple of 5): 40;
        // round 3, rows i % 8 == 0 or i % 20 == 0: the 25 multiples of 8 below 200 fall in 25
        // different blocks, and each multiple of 20 shares its block with one of them: 25;
        // round 4, i % 40 == 0: 5. So 110.
        assertThat(plannedMessages).hasSize(110);
        Map<String, List<String>> seen = new HashMap<>();
        for (SnsStandIn.Publish p : sns.publishes()) {
            JsonNode m = JSON.readTree(p.message());
            List<String> members = new ArrayList<>();
            for (JsonNode a : m.get("alerts")) {
                members.add(transitionOf(a));
            }
            assertThat(seen.put(m.get("notification_id").asText(), members)).as("sent twice").isNull();
            assertThat(p.messageDeduplicationId()).isEqualTo(m.get("notification_id").asText());
        }
        assertThat(seen).isEqualTo(plannedMessages);
        assertThat(snsA.groups.get()).isPositive();
        assertThat(snsB.groups.get()).isPositive();
        assertThat(snsA.groups.get() + snsB.groups.get()).isEqualTo(plannedMessages.size());
        assertThat(POSTGRES.db().rows("SELECT count(*) AS n FROM kpi.alert_notifications WHERE sns_state <> 'delivered'"
                + " OR sns_attempts <> 1")).containsExactly(Map.of("n", 0L));
        List<Map<String, Object>> behind = POSTGRES.db().rows("SELECT alert_id FROM kpi.alerts WHERE sns_seq <> notify_seq");
        assertThat(behind).isEmpty();
    }

    private static void upsertNotification(AlertNotification n) throws SQLException {
        var table = KpiTables.ALERT_NOTIFICATIONS;
        try (Connection c = POSTGRES.db().jdbc().connect(); PreparedStatement s = c.prepareStatement(table.sql())) {
            table.bind(s, n);
            s.executeUpdate();
        }
    }

    // ---- a claim whose session ended ------------------------------------------------------------

    private static final String STUCK = "ecs_error_rate:stuck-api:" + T0;
    private static final String OTHER = "ecs_error_rate:other-api:" + T0;

    /** Two rows on one transition each; STUCK first in delivery order (older transition). */
    private static void upsertStuckAndOther() throws SQLException {
        AlertRecord stuck = transition(0, 1);
        stuck.alertId = STUCK;
        stuck.labelsJson = "{\"service\":\"stuck-api\"}";
        upsert(stuck);
        AlertRecord other = transition(1, 1);
        other.alertId = OTHER;
        other.labelsJson = "{\"service\":\"other-api\"}";
        upsert(other);
    }

    @Test
    void aClaimWhoseSessionEndedMidSendIsFreedAndTheOtherOutboxDeliversTheRowOnce() throws Exception {
        upsertStuckAndOther();
        // Outbox A's PostHog holds every request (its client would wait 60 s): A sits mid-send on
        // STUCK, holding its claim.
        PostHogStandIn holding = new PostHogStandIn();
        closeAfter.add(holding);
        holding.mode(HttpStandIn.Mode.HANG);
        AlertOutbox a = outbox(List.of(posthogChannel(holding, "phc_instance_a", Duration.ofSeconds(60))),
                AlertOutbox.CLAIM_SESSION_BOUND).start();
        await("A mid-send", () -> holding.hungRequests() == 1);
        int holder = claimHolder(DeliveryClaim.key("posthog", STUCK));

        AlertOutbox b = outbox(List.of(posthogChannel(posthog, "phc_instance_b", Duration.ofSeconds(5))),
                AlertOutbox.CLAIM_SESSION_BOUND).start();
        // B skips the claimed row, so the first thing it delivers is the other one.
        await("B delivered one row", () -> posthog.events().size() == 1);
        assertThat(transitionOf(posthog.events().get(0).properties())).isEqualTo(OTHER + "#1 firing");
        assertThat(posthogSeq(STUCK)).isZero();

        // A's session ends, as when its process dies (the server sees the connection go): the claim with it.
        terminate(holder);
        await("B delivered the freed row", () -> posthog.events().size() == 2);
        await("its write-back", () -> posthogSeqUnchecked(STUCK) == 1);

        holding.mode(HttpStandIn.Mode.OK); // A's held request now fails (503): nothing was accepted from A
        a.close();
        b.close();
        assertThat(posthog.events()).extracting(e -> transitionOf(e.properties()))
                .containsExactly(OTHER + "#1 firing", STUCK + "#1 firing");
        assertThat(holding.events()).isEmpty();
        assertThat(posthogSeq(STUCK)).isEqualTo(1);
    }

    @Test
    void theServerEndsTheSessionOfAnOutboxThatFellSilentMidSendAndItsRowIsDeliveredByTheOther() throws Exception {
        upsertStuckAndOther();
        PostHogStandIn holding = new PostHogStandIn();
        closeAfter.add(holding);
        holding.mode(HttpStandIn.Mode.HANG);
        // Nothing ends A's session this time but the bound on an idle session (1 s here, 2 min by default).
        AlertOutbox a = outbox(List.of(posthogChannel(holding, "phc_instance_a", Duration.ofSeconds(60))),
                Duration.ofSeconds(1)).start();
        await("A mid-send", () -> holding.hungRequests() == 1);
        int holder = claimHolder(DeliveryClaim.key("posthog", STUCK));
        AlertOutbox b = outbox(List.of(posthogChannel(posthog, "phc_instance_b", Duration.ofSeconds(5))),
                AlertOutbox.CLAIM_SESSION_BOUND).start();

        await("B delivered both rows", () -> posthog.events().size() == 2);
        await("the write-back of the stuck row", () -> posthogSeqUnchecked(STUCK) == 1);
        // The server ended A's session (it leaves pg_stat_activity a moment after its locks are released).
        await("A's session gone", () -> rowsUnchecked("SELECT pid FROM pg_stat_activity WHERE pid = " + holder).isEmpty());

        holding.mode(HttpStandIn.Mode.OK);
        a.close();
        b.close();
        assertThat(posthog.events()).extracting(e -> transitionOf(e.properties()))
                .containsExactlyInAnyOrder(OTHER + "#1 firing", STUCK + "#1 firing");
        assertThat(holding.events()).isEmpty();
    }

    @Test
    void aSessionLostBetweenAnAcceptedSendAndItsWriteBackHasThatTransitionSentAgainWithTheSameUuid() throws Exception {
        upsertStuckAndOther();
        // A's PostHog accepts STUCK#1, then A stalls before writing it back (the at-least-once window).
        CountDownLatch accepted = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        NotificationChannel stallsAfterAccept = new Counting(posthogChannel(posthog, "phc_instance_a", Duration.ofSeconds(5))) {
            @Override
            public void send(Notification n) throws Exception {
                super.send(n);
                accepted.countDown();
                resume.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        };
        AlertOutbox a = outbox(List.of(stallsAfterAccept), AlertOutbox.CLAIM_SESSION_BOUND).start();
        assertThat(accepted.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("A's first send accepted").isTrue();
        terminate(claimHolder(DeliveryClaim.key("posthog", STUCK)));

        AlertOutbox b = outbox(List.of(posthogChannel(posthog, "phc_instance_b", Duration.ofSeconds(5))),
                AlertOutbox.CLAIM_SESSION_BOUND).start();
        assertThat(b.awaitDelivered(WAIT)).isZero();
        resume.countDown(); // A's write-back now fails on its ended session
        a.close();
        b.close();

        // STUCK#1 twice (A's accepted send, then B's), under one uuid: PostHog (and a FIFO topic, by
        // deduplication id) keeps one; a standard SNS topic would deliver both. OTHER#1 once.
        List<PostHogStandIn.Event> events = posthog.events();
        assertThat(events).extracting(e -> transitionOf(e.properties()))
                .containsExactlyInAnyOrder(STUCK + "#1 firing", STUCK + "#1 firing", OTHER + "#1 firing");
        assertThat(events.stream().filter(e -> e.properties().get("alert_id").asText().equals(STUCK))
                .map(PostHogStandIn.Event::uuid).distinct().count()).isEqualTo(1);
        assertThat(events).extracting(PostHogStandIn.Event::apiKey)
                .containsExactlyInAnyOrder("phc_instance_a", "phc_instance_b", "phc_instance_b");
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** A channel that counts the sends its receiver accepted. */
    private static class Counting implements NotificationChannel {
        final NotificationChannel inner;
        final AtomicInteger sent = new AtomicInteger();
        final AtomicInteger groups = new AtomicInteger();

        Counting(NotificationChannel inner) {
            this.inner = inner;
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public void send(Notification n) throws Exception {
            inner.send(n);
            sent.incrementAndGet();
        }

        @Override
        public void sendGroup(GroupNotification g) throws Exception {
            inner.sendGroup(g);
            groups.incrementAndGet();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private AlertOutbox outbox(List<NotificationChannel> channels, Duration claimSessionBound) {
        AlertOutbox outbox = new AlertOutbox(POSTGRES.db().jdbc(), channels, Duration.ofMillis(50), Duration.ofMillis(100),
                Duration.ofSeconds(1), claimSessionBound);
        closeAfter.add(outbox);
        return outbox;
    }

    private static PostHogChannel posthogChannel(PostHogStandIn standIn, String apiKey, Duration timeout) {
        return new PostHogChannel(apiKey, standIn.url(), timeout);
    }

    /** A FIFO topic, so every publish carries its deduplication id. */
    private static SnsChannel snsChannel(SnsStandIn standIn) {
        return new SnsChannel(SnsChannelTest.FIFO_TOPIC, Region.US_EAST_1, standIn.endpoint(),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")), Duration.ofSeconds(5));
    }

    /** "alert_id#seq state" of a sent notification (PostHog properties or SNS message: same fields). */
    private static String transitionOf(JsonNode n) {
        return n.get("alert_id").asText() + "#" + n.get("seq").asInt() + " " + n.get("state").asText();
    }

    private static void upsert(AlertRecord r) throws SQLException {
        var table = KpiTables.ALERTS;
        try (Connection c = POSTGRES.db().jdbc().connect(); PreparedStatement s = c.prepareStatement(table.sql())) {
            table.bind(s, r);
            s.executeUpdate();
        }
    }

    /**
     * The backend pid holding the advisory lock {@code key}. pg_locks shows a bigint key as classid
     * (high 32 bits) and objid (low 32 bits), objsubid 1.
     */
    private static int claimHolder(long key) throws SQLException {
        List<Map<String, Object>> holders = POSTGRES.db().rows("SELECT pid FROM pg_locks WHERE locktype = 'advisory'"
                + " AND granted AND objsubid = 1 AND classid::bigint = " + (key >>> 32)
                + " AND objid::bigint = " + (key & 0xffffffffL));
        assertThat(holders).as("one session holds the claim").hasSize(1);
        return (Integer) holders.get(0).get("pid");
    }

    private static void terminate(int pid) throws SQLException {
        assertThat(POSTGRES.db().rows("SELECT pg_terminate_backend(" + pid + ") AS done"))
                .containsExactly(Map.of("done", true));
    }

    private static int posthogSeq(String alertId) throws SQLException {
        return (Integer) POSTGRES.db().rows("SELECT posthog_seq FROM kpi.alerts WHERE alert_id = '" + alertId + "'")
                .get(0).get("posthog_seq");
    }

    private static int posthogSeqUnchecked(String alertId) {
        return (Integer) rowsUnchecked("SELECT posthog_seq FROM kpi.alerts WHERE alert_id = '" + alertId + "'")
                .get(0).get("posthog_seq");
    }

    private static List<Map<String, Object>> rowsUnchecked(String sql) {
        try {
            return POSTGRES.db().rows(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
