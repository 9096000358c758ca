package com.gluu.kpi.traffic;

import org.apache.flink.api.common.functions.AggregateFunction;

/** Counts a window's requests by outcome, incrementally. */
public final class TrafficAggregate implements AggregateFunction<TrafficObservation, TrafficCounts, TrafficCounts> {
    private static final long serialVersionUID = 1L;

    @Override
    public TrafficCounts createAccumulator() {
        return new TrafficCounts();
    }

    @Override
    public TrafficCounts add(TrafficObservation value, TrafficCounts acc) {
        acc.add(value);
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
