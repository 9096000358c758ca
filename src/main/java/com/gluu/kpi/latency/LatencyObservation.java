package com.gluu.kpi.latency;

import com.gluu.kpi.events.InferenceEvent;

/**
 * What the latency KPIs need of one inference: its key and its three stage latencies (NaN when
 * a stage is absent). Small, so the shuffle to the window operators moves few bytes.
 */
public class LatencyObservation {
    public String service;
    public String model;
    public String endpoint;
    public double totalMs;
    public double modelMs;
    public double llmMs;

    public LatencyObservation() {}

    public static LatencyObservation of(InferenceEvent e) {
        LatencyObservation o = new LatencyObservation();
        o.service = e.service;
        o.model = e.model;
        o.endpoint = e.endpoint;
        o.totalMs = e.totalLatencyMs;
        o.modelMs = e.modelLatencyMs;
        o.llmMs = e.llmLatencyMs;
        return o;
    }
}
