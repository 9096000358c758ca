package com.gluu.kpi.cost;

/** What {@link TaskTimeline} keeps per ECS task (keyed state, a POJO). */
public class TaskStatus {
    public String taskId = "";
    public String service = "";
    public boolean running;
    /** Carried over from the last RUNNING event that gave it; NaN while none has. */
    public double vcpu = Double.NaN;
    /** Carried over from the last RUNNING event that gave it; NaN while none has. */
    public double memoryGb = Double.NaN;
    /** The current slot's RUNNING milliseconds. */
    public long runningMs;
    /** The current slot's Fargate cost. */
    public double usd;
    /**
     * RUNNING milliseconds of the slot not yet priced: converted when vcpu or memory change and
     * when the slot closes, so the cost does not depend on how often accrual was advanced within
     * the slot (a replay writes bit-identical costs).
     */
    public long unpricedMs;
    /** Whether some of the current slot's RUNNING time had no price (see {@link TaskTimeline}). */
    public boolean unpricedInSlot;

    public TaskStatus() {}
}
