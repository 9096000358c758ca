package com.gluu.kpi.events;

/**
 * One finished call of the analysis API (SPEC §2, type {@code inference}).
 *
 * <p>Optional dimensions are stored as {@code ""} (never null) so they can be part of a key;
 * optional latencies are {@code NaN} when absent and optional counts are {@code -1}.
 */
public class InferenceEvent {
    public String requestId;
    public String service;
    public String route = "";
    public String model;
    public String modelVersion = "";
    public String endpoint = "";
    public String clientId = "";
    public boolean async;
    public InferenceStatus status;
    public int httpStatus = -1;
    public String errorType = "";
    public double totalLatencyMs;
    public double modelLatencyMs = Double.NaN;
    public double llmLatencyMs = Double.NaN;
    public String llmModel = "";
    public long promptTokens;
    public long completionTokens;
    public int images;

    public InferenceEvent() {}
}
