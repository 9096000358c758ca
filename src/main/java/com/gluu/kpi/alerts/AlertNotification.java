package com.gluu.kpi.alerts;

/**
 * One grouped SNS message ({@code kpi.alert_notifications}, SPEC §5 "Grouping"): the transitions of
 * one group ({@code grouping.group_by} labels) since its previous message, made by
 * {@link AlertGrouper} when event time reaches {@link #dueAt}. A Flink POJO.
 */
public class AlertNotification {
    /** Deterministic from the group and the due time: a replay gives the same id (SNS FIFO dedup id). */
    public String notificationId;
    /** The group's values of the group_by labels, as sorted JSON; {@code {}} for the job-wide group. */
    public String groupLabelsJson;
    /** Event time of the group's first transition in this message (ms). */
    public long openedAt;
    /** Event time the message is due (ms): opened + group_wait, or the previous one + group_interval. */
    public long dueAt;
    /**
     * The transitions, the latest of each episode, as a JSON array of objects (alert_id, seq, rule,
     * severity, labels, state, value, threshold, summary, started_at, resolved_at, transition_at),
     * critical first, then by rule and labels. A snapshot: each carries its own values, even if
     * the episode's kpi.alerts row has moved on by the time the message is sent.
     */
    public String membersJson;
    public int memberCount;
    /** Episodes of the group still firing once these transitions are applied (the message says so). */
    public int firingInGroup;

    public AlertNotification() {}
}
