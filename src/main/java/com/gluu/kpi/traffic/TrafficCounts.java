package com.gluu.kpi.traffic;

/** The running counts of one traffic key in one window (a Flink POJO accumulator). */
public class TrafficCounts {
    public long requests;
    public long ok;
    public long clientErrors;
    public long errors;
    public long asyncRequests;
    public long images;
    /** Σ LLM cost in pico-dollars: not a traffic column, carried to the cost rows. */
    public long llmPicoUsd;

    public TrafficCounts() {}

    public void add(TrafficObservation o) {
        requests++;
        switch (o.status) {
            case OK:
                ok++;
                break;
            case CLIENT_ERROR:
                clientErrors++;
                break;
            default:
                errors++;
        }
        if (o.async) {
            asyncRequests++;
        }
        images += o.images;
        llmPicoUsd += o.llmPicoUsd;
    }

    public void merge(TrafficCounts other) {
        requests += other.requests;
        ok += other.ok;
        clientErrors += other.clientErrors;
        errors += other.errors;
        asyncRequests += other.asyncRequests;
        images += other.images;
        llmPicoUsd += other.llmPicoUsd;
    }
}
