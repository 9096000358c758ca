package com.gluu.kpi.latency;

import com.datadoghq.sketch.ddsketch.DDSketch;

/**
 * Exact count, sum and maximum, and a quantile sketch, of one latency stage in one window.
 *
 * <p>The sum is kept in whole nanoseconds: integer addition does not depend on the order in
 * which events arrive (floating-point addition does), so a replay, whose interleaving across
 * parallel subtasks differs, writes the very same {@code mean_ms}.
 */
public final class StageStats {
    private static final double NANOS_PER_MS = 1e6;

    long count;
    long sumNanos;
    double max;
    final DDSketch sketch;

    public StageStats() {
        this(0, 0L, 0, LatencySketches.create());
    }

    StageStats(long count, long sumNanos, double max, DDSketch sketch) {
        this.count = count;
        this.sumNanos = sumNanos;
        this.max = max;
        this.sketch = sketch;
    }

    public void add(double valueMs) {
        count++;
        sumNanos += Math.round(valueMs * NANOS_PER_MS);
        max = count == 1 ? valueMs : Math.max(max, valueMs);
        sketch.accept(valueMs);
    }

    public void merge(StageStats other) {
        if (other.count == 0) {
            return;
        }
        max = count == 0 ? other.max : Math.max(max, other.max);
        count += other.count;
        sumNanos += other.sumNanos;
        sketch.mergeWith(other.sketch);
    }

    public long count() {
        return count;
    }

    public double mean() {
        return sumNanos / (double) count / NANOS_PER_MS;
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
