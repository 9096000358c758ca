package com.gluu.kpi.alerts.delivery;

import com.gluu.kpi.sinks.JdbcSettings;
import com.gluu.kpi.sinks.RetryBackoff;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Delivers what {@code kpi.alerts} says must still be delivered (SPEC §5): the table is the
 * outbox. Each row counts the transitions of its episode to notify ({@code notify_seq}) and,
 * per channel, those delivered ({@code posthog_seq}, {@code sns_seq}).
 *
 * <p>One thread per channel (so a channel that is down never delays the other; the caller never
 * waits on either) polls every {@code pollInterval} for rows the channel is behind on, oldest
 * transition first, and sends seq = channel_seq + 1 … notify_seq in order. After each accepted
 * send it writes back {@code <channel>_seq = seq}, {@code <channel>_delivered_at = now()} and
 * {@code <channel>_attempts + 1}; after a failed one {@code <channel>_attempts + 1} and
 * {@code <channel>_last_error} (kept after a later success, as the record of the latest failure;
 * the row is delivered when its seq equals notify_seq). A failure ends the pass and the channel
 * waits an exponential backoff with jitter (initial × 2^(failures−1), capped, times a random
 * factor in [0.5, 1]); the failed row also gets such a backoff of its own, and later passes skip
 * it until then, so one row the receiver keeps refusing does not hold up the others. The same
 * transition is tried again: nothing is skipped or dropped, the row stays behind until delivered.
 *
 * <p>Exactly one sender: before sending a row's transitions to a channel the pass claims (row,
 * channel) with a PostgreSQL advisory lock ({@link DeliveryClaim}), skips the row for this pass if
 * another outbox on the same database holds it, and re-reads the row once it holds the claim, so
 * it sends only what is still undelivered; the claim is released right after the row's last
 * write-back. The write-back also only moves the seq forward from the value read under the claim.
 * So a transition is sent twice only if an outbox loses its connection (or dies) between the
 * receiver's acceptance and the write-back: the next claimer sends it again, which PostHog (same
 * uuid) and a FIFO SNS topic (same deduplication id) drop, and a standard SNS topic delivers.
 *
 * <p>The row keeps only its episode's latest transition, so when several transitions are behind
 * (a channel was down through a repeat and the resolve), each is sent with its own seq and
 * deterministic uuid but with the row's current content (value, threshold, summary, timestamps):
 * intermediate repeats carry the current values. Only the state is exact for every seq: an
 * episode resolves once, at its last transition, so every seq below notify_seq is sent as
 * {@code firing} (without resolved_at).
 */
