package com.gluu.kpi.jobs;

import org.apache.flink.api.common.functions.AggregateFunction;

/** Folds a window's {@link JobSignal}s into its {@link JobsAccumulator}. */
public final class JobsAggregate implements AggregateFunction<JobSignal, JobsAccumulator, JobsAccumulator> {
    private static final long serialVersionUID = 1L;

    @Override
    public JobsAccumulator createAccumulator() {
        return new JobsAccumulator();
    }

    @Override
    public JobsAccumulator add(JobSignal value, JobsAccumulator acc) {
        acc.add(value);
        return acc;
    }

    @Override
    public JobsAccumulator getResult(JobsAccumulator acc) {
        return acc;
    }

    @Override
    public JobsAccumulator merge(JobsAccumulator a, JobsAccumulator b) {
        a.merge(b);
        return a;
    }
}
