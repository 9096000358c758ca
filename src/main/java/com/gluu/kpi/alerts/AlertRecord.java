package com.gluu.kpi.alerts;

/**
 * One transition of an alert episode, as the evaluator emits it and {@code kpi.alerts} stores it
 * (the row keeps the latest transition of its episode). {@code notifySeq} counts the
 * notifications of the episode so far (1 = fired, then one per repeat while firing, one for the
 * resolve): the delivery loop sends every transition a channel has not yet delivered, with a
 * deterministic id derived from {@code alertId} and {@code notifySeq}.
 */
public class AlertRecord {
    public static final String FIRING = "firing";
    public static final String RESOLVED = "resolved";

    /** Deterministic from rule, labels and start: a replay or a restore gives the same id. */
    public String alertId;
    public String rule;
    /** info, warning or critical. */
    public String severity;
    /** The group's labels as a JSON object, keys sorted, e.g. {"model":"blip2","service":"analyze-api"}. */
    public String labelsJson;
    /** firing or resolved. */
    public String state;
    /** Event time the episode started (ms). */
    public long startedAt;
    /** Event time it resolved (ms), or Long.MIN_VALUE while firing. */
    public long resolvedAt = Long.MIN_VALUE;
    /** The rule's value at this transition; NaN when it has none (endpoint events, no data). */
    public double value = Double.NaN;
    public double threshold = Double.NaN;
    /** One readable line, e.g. "p95 of total latency 12.3 s > 10 s for analyze-api/blip2". */
    public String summary;
    public int notifySeq;
    /** Event time of this transition (ms). */
    public long transitionAt;
    /**
     * The alert id of the firing episode that inhibits this one ({@link AlertInhibitor}), null if
     * none: an inhibited episode is recorded and marked, never notified.
     */
    public String inhibitedBy;
    /**
     * The SNS message ({@link AlertNotification}, {@code kpi.alert_notifications}) this transition
     * goes out in, set by {@link AlertGrouper}; null when SNS is not grouped or the transition is
     * not notified (inhibited).
     */
    public String groupId;

    public AlertRecord() {}
}
