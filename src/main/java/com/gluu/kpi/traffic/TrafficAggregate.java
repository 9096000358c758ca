package com.gluu.kpi.traffic;

import org.apache.flink.api.common.functions.AggregateFunction;

/** Merges a window's partials (from {@link TrafficPartial.Aggregation}) into its counts. */
public final class TrafficAggregate implements AggregateFunction<TrafficPartial, TrafficCounts, TrafficCounts> {
    private static final long serialVersionUID = 1L;

    @Override
    public TrafficCounts createAccumulator() {
        return new TrafficCounts();
    }

    @Override
    public TrafficCounts add(TrafficPartial value, TrafficCounts acc) {
        acc.merge(value.counts);
        return acc;
    }

    @Override
    public TrafficCounts getResult(TrafficCounts acc) {
        return acc;
    }

    @Override
    public TrafficCounts merge(TrafficCounts a, TrafficCounts b) {
        a.merge(b);
        return a;
    }
}
