package com.gluu.kpi.alerts;

/** One request behind an alert episode ({@code kpi.alert_evidence}). */
public class AlertEvidence {
    public String alertId;
    public String requestId;
    /** The request's event time (ms). */
    public long ts;
    /** What made it evidence: its total latency in ms, or NaN for a failed request. */
    public double value = Double.NaN;

    public AlertEvidence() {}
}
