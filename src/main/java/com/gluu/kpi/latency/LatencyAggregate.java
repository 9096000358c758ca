package com.gluu.kpi.latency;

import org.apache.flink.api.common.functions.AggregateFunction;

/** Merges a window's partials (from {@link LatencyPartial.Aggregation}) into its accumulator. */
public final class LatencyAggregate implements AggregateFunction<LatencyPartial, LatencyAccumulator, LatencyAccumulator> {
    private static final long serialVersionUID = 1L;

    @Override
    public LatencyAccumulator createAccumulator() {
        return new LatencyAccumulator();
    }

    @Override
    public LatencyAccumulator add(LatencyPartial value, LatencyAccumulator acc) {
        acc.merge(value.stats);
        return acc;
    }

    @Override
    public LatencyAccumulator getResult(LatencyAccumulator acc) {
        return acc;
    }

    @Override
    public LatencyAccumulator merge(LatencyAccumulator a, LatencyAccumulator b) {
        a.merge(b);
        return a;
    }
}
