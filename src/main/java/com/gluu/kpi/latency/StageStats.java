package com.gluu.kpi.latency;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.gluu.kpi.pipeline.WideSum;

/**
 * Exact count, sum and maximum, and a quantile sketch, of one latency stage in one window.
 *
 * <p>The sum is kept in whole nanoseconds: integer addition does not depend on the order in
 * which events arrive (floating-point addition does), so a replay, whose interleaving across
 * parallel subtasks differs, writes the very same {@code mean_ms}.
 *
 * <p>It cannot wrap. The parser admits latencies up to {@code limits.max_latency_ms} (one day by
 * default, at most 2^31 − 1 ms by the config's own bound), i.e. at most 8.64 · 10^13 ns per value
 * (2.15 · 10^15 ns at the config's bound), far below 2^63 ≈ 9.22 · 10^18. But a long sum of them
 * is not safe: 9.22 · 10^18 / 8.64 · 10^13 = 106,751.99, so 106,752 one-day latencies in one
 * window and key — a flood of a few seconds — would overflow. The sum is therefore a
 * {@link WideSum} (a low long, and a high long that counts carries of 2^63), exact up to 2^126
 * ns; while the sum fits a long (every realistic window: 3.6 million requests an hour of 2.6 s
 * each sum to 9.4 · 10^15 ns) it is that long and the high part is 0. The count is a plain
 * long: 2^63 events would take 292,000 years at a million a second.
 */
public final class StageStats {
    private static final double NANOS_PER_MS = 1e6;

    long count;
    /** Σ nanoseconds = {@code sumNanosHigh} · 2^63 + {@code sumNanos}, with 0 ≤ sumNanos &lt; 2^63. */
    long sumNanos;
    long sumNanosHigh;
    double max;
    final DDSketch sketch;

    public StageStats() {
        this(0, 0L, 0L, 0, LatencySketches.create());
    }

    StageStats(long count, long sumNanosHigh, long sumNanos, double max, DDSketch sketch) {
        this.count = count;
        this.sumNanosHigh = sumNanosHigh;
        this.sumNanos = sumNanos;
        this.max = max;
        this.sketch = sketch;
    }

    /** Adds one latency, 0 ≤ {@code valueMs} ≤ 9.2 · 10^12 (the parser's limit is far below). */
    public void add(double valueMs) {
        long nanos = Math.round(valueMs * NANOS_PER_MS);
        count++;
        sumNanosHigh = WideSum.high(sumNanosHigh, sumNanos, 0, nanos);
        sumNanos = WideSum.low(sumNanos, nanos);
        max = count == 1 ? valueMs : Math.max(max, valueMs);
        sketch.accept(valueMs);
    }

    public void merge(StageStats other) {
        if (other.count == 0) {
            return;
        }
        max = count == 0 ? other.max : Math.max(max, other.max);
        count += other.count;
        sumNanosHigh = WideSum.high(sumNanosHigh, sumNanos, other.sumNanosHigh, other.sumNanos);
        sumNanos = WideSum.low(sumNanos, other.sumNanos);
        sketch.mergeWith(other.sketch);
    }

    public long count() {
        return count;
    }

    /** The exact mean in milliseconds, correctly rounded to a double. */
    public double mean() {
        if (count == 0) {
            return Double.NaN;
        }
        return WideSum.ratio(sumNanosHigh, sumNanos, count, (long) NANOS_PER_MS);
    }

    public double max() {
        return max;
    }

    public double quantile(double q) {
        return sketch.getValueAtQuantile(q);
    }

    public DDSketch sketch() {
        return sketch;
    }
}
