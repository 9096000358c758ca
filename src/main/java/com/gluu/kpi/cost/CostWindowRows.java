package com.gluu.kpi.cost;

import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Computes a window's cost rows from all its inputs ({@link CostAllocation}). The window keeps
 * its inputs (pre-aggregated requests and one record per endpoint or service and accrual slot,
 * so a few hundred per window), because the Fargate split needs all of them at once; a late
 * input re-fires the window and the upsert replaces its rows.
 */
public final class CostWindowRows extends ProcessWindowFunction<CostInput, CostRow, String, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(String key, Context ctx, Iterable<CostInput> inputs, Collector<CostRow> out) {
        for (CostRow row : CostAllocation.rows(ctx.window().getStart(), ctx.window().getEnd(), inputs)) {
            out.collect(row);
        }
    }
}
