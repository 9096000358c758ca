package com.gluu.kpi.traffic;

import com.gluu.kpi.pipeline.WideSum;

/**
 * The running counts of one traffic key in one window (a Flink POJO accumulator).
 *
 * <p>No sum can wrap. The counts grow by one per request: 2^63 of them would take 292,000 years
 * at a million a second. {@code images} grows by at most {@code limits.max_images} (10^5) per
 * request, so it needs 9.2 · 10^13 requests in one window (2.9 years of a million a second).
 * The LLM cost is another matter: a request may cost up to 2 · 10^8 tokens × 6 · 10^8
 * pico-dollars ($600 per 1M output tokens, o1-pro's list price, the dearest we know of)
 * = 1.2 · 10^17 pico-dollars, so 77 such requests in a window would pass {@code Long.MAX_VALUE};
 * it is a {@link WideSum}.
 */
public class TrafficCounts {
    public long requests;
    public long ok;
    public long clientErrors;
    public long errors;
    public long asyncRequests;
    public long images;
    /**
     * Σ LLM cost in pico-dollars, {@code llmPicoUsdHigh} · 2^63 + {@code llmPicoUsd} exactly: not
     * a traffic column, carried to the cost rows.
     */
    public long llmPicoUsd;
    public long llmPicoUsdHigh;

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
        llmPicoUsdHigh = WideSum.high(llmPicoUsdHigh, llmPicoUsd, o.llmPicoUsdHigh, o.llmPicoUsd);
        llmPicoUsd = WideSum.low(llmPicoUsd, o.llmPicoUsd);
    }

    public void merge(TrafficCounts other) {
        requests += other.requests;
        ok += other.ok;
        clientErrors += other.clientErrors;
        errors += other.errors;
        asyncRequests += other.asyncRequests;
        images += other.images;
        llmPicoUsdHigh = WideSum.high(llmPicoUsdHigh, llmPicoUsd, other.llmPicoUsdHigh, other.llmPicoUsd);
        llmPicoUsd = WideSum.low(llmPicoUsd, other.llmPicoUsd);
    }
}
