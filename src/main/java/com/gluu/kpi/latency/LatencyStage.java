package com.gluu.kpi.latency;

/** The stages of {@code latency_ms} (SPEC §4 {@code kpi.latency.stage}). */
public enum LatencyStage {
    TOTAL,
    MODEL,
    LLM;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
