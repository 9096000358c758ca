package com.gluu.kpi.operators;

import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.triggers.TriggerResult;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

/**
 * Flink's {@code EventTimeTrigger}, except for late records: a window fires when the watermark
 * passes its end, as there; a record that arrives after that (within the allowed lateness) does
 * not fire the window at once, as there, but at the next watermark, so all the late records of
 * one watermark step fire a window once.
 *
 * <p>Why: Flink's trigger fires a window for every late record, and a fire emits the window's
 * rows from all its contents. A family keyed by its row's key gets one late partial per key and
 * watermark step from its {@code WindowPreAggregator}, so that was one fire per row anyway; but
 * cost keeps a whole window under one key (its allocation needs all of it), so each late partial
 * re-allocated the whole window: on the 1.78 M-line trace, 10,312 fires of 184 one-minute
 * windows (56 each) and 351 fires of 4 hours (88 each), iterating 4.7 M inputs, about a tenth of
 * the replay's CPU. Once per watermark step the rows are the same (the last fire of a window sees
 * all its records either way, and the upsert sinks keep the last rows), and no later: the
 * pre-aggregators send late partials just before the watermark that fires them.
 *
 * <p>How: a late record registers the event-time timer of its window's end, which is already
 * behind the watermark, so the timer service fires it at the next watermark; the late records of
 * one step register the same timer (Flink keeps one timer per key, window and time). If no
 * watermark comes (every input idle), a processing-time timer, rounded to the second so that a
 * burst shares it, fires the window {@value #STALLED_WATERMARK_FIRE_MS} ms later at most; when
 * the watermark did come first, that is one redundant fire with the same rows.
 *
 * <p>It keeps no state of its own (timers only), so the window operators' savepoint layout is
 * unchanged.
 */
public final class OncePerWatermarkTrigger extends Trigger<Object, TimeWindow> {
    private static final long serialVersionUID = 1L;

    /** The longest a late record waits for its window's fire when the watermark stalls. */
    static final long STALLED_WATERMARK_FIRE_MS = 2_000;

    @Override
    public TriggerResult onElement(Object element, long timestamp, TimeWindow window, TriggerContext ctx) {
        ctx.registerEventTimeTimer(window.maxTimestamp());
        if (window.maxTimestamp() <= ctx.getCurrentWatermark()) {
            long second = ctx.getCurrentProcessingTime() / 1_000 * 1_000;
            ctx.registerProcessingTimeTimer(second + STALLED_WATERMARK_FIRE_MS);
        }
        return TriggerResult.CONTINUE;
    }

    @Override
    public TriggerResult onEventTime(long time, TimeWindow window, TriggerContext ctx) {
        return time == window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
    }

    @Override
    public TriggerResult onProcessingTime(long time, TimeWindow window, TriggerContext ctx) {
        // Only late records register processing-time timers; a window already cleaned up has no
        // contents, and Flink's window operator then emits nothing.
        return TriggerResult.FIRE;
    }

    @Override
    public void clear(TimeWindow window, TriggerContext ctx) {
        ctx.deleteEventTimeTimer(window.maxTimestamp());
        // A pending processing-time timer fires into a cleared window and emits nothing.
    }

    @Override
    public String toString() {
        return "OncePerWatermarkTrigger()";
    }
}
