package com.gluu.kpi.sinks.cloudwatch;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Passes the first row of each window and key, drops the later ones. A window fires once when
 * the watermark passes its end and again at each later watermark that brings it late events
 * within the allowed lateness ({@code OncePerWatermarkTrigger}); the
 * Postgres upsert overwrites, but a metric datapoint adds up, so CloudWatch gets the on-time
 * firing only. The key's state is cleared when the window's lateness is over (no firing can come).
 */
final class FirstFiring<T> extends KeyedProcessFunction<String, T, T> {
    private static final long serialVersionUID = 1L;

    private final KeySelector<T, Long> windowEnd;
    private final long allowedLatenessMs;
    private transient ValueState<Boolean> fired;

    FirstFiring(KeySelector<T, Long> windowEnd, long allowedLatenessMs) {
        this.windowEnd = windowEnd;
        this.allowedLatenessMs = allowedLatenessMs;
    }

    @Override
    public void open(OpenContext context) {
        fired = getRuntimeContext().getState(new ValueStateDescriptor<>("fired", Types.BOOLEAN));
    }

    @Override
    public void processElement(T row, Context ctx, Collector<T> out) throws Exception {
        if (fired.value() != null) {
            return;
        }
        fired.update(true);
        out.collect(row);
        // The window's last firing can come when the watermark reaches end − 1 + lateness.
        ctx.timerService().registerEventTimeTimer(windowEnd.getKey(row) + allowedLatenessMs);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<T> out) {
        fired.clear();
    }
}
