package com.gluu.kpi.accuracy;

import org.apache.flink.api.common.functions.AggregateFunction;

/** Counts a window's accuracy observations. */
public final class AccuracyAggregate implements AggregateFunction<AccuracyObservation, AccuracyCounts, AccuracyCounts> {
    private static final long serialVersionUID = 1L;

    @Override
    public AccuracyCounts createAccumulator() {
        return new AccuracyCounts();
    }

    @Override
    public AccuracyCounts add(AccuracyObservation value, AccuracyCounts acc) {
        acc.add(value);
        return acc;
    }

    @Override
    public AccuracyCounts getResult(AccuracyCounts acc) {
        return acc;
    }

    @Override
    public AccuracyCounts merge(AccuracyCounts a, AccuracyCounts b) {
        a.merge(b);
        return a;
    }
}
