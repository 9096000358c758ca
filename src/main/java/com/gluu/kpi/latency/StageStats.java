package com.gluu.kpi.latency;

import com.datadoghq.sketch.ddsketch.DDSketch;

/** Exact count, sum and maximum, and a quantile sketch, of one latency stage in one window. */
public final class StageStats {
    long count;
    double sum;
    double max;
    final DDSketch sketch;

    public StageStats() {
        this(0, 0, 0, LatencySketches.create());
    }

    StageStats(long count, double sum, double max, DDSketch sketch) {
        this.count = count;
        this.sum = sum;
        this.max = max;
        this.sketch = sketch;
    }

    public void add(double valueMs) {
        count++;
        sum += valueMs;
        max = count == 1 ? valueMs : Math.max(max, valueMs);
        sketch.accept(valueMs);
    }

    public void merge(StageStats other) {
        if (other.count == 0) {
            return;
        }
        max = count == 0 ? other.max : Math.max(max, other.max);
        count += other.count;
        sum += other.sum;
        sketch.mergeWith(other.sketch);
    }

    public long count() {
        return count;
    }

    public double mean() {
        return sum / count;
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
