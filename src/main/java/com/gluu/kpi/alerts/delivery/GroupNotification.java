package com.gluu.kpi.alerts.delivery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One grouped SNS message (a {@code kpi.alert_notifications} row): the transitions of one group
 * that are still to be sent, each as the {@link Notification} it would have been alone.
 */
public final class GroupNotification {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Deterministic (group and due time): the FIFO deduplication id. */
    public final String notificationId;
    /** The group's values of {@code grouping.group_by}; empty for the job-wide group. */
    public final Map<String, Object> group;
    /** Event time the message was due. */
    public final Instant dueAt;
    /** Critical first, then by rule and labels (as the job ordered them). */
    public final List<Notification> alerts;
    /** Episodes of the group still firing after these transitions. */
    public final int firingInGroup;
    /** The dashboard over the members' time range; null when no dashboard is configured. */
    public final String link;

    public GroupNotification(String notificationId, Map<String, Object> group, Instant dueAt, List<Notification> alerts,
            int firingInGroup, String link) {
        this.notificationId = Objects.requireNonNull(notificationId);
        this.group = Collections.unmodifiableMap(new TreeMap<>(group));
        this.dueAt = dueAt;
        this.alerts = List.copyOf(alerts);
        if (this.alerts.isEmpty()) {
            throw new IllegalArgumentException("a grouped message lists at least one alert");
        }
        this.firingInGroup = firingInGroup;
        this.link = link;
    }

    /**
     * The message a {@code kpi.alert_notifications} row describes, with every member (the outbox
     * leaves out those already delivered or held; this is the row as the job wrote it).
     */
    public static GroupNotification ofRow(String notificationId, String groupLabelsJson, Instant dueAt, String membersJson,
            int firingInGroup, String dashboardUrl) {
        return GroupedDelivery.notification(dashboardUrl, notificationId, Notification.parseLabels(groupLabelsJson), dueAt,
                GroupedDelivery.members(notificationId, membersJson), firingInGroup);
    }

    /** The most urgent severity of the members (the message attribute subscriptions filter on). */
    public String severity() {
        String best = "info";
        for (Notification n : alerts) {
            if ("critical".equals(n.severity)) {
                return "critical";
            }
            if ("warning".equals(n.severity)) {
                best = "warning";
            }
        }
        return best;
    }

    /** The members' rules, sorted, each once. */
    public List<String> rules() {
        TreeSet<String> rules = new TreeSet<>();
        for (Notification n : alerts) {
            rules.add(n.rule);
        }
        return new ArrayList<>(rules);
    }

    /**
     * One member alone: its own subject. Several: {@code [CRITICAL] 3 alerts (2 firing, 1 resolved):
     * endpoint_failed blip2/blip2-endpoint firing, +2}, the first member being the most urgent.
     */
    public String subjectText() {
        Notification first = alerts.get(0);
        if (alerts.size() == 1) {
            return null; // SnsChannel uses the single notification's subject
        }
        long firing = alerts.stream().filter(n -> "firing".equals(n.state)).count();
        StringBuilder s = new StringBuilder();
        s.append('[').append(severity().toUpperCase(Locale.ROOT)).append("] ").append(alerts.size()).append(" alerts (");
        if (firing > 0) {
            s.append(firing).append(" firing");
        }
        if (firing < alerts.size()) {
            s.append(firing > 0 ? ", " : "").append(alerts.size() - firing).append(" resolved");
        }
        s.append("): ").append(first.rule);
        String g = first.group();
        if (!g.isEmpty()) {
            s.append(' ').append(g);
        }
        s.append(' ').append(first.state).append(", +").append(alerts.size() - 1);
        return s.toString();
    }

    /** The message body. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("notification_id", notificationId);
        m.put("group", group);
        m.put("due_at", dueAt == null ? null : dueAt.toString());
        m.put("firing_in_group", firingInGroup);
        if (link != null) {
            m.put("link", link);
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (Notification n : alerts) {
            list.add(n.toMap());
        }
        m.put("alerts", list);
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "group " + notificationId + " (" + alerts.size() + " alert(s))";
    }
}
