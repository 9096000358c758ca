package com.gluu.kpi.events;

/** The event types of SPEC §2; the wire name is the lower-case constant name. */
public enum EventType {
    INFERENCE,
    FEEDBACK,
    ENDPOINT,
    TASK,
    JOB;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
