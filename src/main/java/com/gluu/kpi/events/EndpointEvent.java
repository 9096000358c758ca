package com.gluu.kpi.events;

/** A SageMaker endpoint changed state (SPEC §2, type {@code endpoint}). */
public class EndpointEvent {
    public String endpoint;
    public String model;
    public String state;
    public String instanceType = "";
    /** -1 when the event gives none. */
    public int instanceCount = -1;
    public String reason = "";

    public EndpointEvent() {}
}
