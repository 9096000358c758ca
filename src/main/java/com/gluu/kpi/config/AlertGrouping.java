package com.gluu.kpi.config;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How SNS messages group transitions ({@code grouping:} in the rules file; Alertmanager's route
 * terms, in event time). Transitions whose episodes have the same values of the {@link #groupBy()}
 * labels (a label an episode lacks counts as absent, so with the default {@code [endpoint]} every
 * episode without an endpoint is in one group) reach SNS as one message: the first after
 * {@link #groupWait()} from the group's first transition, later ones at most every
 * {@link #groupInterval()} after the previous message, each listing the transitions since. A
 * group whose episodes have all resolved and been sent starts again with {@code group_wait}.
 * A rule's repeat of a firing episode (its {@code repeat_interval}) is a reminder, not news: it
 * opens a message only if the group has sent nothing for {@link #repeatInterval()}; otherwise it
 * waits for the group's next message and is listed there.
 * Immutable and {@link Serializable}.
 */
public final class AlertGrouping implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final List<String> DEFAULT_GROUP_BY = List.of("endpoint");
    public static final Duration DEFAULT_GROUP_WAIT = Duration.ofMinutes(1);
    public static final Duration DEFAULT_GROUP_INTERVAL = Duration.ofMinutes(5);
    public static final Duration DEFAULT_REPEAT_INTERVAL = Duration.ofHours(1);

    private final List<String> groupBy;
    private final Duration groupWait;
    private final Duration groupInterval;
    private final Duration repeatInterval;

    public AlertGrouping(List<String> groupBy, Duration groupWait, Duration groupInterval) {
        this(groupBy, groupWait, groupInterval, DEFAULT_REPEAT_INTERVAL);
    }

    public AlertGrouping(List<String> groupBy, Duration groupWait, Duration groupInterval, Duration repeatInterval) {
        this.groupBy = List.copyOf(groupBy);
        this.groupWait = Objects.requireNonNull(groupWait);
        this.groupInterval = Objects.requireNonNull(groupInterval);
        this.repeatInterval = Objects.requireNonNull(repeatInterval);
        if (groupWait.isNegative()) {
            throw new IllegalArgumentException("group_wait must not be negative");
        }
        if (groupInterval.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("group_interval must be at least 1m");
        }
    }

    /** Labels whose values make a group; empty: every transition of the job in one group. */
    public List<String> groupBy() {
        return groupBy;
    }

    /** How long a new group waits for more transitions before its first message. */
    public Duration groupWait() {
        return groupWait;
    }

    /** The least time between two messages of one group. */
    public Duration groupInterval() {
        return groupInterval;
    }

    /** How long a group that sent a message stays quiet about episodes that merely go on firing. */
    public Duration repeatInterval() {
        return repeatInterval;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AlertGrouping && ((AlertGrouping) o).groupBy.equals(groupBy)
                && ((AlertGrouping) o).groupWait.equals(groupWait) && ((AlertGrouping) o).groupInterval.equals(groupInterval)
                && ((AlertGrouping) o).repeatInterval.equals(repeatInterval);
    }

    @Override
    public int hashCode() {
        return Objects.hash(groupBy, groupWait, groupInterval, repeatInterval);
    }

    @Override
    public String toString() {
        return "grouping(group_by=" + groupBy + ", group_wait=" + Durations.format(groupWait) + ", group_interval="
                + Durations.format(groupInterval) + ", repeat_interval=" + Durations.format(repeatInterval) + ")";
    }
}
