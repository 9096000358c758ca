package com.gluu.kpi.traffic;

import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.events.InferenceStatus;

/**
 * What the traffic and cost KPIs need of one inference: its key, outcome, mode, image count and
 * the price of its LLM tokens (set by {@link com.gluu.kpi.cost.RequestCosts}); for
 * {@code kpi.tenant_usage}, also its tenant and token counts.
 */
public class TrafficObservation {
    public String service;
    public String route;
    public String model;
    public String endpoint;
    public InferenceStatus status;
    public boolean async;
    public int images;
    /** The calling tenant ({@code client_id}, {@code ""} when absent). */
    public String clientId;
    public long promptTokens;
    public long completionTokens;
    /**
     * LLM cost of the request in pico-dollars (see {@link com.gluu.kpi.cost.CostInput}), exact:
     * {@code llmPicoUsdHigh} · 2^63 + {@code llmPicoUsd} (a {@link com.gluu.kpi.pipeline.WideSum};
     * the high part is 0 for any real price, see {@link com.gluu.kpi.cost.RequestCosts}).
     */
    public long llmPicoUsd;
    public long llmPicoUsdHigh;

    public TrafficObservation() {}

    public static TrafficObservation of(InferenceEvent e) {
        TrafficObservation o = new TrafficObservation();
        o.service = e.service;
        o.route = e.route;
        o.model = e.model;
        o.endpoint = e.endpoint;
        o.status = e.status;
        o.async = e.async;
        o.images = e.images;
        o.clientId = e.clientId;
        o.promptTokens = e.promptTokens;
        o.completionTokens = e.completionTokens;
        return o;
    }
}
