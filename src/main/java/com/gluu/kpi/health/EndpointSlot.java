package com.gluu.kpi.health;

/**
 * What one SageMaker endpoint did during one accrual slot (a stretch of event time no window
 * boundary cuts: the greatest common divisor of the window sizes, 1 minute by default). Emitted
 * with the timestamp {@code slotEnd - 1}, so every window size sums the slots it contains: the
 * health and hosting-cost windows are built from these, never from raw events, and an endpoint
 * gets its slots even in minutes with no events at all.
 *
 * <p>One record per (endpoint, model) if the endpoint's model changed within the slot.
 */
public class EndpointSlot {
    public String endpoint;
    /** The model on the endpoint's events (the cost row's model). */
    public String model;
    public long slotStart;
    public long slotEnd;
    /** Milliseconds of the slot the endpoint existed (after its first event, before Deleted or the end of input). */
    public long observedMs;
    /** Milliseconds of the slot in state InService. */
    public long inServiceMs;
    /** Milliseconds of the slot in a billed state (InService, Updating, SystemUpdating, RollingBack). */
    public long billedMs;
    /** Σ instance_count × hourly price × billed hours over the slot; 0 for an unpriced instance type. */
    public double hostingUsd;
    /** Entries into InService from Failed, OutOfService or Creating after having been InService before. */
    public long restarts;
    /** Entries into Failed. */
    public long failures;
    /** Time of the slot in Creating or Updating (a deploy): silences the endpoint's own failure and restart alerts. */
    public long deployMs;

    public EndpointSlot() {}
}
