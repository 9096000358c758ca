package com.gluu.kpi.alerts;

/**
 * Where one group of one rule stands in its alert lifecycle (a Flink POJO: primitive and String
 * fields only). Driven by {@link AlertStateMachine}; a fresh instance is {@link #INACTIVE}.
 */
public class AlertGroupState {
    public static final int INACTIVE = 0;
    public static final int PENDING = 1;
    public static final int FIRING = 2;

    /** {@link #INACTIVE}, {@link #PENDING} or {@link #FIRING}; a resolved episode goes back to inactive. */
    public int phase = INACTIVE;
    /** Consecutive breached evaluations so far (pending and firing). */
    public int breaches;
    /** Event time of the first breached evaluation of the current run: the episode's start (ms). */
    public long pendingSince = Long.MIN_VALUE;
    /** The firing episode's id; null unless firing. */
    public String alertId;
    /** Notifications of the firing episode so far (1 = fired). */
    public int notifySeq;
    /** Event time of the episode's latest notification (ms). */
    public long lastNotifiedAt = Long.MIN_VALUE;
    /** The latest value the firing episode was evaluated with (NaN if none yet). */
    public double lastValue = Double.NaN;
    /**
     * Event time of the first evaluation of the current run in which a firing episode's condition
     * no longer held ({@code keep_firing_for}); {@code Long.MIN_VALUE} while it holds.
     */
    public long clearSince = Long.MIN_VALUE;
    /** What holds the episode's notifications back from its start ("deploy"), null if nothing. */
    public String heldBy;

    public AlertGroupState() {}

    public boolean isFiring() {
        return phase == FIRING;
    }

    public boolean isInactive() {
        return phase == INACTIVE;
    }
}
