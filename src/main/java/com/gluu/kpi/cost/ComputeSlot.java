package com.gluu.kpi.cost;

/**
 * The Fargate cost of one ECS service's tasks during one accrual slot (see
 * {@link com.gluu.kpi.health.EndpointSlot}), emitted with the timestamp {@code slotEnd - 1}.
 */
public class ComputeSlot {
    public String service;
    public long slotStart;
    public long slotEnd;
    /** Σ over the service's tasks of RUNNING milliseconds inside the slot. */
    public long runningTaskMs;
    /** Σ RUNNING seconds × (vcpu × vCPU-hour price + memory_gb × GB-hour price) / 3600. */
    public double usd;

    public ComputeSlot() {}
}
