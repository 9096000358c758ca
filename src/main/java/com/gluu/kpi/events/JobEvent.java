package com.gluu.kpi.events;

/**
 * An asynchronous job changed state (SPEC §2, type {@code job}): an async analysis answered with a
 * job id and later a webhook, or a worker's task for one image.
 */
public class JobEvent {
    public String jobId;
    public String service;
    /** {@code submitted}, {@code started}, {@code completed}, {@code failed}, {@code webhook_sent} or {@code webhook_failed}. */
    public String state;
    public String kind = "";
    public String clientId = "";
    public String model = "";
    /** The webhook's answer; -1 when the event gives none. */
    public int httpStatus = -1;
    /** 1 or more; 0 when the event gives none. */
    public int attempt;

    public JobEvent() {}
}
