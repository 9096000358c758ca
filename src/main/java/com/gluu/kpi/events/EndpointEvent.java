package com.gluu.kpi.events;

/** A SageMaker endpoint changed state (SPEC §2, type {@code endpoint}). */
public class EndpointEvent {
    public String endpoint;
    public String model;
    public String state;
    public String instanceType = "";
    /** -1 when the event gives none. */
    public int instanceCount = -1;
    /** Free text, cut to {@code EventParser.MAX_REASON_CHARS} (1,024) characters and "…". */
    public String reason = "";

    public EndpointEvent() {}
}
