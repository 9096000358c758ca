package com.gluu.kpi.health;

/** The sums of an endpoint's slots in one window (accumulator of {@link EndpointHealthRows}). */
public class EndpointHealthCounts {
    public long observedMs;
    public long inServiceMs;
    public long restarts;
    public long failures;

    public EndpointHealthCounts() {}
}
