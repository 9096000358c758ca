package com.gluu.kpi.alerts.delivery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One notification to deliver: the content of a {@code kpi.alerts} row and the transition number
 * ({@code seq}, 1 = fired, then repeats, then the resolve) being delivered. The row keeps only the
 * latest transition, so a notification for an earlier seq that was never delivered carries the
 * row's current values (see {@link AlertOutbox}).
 */
public final class Notification {
    private static final ObjectMapper JSON = new ObjectMapper();

    public final String alertId;
    public final String rule;
    public final String severity;
    /** The group's labels, keys sorted. */
    public final Map<String, Object> labels;
    public final String state;
    public final Double value;
    public final Double threshold;
    public final String summary;
    public final Instant startedAt;
    /** Null while firing. */
    public final Instant resolvedAt;
    /** Event time of the row's latest transition. */
    public final Instant transitionAt;
    public final int seq;
    /** The dashboard at the episode's time range ({@link DashboardLink}); null when no dashboard is configured. */
    public final String link;
    /** The grouped SNS message the transition went out in ({@code kpi.alerts.group_id}); null when none. */
    public final String groupId;

    public Notification(String alertId, String rule, String severity, Map<String, Object> labels, String state,
            Double value, Double threshold, String summary, Instant startedAt, Instant resolvedAt,
            Instant transitionAt, int seq) {
        this(alertId, rule, severity, labels, state, value, threshold, summary, startedAt, resolvedAt, transitionAt,
                seq, null);
    }

    public Notification(String alertId, String rule, String severity, Map<String, Object> labels, String state,
            Double value, Double threshold, String summary, Instant startedAt, Instant resolvedAt,
            Instant transitionAt, int seq, String link) {
        this(alertId, rule, severity, labels, state, value, threshold, summary, startedAt, resolvedAt, transitionAt,
                seq, link, null);
    }

    public Notification(String alertId, String rule, String severity, Map<String, Object> labels, String state,
            Double value, Double threshold, String summary, Instant startedAt, Instant resolvedAt,
            Instant transitionAt, int seq, String link, String groupId) {
        this.groupId = groupId;
        this.alertId = Objects.requireNonNull(alertId, "alertId");
        this.rule = rule;
        this.severity = severity;
        this.labels = Collections.unmodifiableMap(new TreeMap<>(labels == null ? Map.of() : labels));
        this.state = state;
        this.value = value;
        this.threshold = threshold;
        this.summary = summary == null ? "" : summary;
        this.startedAt = startedAt;
        this.resolvedAt = resolvedAt;
        this.transitionAt = transitionAt;
        this.seq = seq;
        this.link = link;
    }

    /** Deterministic from alert_id and seq: a redelivery has the same id, so PostHog drops it. */
    public static UUID uuid(String alertId, int seq) {
        return UUID.nameUUIDFromBytes((alertId + "#" + seq).getBytes(StandardCharsets.UTF_8));
    }

    public UUID uuid() {
        return uuid(alertId, seq);
    }

    public static Map<String, Object> parseLabels(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, new TypeReference<Map<String, Object>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("labels are not a JSON object: " + json, e);
        }
    }

    /**
     * The labels as a short readable group, e.g. {@code analyze-api} or {@code analyze-api/blip2}:
     * service, model and endpoint first, then the other labels by name.
     */
    public String group() {
        List<String> parts = new ArrayList<>();
        for (String key : List.of("service", "model", "endpoint")) {
            Object v = labels.get(key);
            if (v != null && !v.toString().isEmpty()) {
                parts.add(v.toString());
            }
        }
        labels.forEach((k, v) -> {
            if (!List.of("service", "model", "endpoint").contains(k) && v != null && !v.toString().isEmpty()) {
                parts.add(v.toString());
            }
        });
        return String.join("/", parts);
    }

    /** The notification as a JSON object (the SNS message body). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("alert_id", alertId);
        m.put("uuid", uuid().toString());
        m.put("seq", seq);
        m.put("rule", rule);
        m.put("severity", severity);
        m.put("state", state);
        m.put("labels", labels);
        m.put("value", value);
        m.put("threshold", threshold);
        m.put("summary", summary);
        m.put("started_at", startedAt == null ? null : startedAt.toString());
        m.put("resolved_at", resolvedAt == null ? null : resolvedAt.toString());
        m.put("transition_at", transitionAt == null ? null : transitionAt.toString());
        if (link != null) {
            m.put("link", link);
        }
        if (groupId != null) {
            m.put("group_id", groupId);
        }
        return m;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(toMap());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return alertId + "#" + seq + " " + state;
    }
}
