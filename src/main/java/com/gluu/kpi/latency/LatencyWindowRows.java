package com.gluu.kpi.latency;

import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Turns a window's accumulator into its {@code kpi.latency} rows: one per stage that has values.
 * A late firing emits the whole window again, which the sink upserts over the earlier row.
 */
public final class LatencyWindowRows
        extends ProcessWindowFunction<LatencyAccumulator, LatencyRow, Tuple3<String, String, String>, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(Tuple3<String, String, String> key, Context ctx, Iterable<LatencyAccumulator> accs,
            Collector<LatencyRow> out) {
        LatencyAccumulator acc = accs.iterator().next();
        for (LatencyStage stage : LatencyStage.values()) {
            StageStats s = acc.stage(stage);
            if (s.count() == 0) {
                continue;
            }
            out.collect(toRow(ctx.window(), key, stage, s));
        }
    }

    static LatencyRow toRow(TimeWindow window, Tuple3<String, String, String> key, LatencyStage stage, StageStats s) {
        LatencyRow row = new LatencyRow();
        row.windowStart = window.getStart();
        row.windowEnd = window.getEnd();
        row.service = key.f0;
        row.model = key.f1;
        row.endpoint = key.f2;
        row.stage = stage.wireName();
        row.count = s.count();
        row.p50Ms = s.quantile(0.50);
        row.p90Ms = s.quantile(0.90);
        row.p95Ms = s.quantile(0.95);
        row.p99Ms = s.quantile(0.99);
        row.maxMs = s.max();
        row.meanMs = s.mean();
        row.sketch = LatencySketches.toBytes(s.sketch());
        return row;
    }
}