public final class AlertOutbox implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertOutbox.class);
    private static final int MAX_ERROR = 1000;
    private static final int BATCH = 500;

    private final JdbcSettings jdbc;
    private final List<NotificationChannel> channels;
    private final Duration pollInterval;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    /** Base URL of the dashboard for the notifications' links; empty: no link. */
    private volatile String dashboardUrl = "";
    /** The rules file's recurring maintenance windows: matching transitions are recorded, not sent. */
    private volatile List<com.gluu.kpi.config.MaintenanceWindow> maintenance = List.of();
    /** SNS sends the job's grouped messages (kpi.alert_notifications) instead of one per transition. */
    private volatile boolean groupedSns;
    private final Duration claimSessionBound;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;

    /**
     * How long the server keeps the session of a client that stopped answering mid-send (and with it
     * that client's claim, see {@link DeliveryClaim#boundIdleSession}): far above the channels' 10 s
     * call timeout, so a slow send is never cut off, and far below TCP keepalive's two hours.
     */
    static final Duration CLAIM_SESSION_BOUND = Duration.ofMinutes(2);

    public AlertOutbox(JdbcSettings jdbc, List<NotificationChannel> channels, Duration pollInterval,
            Duration initialBackoff, Duration maxBackoff) {
        this(jdbc, channels, pollInterval, initialBackoff, maxBackoff, CLAIM_SESSION_BOUND);
    }

    /** With another bound on a silent client's session (tests: a short one). */
    AlertOutbox(JdbcSettings jdbc, List<NotificationChannel> channels, Duration pollInterval,
            Duration initialBackoff, Duration maxBackoff, Duration claimSessionBound) {
        this.jdbc = jdbc;
        this.channels = List.copyOf(channels);
        for (NotificationChannel c : this.channels) {
            if (!c.name().equals("posthog") && !c.name().equals("sns")) {
                throw new IllegalArgumentException("kpi.alerts has no delivery columns for channel " + c.name());
            }
        }
        this.pollInterval = pollInterval;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.claimSessionBound = claimSessionBound;
    }

    /** Defaults: poll every second, back off from 1 s up to 5 min. */
    /**
     * Links every notification to the dashboard at {@code baseUrl} ({@code alerts.dashboard_url}),
     * at the episode's time range; empty or null: no link. Call before {@link #start()}.
     */
    public AlertOutbox linkingTo(String baseUrl) {
        this.dashboardUrl = baseUrl == null ? "" : baseUrl;
        return this;
    }

    /** The rules file's maintenance windows ({@code maintenance:}). Call before {@link #start()}. */
    public AlertOutbox withMaintenance(List<com.gluu.kpi.config.MaintenanceWindow> windows) {
        this.maintenance = List.copyOf(windows);
        return this;
    }

    /** Link, maintenance windows and grouped SNS as the job's config and rules say. Call before {@link #start()}. */
    public AlertOutbox applying(DeliveryPolicy policy) {
        this.groupedSns = policy.groupedSns();
        return linkingTo(policy.dashboardUrl()).withMaintenance(policy.maintenance());
    }

    /**
     * SNS sends the grouped messages the job writes to {@code kpi.alert_notifications} (the rules
     * file has {@code grouping:}), not one message per transition. Call before {@link #start()}.
     */
    public AlertOutbox groupingSns(boolean on) {
        this.groupedSns = on;
        return this;
    }

    public static AlertOutbox withDefaults(JdbcSettings jdbc, List<NotificationChannel> channels) {
        return new AlertOutbox(jdbc, channels, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMinutes(5));
    }

    /** Starts one daemon thread per channel and returns at once. */
    public synchronized AlertOutbox start() {
        if (running) {
            return this;
        }
        running = true;
        for (NotificationChannel channel : channels) {
            Thread t = new Thread(() -> loop(channel), "alert-outbox-" + channel.name());
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        return this;
    }

    private void loop(NotificationChannel channel) {
        int failures = 0;
        Map<String, RowBackoff> rowBackoff = new HashMap<>();
        while (running) {
            long waitMs = pollInterval.toMillis();
            try {
                if (deliverPending(channel, rowBackoff)) {
                    failures = 0;
                } else {
                    failures++;
                    waitMs = backoffMillis(failures);
                }
            } catch (SQLException e) {
                // The database is down: nothing is lost (the rows stay behind); try again later.
                failures++;
                waitMs = backoffMillis(failures);
                LOG.warn("alert outbox ({}): cannot read kpi.alerts, next try in {} ms: {}", channel.name(), waitMs, e.toString());
            }
            try {
                Thread.sleep(waitMs);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** A pass's connection: autocommit, the session bounded so a vanished client's claims end (DeliveryClaim). */
    Connection connect() throws SQLException {
        Connection conn = jdbc.connect();
        try {
            conn.setAutoCommit(true);
            DeliveryClaim.boundIdleSession(conn, claimSessionBound);
            return conn;
        } catch (SQLException e) {
            conn.close();
            throw e;
        }
    }

    String dashboardUrl() {
        return dashboardUrl;
    }

    boolean isRunning() {
        return running;
    }

    long backoffMillis(int failures) {
        return RetryBackoff.jitter(RetryBackoff.cappedMillis(initialBackoff, maxBackoff, failures));
    }

    /** Failures in a row of one alert on one channel, and when it may be tried again. */
    static final class RowBackoff {
        int failures;
        long notBefore;
    }

    private static final String COLUMNS = "alert_id, rule, severity, labels::text AS labels, state, started_at,"
            + " resolved_at, value, threshold, summary, notify_seq, last_transition_at, group_id";

    /**
     * One pass for one channel: sends everything it is behind on, skipping rows still in their
     * backoff and rows another outbox has claimed, until done or a send fails. Returns false when a
     * send failed (the caller backs off the channel; the failed row also gets its own backoff, so a
     * row the receiver keeps refusing does not hold up the other rows).
     */
    boolean deliverPending(NotificationChannel channel, Map<String, RowBackoff> rowBackoff) throws SQLException {
        if (groupedSns && channel.name().equals("sns")) {
            return GroupedDelivery.deliverPending(this, channel, rowBackoff);
        }
        String c = channel.name();
        String select = "SELECT alert_id FROM kpi.alerts WHERE " + c + "_seq < notify_seq"
                + " ORDER BY last_transition_at, alert_id LIMIT " + BATCH;
        // (rows in backoff are skipped after the LIMIT: more than BATCH refused rows at once would starve the rest)
        // One connection per pass, closed at its end: no claim can outlive the pass (DeliveryClaim).
        try (Connection conn = connect()) {
            List<String> behind = new ArrayList<>();
            try (PreparedStatement s = conn.prepareStatement(select); ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    behind.add(rs.getString(1));
                }
            }
            rowBackoff.keySet().retainAll(new HashSet<>(behind));
            for (String alertId : behind) {
                RowBackoff backoff = rowBackoff.get(alertId);
                if (backoff != null && backoff.notBefore > System.currentTimeMillis()) {
                    continue;
                }
                long key = DeliveryClaim.key(c, alertId);
                if (!DeliveryClaim.tryClaim(conn, key)) {
                    continue; // another outbox is sending this row: what it leaves undelivered, a later pass sends
                }
                boolean delivered;
                try {
                    delivered = deliverClaimed(conn, channel, alertId, rowBackoff);
                } finally {
                    DeliveryClaim.release(conn, key);
                }
                if (!delivered) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Sends a claimed row's undelivered transitions, in order. The row is read again now that this
     * outbox holds the claim: the pass's read may be stale (another outbox may have delivered since,
     * or the job may have added a transition). Returns false when a send failed.
     */
    private boolean deliverClaimed(Connection conn, NotificationChannel channel, String alertId,
            Map<String, RowBackoff> rowBackoff) throws SQLException {
        String c = channel.name();
        String reread = "SELECT " + COLUMNS + ", " + c + "_seq AS channel_seq FROM kpi.alerts WHERE alert_id = ? AND "
                + c + "_seq < notify_seq";
        String delivered = "UPDATE kpi.alerts SET " + c + "_seq = ?, " + c + "_delivered_at = now(), "
                + c + "_attempts = " + c + "_attempts + 1 WHERE alert_id = ? AND " + c + "_seq = ?";
        String failed = "UPDATE kpi.alerts SET " + c + "_attempts = " + c + "_attempts + 1, " + c + "_last_error = ?"
                + " WHERE alert_id = ?";
        Pending p;
        try (PreparedStatement s = conn.prepareStatement(reread)) {
            s.setString(1, alertId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return true; // delivered meanwhile by another outbox
                }
                p = new Pending(rs);
            }
        }
        // A silence (kpi.silences) or a maintenance window of the rules file: the transitions are
        // recorded as handled, with what held them back, and not sent.
        Long silence = silence(conn, p.alertId, p.transitionAt);
        String window = silence != null ? null : maintenanceWindow(p.rule, p.severity, p.labels, p.transitionAt);
        String heldBy = silence != null ? "silenced_by" : window != null ? "maintenance" : null;
        Object heldValue = silence != null ? silence : window;
        for (int seq = p.channelSeq + 1; seq <= p.notifySeq && running; seq++) {
            Notification n = p.notification(seq, dashboardUrl, seq == p.notifySeq ? p.groupId : groupOf(conn, p.alertId, seq));
            if (heldBy != null) {
                try (PreparedStatement u = conn.prepareStatement("UPDATE kpi.alerts SET " + c + "_seq = ?, " + heldBy
                        + " = ? WHERE alert_id = ? AND " + c + "_seq = ?")) {
                    u.setInt(1, seq);
                    u.setObject(2, heldValue);
                    u.setString(3, p.alertId);
                    u.setInt(4, seq - 1);
                    if (u.executeUpdate() != 1) {
                        break; // moved under the claim (see below)
                    }
                }
                try (MDC.MDCCloseable id = MDC.putCloseable("alert_id", p.alertId)) {
                    LOG.info("alert outbox ({}): {} not sent: {} {}", c, n, heldBy, heldValue);
                }
                continue;
            }
            try {
                channel.send(n);
            } catch (Exception e) {
                if (!running) {
                    return false; // interrupted by close(): not a failure of the receiver
                }
                String error = describe(e);
                RowBackoff b = rowBackoff.computeIfAbsent(p.alertId, k -> new RowBackoff());
                b.failures++;
                b.notBefore = System.currentTimeMillis() + backoffMillis(b.failures);
                try (PreparedStatement u = conn.prepareStatement(failed)) {
                    u.setString(1, error);
                    u.setString(2, p.alertId);
                    u.executeUpdate();
                }
                try (MDC.MDCCloseable id = MDC.putCloseable("alert_id", p.alertId)) { // a field of the JSON line
                    LOG.warn("alert outbox ({}): {} not delivered: {}", c, n, error);
                }
                return false;
            }
            try (PreparedStatement u = conn.prepareStatement(delivered)) {
                u.setInt(1, seq);
                u.setString(2, p.alertId);
                u.setInt(3, seq - 1);
                rowBackoff.remove(p.alertId);
                if (u.executeUpdate() != 1) {
                    // The seq moved under the claim: not another outbox of this version (it would
                    // have needed the claim), but an older one, or a hand-made UPDATE. Leave the row
                    // to the next pass, which reads where it stands.
                    break;
                }
            }
            try (MDC.MDCCloseable id = MDC.putCloseable("alert_id", p.alertId)) {
                LOG.info("alert outbox ({}): delivered {}", c, n);
            }
        }
        return true;
    }

    /**
     * The grouped SNS message that lists transition {@code seq} of an episode (an earlier one than
     * the row's latest, whose group the row holds); null if none (SNS not grouped, a folded
     * reminder, or the message not written yet).
     */
    private static String groupOf(Connection conn, String alertId, int seq) throws SQLException {
        try (PreparedStatement s = conn.prepareStatement("SELECT notification_id FROM kpi.alert_notifications"
                + " WHERE members @> jsonb_build_array(jsonb_build_object('alert_id', ?::text, 'seq', ?::int)) LIMIT 1")) {
            s.setString(1, alertId);
            s.setInt(2, seq);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The first maintenance window covering a transition at {@code at} whose matchers hold; null if none. */
    String maintenanceWindow(String rule, String severity, String labelsJson, Instant at) {
        if (maintenance.isEmpty() || at == null) {
            return null;
        }
        Map<String, Object> labels = Notification.parseLabels(labelsJson);
        for (com.gluu.kpi.config.MaintenanceWindow w : maintenance) {
            if (w.covers(at) && w.matches(rule, severity, labels)) {
                return w.name();
            }
        }
        return null;
    }

    /**
     * The first active silence (not expired, {@code starts_at <= t < ends_at} at the transition's
     * event time t) whose every matcher equals the episode's rule, severity or label of that name;
     * null if none.
     */
    static Long silence(Connection conn, String alertId, Instant t) throws SQLException {
        String sql = "SELECT s.id FROM kpi.silences s, kpi.alerts a WHERE a.alert_id = ? AND s.expired_at IS NULL"
                + " AND s.starts_at <= ? AND s.ends_at > ?"
                + " AND NOT EXISTS (SELECT 1 FROM jsonb_each_text(s.matchers) m WHERE m.value IS DISTINCT FROM"
                + " CASE m.key WHEN 'rule' THEN a.rule WHEN 'severity' THEN a.severity ELSE a.labels ->> m.key END)"
                + " ORDER BY s.id LIMIT 1";
        try (PreparedStatement s = conn.prepareStatement(sql)) {
            s.setString(1, alertId);
            s.setObject(2, java.time.OffsetDateTime.ofInstant(t, java.time.ZoneOffset.UTC));
            s.setObject(3, java.time.OffsetDateTime.ofInstant(t, java.time.ZoneOffset.UTC));
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    static String describe(Throwable e) {
        String s = e.getClass().getSimpleName() + ": " + e.getMessage();
        return s.length() <= MAX_ERROR ? s : s.substring(0, MAX_ERROR);
    }

    /** How long a bounded replay waits for the last notifications before it ends ({@code run}, or the job itself on a cluster). */
    public static final Duration END_OF_INPUT_WAIT = Duration.ofSeconds(60);

    /** What to tell the user about {@code behind} (from {@link #awaitDelivered}; negative: unknown) undelivered transitions. */
    public static String undelivered(long behind) {
        return (behind < 0 ? "some" : String.valueOf(behind)) + " notification(s) not yet delivered;"
                + " they stay in kpi.alerts and go out with the next run";
    }

    /**
     * Waits until no configured channel is behind on any alert, or the timeout passes (a bounded
     * replay uses this before it exits). Returns the transitions still undelivered, over all
     * channels; they stay in {@code kpi.alerts} for the next outbox to send.
     */
    public long awaitDelivered(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long behind = 0;
            try (Connection connection = jdbc.connect(); Statement statement = connection.createStatement()) {
                for (NotificationChannel channel : channels) {
                    String query = groupedSns && channel.name().equals("sns") ? GroupedDelivery.PENDING_COUNT
                            : "SELECT coalesce(sum(notify_seq - " + channel.name()
                            + "_seq), 0) FROM kpi.alerts WHERE " + channel.name() + "_seq < notify_seq";
                    try (ResultSet rs = statement.executeQuery(query)) {
                        rs.next();
                        behind += rs.getLong(1);
                    }
                }
            } catch (SQLException e) {
                behind = -1; // unknown: keep waiting until the deadline
            }
            if (behind == 0 || System.nanoTime() > deadline) {
                return behind;
            }
            Thread.sleep(Math.min(200, pollInterval.toMillis()));
        }
    }

    /** Stops the threads (an interrupted send is retried by the next outbox) and closes the channels. */
    @Override
    public synchronized void close() {
        running = false;
        for (Thread t : threads) {
            t.interrupt();
        }
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        threads.clear();
        for (NotificationChannel ch : channels) {
            try {
                ch.close();
            } catch (Exception e) {
                LOG.warn("closing alert channel {}: {}", ch.name(), e.toString());
            }
        }
    }

    private static final class Pending {
        final String alertId;
        final String rule;
        final String severity;
        final String labels;
        final String state;
        final Instant startedAt;
        final Instant resolvedAt;
        final Double value;
        final Double threshold;
        final String summary;
        final int notifySeq;
        final Instant transitionAt;
        final int channelSeq;
        final String groupId;

        Pending(ResultSet rs) throws SQLException {
            alertId = rs.getString("alert_id");
            rule = rs.getString("rule");
            severity = rs.getString("severity");
            labels = rs.getString("labels");
            state = rs.getString("state");
            startedAt = instant(rs.getTimestamp("started_at"));
            resolvedAt = instant(rs.getTimestamp("resolved_at"));
            double v = rs.getDouble("value");
            value = rs.wasNull() ? null : v;
            double t = rs.getDouble("threshold");
            threshold = rs.wasNull() ? null : t;
            summary = rs.getString("summary");
            notifySeq = rs.getInt("notify_seq");
            transitionAt = instant(rs.getTimestamp("last_transition_at"));
            channelSeq = rs.getInt("channel_seq");
            groupId = rs.getString("group_id");
        }

        Notification notification(int seq, String dashboardUrl, String groupId) {
            boolean latest = seq == notifySeq;
            Map<String, Object> parsed = Notification.parseLabels(labels);
            Instant end = latest && resolvedAt != null ? resolvedAt : transitionAt;
            return new Notification(alertId, rule, severity, parsed, latest ? state : "firing", value, threshold,
                    summary, startedAt, latest ? resolvedAt : null, transitionAt, seq,
                    DashboardLink.of(dashboardUrl, parsed, startedAt, end), groupId);
        }

        private static Instant instant(Timestamp t) {
            return t == null ? null : t.toInstant();
        }
    }
}
