package com.gluu.kpi.health;

/**
 * What {@link EndpointTimeline} keeps per endpoint (keyed state, a POJO): its current state and
 * what it is billed for, and the sums of the current slot, one part per model seen in the slot.
 */
public class EndpointStatus {
    public String endpoint = "";
    public String model = "";
    /** The current state; "" before the first event is applied. */
    public String state = "";
    /** Carried over from the last event that gave one; "" while none has. */
    public String instanceType = "";
    /** Carried over from the last event that gave one; -1 while none has (billed as 1). */
    public int instanceCount = -1;
    /** Whether the endpoint has been InService before: only then is a re-entry a restart. */
    public boolean wasInService;
    /** Whether the current slot has billed time at an instance type without a price. */
    public boolean unpricedInSlot;
    /** The current slot's sums, one per model, in the order the models appeared. */
    public EndpointSlot[] parts = new EndpointSlot[0];
    /**
     * Billed instance-milliseconds not yet turned into USD, at {@link #pendingPrice} for the part
     * of {@link #pendingModel}. Kept as an exact integer and converted only when the price or
     * model changes or the slot closes, so a slot's hosting cost does not depend on how often
     * accrual happened to be advanced within it (a replay writes bit-identical costs).
     */
    public long pendingInstanceMs;
    public double pendingPrice;
    public String pendingModel = "";

    public EndpointStatus() {}
}
