package com.gluu.kpi.pipeline;

import com.gluu.kpi.events.Event;
import java.time.Duration;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Drops repeats of an {@code event_id} (producer retries) within the dedup window of event time,
 * keyed by {@code event_id}. The first copy passes; each later copy is counted in the metric
 * {@code duplicates}. An event-time timer clears the key once the watermark is a whole dedup
 * window past the first copy, so state stays bounded by the event rate times the window.
 */
public final class Deduplicate extends KeyedProcessFunction<String, Event, Event> {
    private static final long serialVersionUID = 1L;

    private final long windowMs;
    private transient ValueState<Long> firstSeen;
    private transient Counter duplicates;
    private transient LongCounter duplicatesTotal;

    public Deduplicate(Duration window) {
        this.windowMs = window.toMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        firstSeen = getRuntimeContext().getState(new ValueStateDescriptor<>("first-seen-ts", Types.LONG));
        duplicates = getRuntimeContext().getMetricGroup().counter("duplicates");
        duplicatesTotal = getRuntimeContext().getLongCounter(JobCounts.DUPLICATES);
    }

    @Override
    public void processElement(Event event, Context ctx, Collector<Event> out) throws Exception {
        Long first = firstSeen.value();
        if (first != null && Math.abs(event.ts - first) <= windowMs) {
            duplicates.inc();
            duplicatesTotal.add(1);
            return;
        }
        if (first == null) {
            firstSeen.update(event.ts);
            ctx.timerService().registerEventTimeTimer(event.ts + windowMs);
        }
        out.collect(event);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Event> out) {
        firstSeen.clear();
    }
}
