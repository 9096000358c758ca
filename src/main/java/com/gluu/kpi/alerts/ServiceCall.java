package com.gluu.kpi.alerts;

/**
 * A service called an endpoint in a minute of event time (from the traffic partials): what
 * {@link AlertInhibitor} needs to let a failed endpoint inhibit its callers' alerts. A Flink POJO.
 */
public class ServiceCall {
    public String service;
    public String endpoint;
    /** Minute of event time: {@code floorDiv(timestamp, 60 000)}. */
    public long minute;

    public ServiceCall() {}

    public ServiceCall(String service, String endpoint, long minute) {
        this.service = service;
        this.endpoint = endpoint;
        this.minute = minute;
    }
}
