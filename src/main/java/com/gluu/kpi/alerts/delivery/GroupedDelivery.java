package com.gluu.kpi.alerts.delivery;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The SNS pass of an {@link AlertOutbox} when the rules file groups messages: it sends the rows of
 * {@code kpi.alert_notifications} (one per group and due time, written by the job's
 * {@code AlertGrouper}) instead of one message per {@code kpi.alerts} transition.
 *
 * <p>Per pending message, oldest due first, under a claim as in the row path
 * ({@link DeliveryClaim}, so two outboxes never both send one): the message waits until every
 * member's {@code kpi.alerts} row has landed with at least the member's transition (the job writes
 * the two tables through independent sinks), and a group's messages go out in due order; members
 * an active silence or a maintenance window holds at their own transition time are recorded on
 * their rows ({@code silenced_by}, {@code maintenance}, {@code sns_seq}) and left out too. The
 * others go out as one {@link GroupNotification}; then the message is {@code delivered} and each
 * sent member's row gets {@code sns_seq} (never moved back), {@code sns_delivered_at} and an
 * attempt. A message left with no member to send is {@code held}. The message's state is the
 * record of what was sent; the rows' {@code sns_seq} only says how far each episode got. A failed send counts an attempt
 * and the error on the message, which then backs off on its own, as a row does.
 */
