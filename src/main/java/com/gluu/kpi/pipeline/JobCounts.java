package com.gluu.kpi.pipeline;

import org.apache.flink.api.common.JobExecutionResult;

/** What a finished job read and rejected, from its Flink accumulators. */
public final class JobCounts {
    public static final String RECORDS = "records-read";
    public static final String DEAD_LETTERS = "dead-letters";
    public static final String DUPLICATES = "duplicates";

    public final long records;
    public final long deadLetters;
    public final long duplicates;

    private JobCounts(long records, long deadLetters, long duplicates) {
        this.records = records;
        this.deadLetters = deadLetters;
        this.duplicates = duplicates;
    }

    public static JobCounts of(JobExecutionResult result) {
        return new JobCounts(value(result, RECORDS), value(result, DEAD_LETTERS), value(result, DUPLICATES));
    }

    private static long value(JobExecutionResult result, String name) {
        Object v = result.getAccumulatorResult(name);
        return v == null ? 0 : ((Number) v).longValue();
    }

    /** Events that reached the KPIs: read, less rejected, less duplicates. */
    public long events() {
        return records - deadLetters - duplicates;
    }

    public String describe(String source) {
        return String.format("%s: %,d records read, %,d events counted, %,d duplicates dropped, %,d dead letters",
                source, records, events(), duplicates, deadLetters);
    }
}
