package com.gluu.kpi.latency;

import org.apache.flink.api.common.functions.AggregateFunction;

/** Folds observations into a window's {@link LatencyAccumulator}, incrementally. */
public final class LatencyAggregate implements AggregateFunction<LatencyObservation, LatencyAccumulator, LatencyAccumulator> {
    private static final long serialVersionUID = 1L;

    @Override
    public LatencyAccumulator createAccumulator() {
        return new LatencyAccumulator();
    }

    @Override
    public LatencyAccumulator add(LatencyObservation value, LatencyAccumulator acc) {
        acc.add(value);
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