final class GroupedDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(GroupedDelivery.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 500;

    /** Messages not yet sent or held: what {@link AlertOutbox#awaitDelivered} waits for on SNS. */
    static final String PENDING_COUNT = "SELECT count(*) FROM kpi.alert_notifications WHERE sns_state = 'pending'";

    private GroupedDelivery() {}

    /** One pass; false when a send failed (the caller backs off the channel). */
    static boolean deliverPending(AlertOutbox outbox, NotificationChannel channel,
            Map<String, AlertOutbox.RowBackoff> backoff) throws SQLException {
        try (Connection conn = outbox.connect()) {
            List<String[]> pending = new ArrayList<>();
            try (PreparedStatement s = conn.prepareStatement("SELECT notification_id, group_labels::text FROM"
                    + " kpi.alert_notifications WHERE sns_state = 'pending' ORDER BY due_at, notification_id LIMIT " + BATCH);
                    ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    pending.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
            Set<String> ids = new HashSet<>();
            pending.forEach(p -> ids.add(p[0]));
            backoff.keySet().retainAll(ids);
            // A group's messages go out in order: one that must wait holds back the group's later ones
            // (a resolution never overtakes its firing), not the other groups.
            Set<String> waiting = new HashSet<>();
            for (String[] p : pending) {
                String id = p[0];
                if (waiting.contains(p[1])) {
                    continue;
                }
                AlertOutbox.RowBackoff b = backoff.get(id);
                if (b != null && b.notBefore > System.currentTimeMillis()) {
                    waiting.add(p[1]);
                    continue;
                }
                long key = DeliveryClaim.key(channel.name(), "notification/" + id);
                if (!DeliveryClaim.tryClaim(conn, key)) {
                    waiting.add(p[1]);
                    continue;
                }
                Outcome outcome;
                try {
                    outcome = deliverClaimed(outbox, conn, channel, id, backoff);
                } finally {
                    DeliveryClaim.release(conn, key);
                }
                if (outcome == Outcome.FAILED) {
                    return false;
                }
                if (outcome == Outcome.NOT_READY) {
                    waiting.add(p[1]);
                }
            }
            return true;
        }
    }

    /** What became of one message in a pass. */
    enum Outcome { DONE, NOT_READY, FAILED }

    /** A member transition of a message, as the job wrote it. */
    static final class Member {
        String alertId;
        int seq;
        String rule;
        String severity;
        Map<String, Object> labels;
        String labelsJson;
        String state;
        Double value;
        Double threshold;
        String summary;
        Instant startedAt;
        Instant resolvedAt;
        Instant transitionAt;
        String groupId;

        Notification notification(String dashboardUrl) {
            return new Notification(alertId, rule, severity, labels, state, value, threshold, summary, startedAt,
                    resolvedAt, transitionAt, seq, DashboardLink.of(dashboardUrl, labels, startedAt,
                            resolvedAt != null ? resolvedAt : transitionAt), groupId);
        }
    }

    static List<Member> members(String notificationId, String json) {
        List<Map<String, Object>> raw;
        try {
            raw = JSON.readValue(json, new TypeReference<List<Map<String, Object>>>() {});
        } catch (IOException e) {
            throw new IllegalStateException("kpi.alert_notifications " + notificationId + ": members are not the job's JSON", e);
        }
        List<Member> out = new ArrayList<>();
        for (Map<String, Object> m : raw) {
            Member x = new Member();
            x.alertId = (String) m.get("alert_id");
            x.seq = ((Number) m.get("seq")).intValue();
            x.rule = (String) m.get("rule");
            x.severity = (String) m.get("severity");
            @SuppressWarnings("unchecked")
            Map<String, Object> labels = m.get("labels") instanceof Map ? (Map<String, Object>) m.get("labels") : Map.of();
            x.labels = labels;
            try {
                x.labelsJson = JSON.writeValueAsString(new java.util.TreeMap<>(labels));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            x.state = (String) m.get("state");
            x.value = m.get("value") == null ? null : ((Number) m.get("value")).doubleValue();
            x.threshold = m.get("threshold") == null ? null : ((Number) m.get("threshold")).doubleValue();
            x.summary = (String) m.get("summary");
            x.startedAt = instant(m.get("started_at"));
            x.resolvedAt = instant(m.get("resolved_at"));
            x.transitionAt = instant(m.get("transition_at"));
            x.groupId = notificationId;
            out.add(x);
        }
        return out;
    }

    private static Instant instant(Object o) {
        return o == null ? null : Instant.parse(o.toString());
    }

    private static Outcome deliverClaimed(AlertOutbox outbox, Connection conn, NotificationChannel channel, String id,
            Map<String, AlertOutbox.RowBackoff> backoff) throws SQLException {
        String membersJson;
        Map<String, Object> group;
        Instant dueAt;
        int firingInGroup;
        try (PreparedStatement s = conn.prepareStatement("SELECT members::text, group_labels::text, due_at, firing_in_group"
                + " FROM kpi.alert_notifications WHERE notification_id = ? AND sns_state = 'pending'")) {
            s.setString(1, id);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Outcome.DONE; // sent or held meanwhile by another outbox
                }
                membersJson = rs.getString(1);
                group = Notification.parseLabels(rs.getString(2));
                Timestamp due = rs.getTimestamp(3);
                dueAt = due == null ? null : due.toInstant();
                firingInGroup = rs.getInt(4);
            }
        }
        List<Member> members = members(id, membersJson);
        if (!landed(conn, members)) {
            return Outcome.NOT_READY; // a member's row has not landed yet: a later pass sends the message
        }
        // The message's state, not the rows' sns_seq, says what was sent: a group's later message may
        // have moved a row's sns_seq past this one's member while this one was backing off.
        List<Member> toSend = new ArrayList<>();
        boolean held = false;
        for (Member m : members) {
            Long silence = m.transitionAt == null ? null : AlertOutbox.silence(conn, m.alertId, m.transitionAt);
            String window = silence != null ? null : outbox.maintenanceWindow(m.rule, m.severity, m.labelsJson, m.transitionAt);
            if (silence != null || window != null) {
                String column = silence != null ? "silenced_by" : "maintenance";
                try (PreparedStatement u = conn.prepareStatement("UPDATE kpi.alerts SET sns_seq = GREATEST(sns_seq, ?), "
                        + column + " = ? WHERE alert_id = ?")) {
                    u.setInt(1, m.seq);
                    u.setObject(2, silence != null ? silence : window);
                    u.setString(3, m.alertId);
                    u.executeUpdate();
                }
                held = true;
                try (MDC.MDCCloseable a = MDC.putCloseable("alert_id", m.alertId)) {
                    LOG.info("alert outbox (sns): {}#{} left out of message {}: {} {}", m.alertId, m.seq, id, column,
                            silence != null ? silence : window);
                }
                continue;
            }
            toSend.add(m);
        }
        if (toSend.isEmpty()) {
            try (PreparedStatement u = conn.prepareStatement("UPDATE kpi.alert_notifications SET sns_state = ?, updated_at = now()"
                    + " WHERE notification_id = ? AND sns_state = 'pending'")) {
                u.setString(1, "held");
                u.setString(2, id);
                u.executeUpdate();
            }
            return Outcome.DONE;
        }
        GroupNotification g = notification(outbox.dashboardUrl(), id, group, dueAt, toSend, firingInGroup);
        try {
            channel.sendGroup(g);
        } catch (Exception e) {
            if (!outbox.isRunning()) {
                return Outcome.FAILED;
            }
            String error = AlertOutbox.describe(e);
            AlertOutbox.RowBackoff b = backoff.computeIfAbsent(id, k -> new AlertOutbox.RowBackoff());
            b.failures++;
            b.notBefore = System.currentTimeMillis() + outbox.backoffMillis(b.failures);
            try (PreparedStatement u = conn.prepareStatement("UPDATE kpi.alert_notifications SET sns_attempts = sns_attempts + 1,"
                    + " sns_last_error = ?, updated_at = now() WHERE notification_id = ?")) {
                u.setString(1, error);
                u.setString(2, id);
                u.executeUpdate();
            }
            LOG.warn("alert outbox (sns): {} not delivered: {}", g, error);
            return Outcome.FAILED;
        }
        backoff.remove(id);
        try (PreparedStatement u = conn.prepareStatement("UPDATE kpi.alert_notifications SET sns_state = 'delivered',"
                + " sns_delivered_at = now(), sns_attempts = sns_attempts + 1, updated_at = now()"
                + " WHERE notification_id = ? AND sns_state = 'pending'")) {
            u.setString(1, id);
            u.executeUpdate();
        }
        try (PreparedStatement u = conn.prepareStatement("UPDATE kpi.alerts SET sns_seq = GREATEST(sns_seq, ?),"
                + " sns_delivered_at = now(), sns_attempts = sns_attempts + 1 WHERE alert_id = ?")) {
            for (Member m : toSend) {
                u.setInt(1, m.seq);
                u.setString(2, m.alertId);
                u.addBatch();
            }
            u.executeBatch();
        }
        LOG.info("alert outbox (sns): delivered {}", g);
        return Outcome.DONE;
    }

    /** Whether every member's kpi.alerts row has landed with at least the member's transition. */
    private static boolean landed(Connection conn, List<Member> members) throws SQLException {
        Set<String> ids = new HashSet<>();
        for (Member m : members) {
            ids.add(m.alertId);
        }
        Map<String, Integer> notifySeq = new HashMap<>();
        try (PreparedStatement s = conn.prepareStatement("SELECT alert_id, notify_seq FROM kpi.alerts WHERE alert_id = ANY(?)")) {
            s.setArray(1, conn.createArrayOf("text", ids.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    notifySeq.put(rs.getString(1), rs.getInt(2));
                }
            }
        }
        for (Member m : members) {
            Integer seq = notifySeq.get(m.alertId);
            if (seq == null || seq < m.seq) {
                return false;
            }
        }
        return true;
    }

    /** The message: members in the job's order, the link over their whole time range. */
    static GroupNotification notification(String dashboardUrl, String id, Map<String, Object> group, Instant dueAt,
            List<Member> members, int firingInGroup) {
        List<Notification> alerts = new ArrayList<>();
        Instant from = null;
        Instant to = null;
        Set<Object> services = new HashSet<>();
        for (Member m : members) {
            alerts.add(m.notification(dashboardUrl));
            if (m.startedAt != null && (from == null || m.startedAt.isBefore(from))) {
                from = m.startedAt;
            }
            Instant end = m.resolvedAt != null ? m.resolvedAt : m.transitionAt;
            if (end != null && (to == null || end.isAfter(to))) {
                to = end;
            }
            services.add(m.labels.getOrDefault("service", ""));
        }
        // The charts of the one service every member has, or of all services.
        Map<String, Object> linkLabels = services.size() == 1 ? Map.of("service", services.iterator().next()) : Map.of();
        return new GroupNotification(id, group, dueAt, alerts, firingInGroup, DashboardLink.of(dashboardUrl, linkLabels, from, to));
    }
}
