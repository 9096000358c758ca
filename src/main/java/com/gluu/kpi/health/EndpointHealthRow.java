package com.gluu.kpi.health;

/** One row of {@code kpi.endpoint_health} (SPEC §4). */
public class EndpointHealthRow {
    public long windowStart;
    public long windowEnd;
    public String endpoint;
    public double inServiceSeconds;
    /** InService seconds / observed seconds of the window; NaN (NULL) when none was observed. */
    public double uptimeRatio = Double.NaN;
    public long restarts;
    public long failures;

    public EndpointHealthRow() {}
}
