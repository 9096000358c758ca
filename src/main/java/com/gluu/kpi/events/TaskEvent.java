package com.gluu.kpi.events;

/** An ECS task changed state (SPEC §2, type {@code task}). */
public class TaskEvent {
    public String taskId = "";
    public String service;
    /** {@code RUNNING} or {@code STOPPED}. */
    public String state;
    /** NaN when the event gives none. */
    public double vcpu = Double.NaN;
    /** NaN when the event gives none. */
    public double memoryGb = Double.NaN;

    public TaskEvent() {}
}
