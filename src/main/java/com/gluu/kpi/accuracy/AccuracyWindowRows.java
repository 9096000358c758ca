package com.gluu.kpi.accuracy;

import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Turns a window's counts into its {@code kpi.accuracy} row; accuracy = mean score. */
public final class AccuracyWindowRows
        extends ProcessWindowFunction<AccuracyCounts, AccuracyRow, Tuple2<String, String>, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(Tuple2<String, String> key, Context ctx, Iterable<AccuracyCounts> counts,
            Collector<AccuracyRow> out) {
        AccuracyCounts c = counts.iterator().next();
        AccuracyRow row = new AccuracyRow();
        row.windowStart = ctx.window().getStart();
        row.windowEnd = ctx.window().getEnd();
        row.model = key.f0;
        row.modelVersion = key.f1;
        row.feedback = c.feedback;
        row.correct = c.correct;
        row.partial = c.partial;
        row.incorrect = c.incorrect;
        row.accuracy = c.accuracy();
        out.collect(row);
    }
}
