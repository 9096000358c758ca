package com.gluu.kpi.pipeline;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Folds events into per-window partial aggregates before the shuffle, so that the keyed window
 * operators downstream receive one record per row and watermark step instead of one per event.
 *
 * <p>A partial is emitted with the timestamp of its window's last millisecond, so the downstream
 * tumbling window of the same size, or of any multiple of it, puts it in the window containing
 * it and merges it (the job pre-aggregates once per accrual slot, the gcd of its window sizes,
 * for every size). Partials are
 * emitted when the watermark completes their window (before the watermark itself is forwarded,
 * so they are never late downstream); a late event (its window already complete) is folded too and
 * emitted before the next watermark, so the downstream window judges it against the watermark it
 * arrived under, and that watermark fires the window once for all the late partials of the step
 * ({@code OncePerWatermarkTrigger}): one updated row per key, not one re-fire per event. Partials are also emitted before
 * every checkpoint barrier (so this operator has no state to snapshot), before its input goes
 * idle, and when more than
 * {@code maxOpenPartials} are open (bounding memory). Emitting early is always correct: the
 * downstream window merges any number of partials.
 */
public final class WindowPreAggregator<IN, P> extends AbstractStreamOperator<P> implements OneInputStreamOperator<IN, P> {
    private static final long serialVersionUID = 1L;
    /** Open partials per pre-aggregator before it flushes early (bounds its memory). */
    public static final int MAX_OPEN_PARTIALS = 50_000;

    private final long sizeMs;
    private final PartialAggregation<IN, P> aggregation;
    private final int maxOpenPartials;

    /** Window end → row key → partial; ordered so a watermark flushes a prefix. */
    private transient TreeMap<Long, Map<Object, P>> open;
    private transient int openPartials;
    private transient long lastEnd;
    private transient Map<Object, P> lastWindow;

    /**
     * {@code input} folded by {@code aggregation} once per accrual slot of the job's window sizes
     * (their gcd): a slot's partial lies inside one window of every size, so every size merges the
     * same partials. The operator is named {@code name}; it keeps no state (it flushes at
     * checkpoints), so it needs no uid.
     */
    public static <IN, P> SingleOutputStreamOperator<P> perAccrualSlot(DataStream<IN> input, String name,
            PartialAggregation<IN, P> aggregation, Class<P> type, List<Duration> windowSizes) {
        return input
                .transform(name, TypeInformation.of(type),
                        new WindowPreAggregator<>(AccrualSlots.size(windowSizes), aggregation, MAX_OPEN_PARTIALS))
                .name(name);
    }

    public WindowPreAggregator(long sizeMs, PartialAggregation<IN, P> aggregation, int maxOpenPartials) {
        this.sizeMs = sizeMs;
        this.aggregation = aggregation;
        this.maxOpenPartials = maxOpenPartials;
        // Custom operators start a new task by default; chained, the observations reach it as a
        // method call instead of being serialized through a local channel.
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    @Override
    public void open() throws Exception {
        super.open();
        open = new TreeMap<>();
        openPartials = 0;
        lastEnd = Long.MIN_VALUE;
    }

    @Override
    public void processElement(StreamRecord<IN> element) {
        IN input = element.getValue();
        long end = Math.floorDiv(element.getTimestamp(), sizeMs) * sizeMs + sizeMs;
        // A late event (its window already complete) is folded like any other and goes out at the
        // next watermark, before it: the window downstream judges it against the same watermark as
        // if it had been sent at once, but the late events between two watermarks reach it as one
        // partial per row, not one each. (Sent one by one, every late event re-fired the
        // downstream windows over all their inputs: a replay behind its own watermark went
        // quadratic in the cost windows, issue 16. Cost keeps a whole window under one key, so its
        // rows' partials still fired it once each, until OncePerWatermarkTrigger: one fire per
        // window and watermark step.)
        // Most events fall in the newest window: skip the tree lookup for them.
        Map<Object, P> window = end == lastEnd ? lastWindow : open.computeIfAbsent(end, e -> new HashMap<>());
        lastEnd = end;
        lastWindow = window;
        Object key = aggregation.key(input);
        P partial = window.get(key);
        if (partial == null) {
            partial = aggregation.create(input);
            window.put(key, partial);
            openPartials++;
        }
        aggregation.add(partial, input);
        if (openPartials > maxOpenPartials) {
            flushUpTo(Long.MAX_VALUE);
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        // A window [start, end) is complete once the watermark reaches end - 1.
        flushUpTo(mark.getTimestamp() == Long.MAX_VALUE ? Long.MAX_VALUE : mark.getTimestamp() + 1);
        super.processWatermark(mark);
    }

    /**
     * An input going idle stops holding the downstream watermark back: another channel may then
     * carry it past this operator's open windows, and their partials, emitted later, would be
     * late downstream (a drain after a quiet spell lost events that way). So everything open goes
     * out before the idle status does.
     */
    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        if (status.isIdle()) {
            flushUpTo(Long.MAX_VALUE);
        }
        super.processWatermarkStatus(status);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) {
        flushUpTo(Long.MAX_VALUE);
    }

    @Override
    public void finish() throws Exception {
        flushUpTo(Long.MAX_VALUE);
        super.finish();
    }

    /** Emits every partial whose window ends at or before {@code endInclusive}. */
    private void flushUpTo(long endInclusive) {
        Iterator<Map.Entry<Long, Map<Object, P>>> windows = open.headMap(endInclusive, true).entrySet().iterator();
        while (windows.hasNext()) {
            Map.Entry<Long, Map<Object, P>> window = windows.next();
            long timestamp = window.getKey() - 1;
            for (P partial : window.getValue().values()) {
                output.collect(new StreamRecord<>(partial, timestamp));
            }
            openPartials -= window.getValue().size();
            if (window.getValue() == lastWindow) {
                lastWindow = null;
                lastEnd = Long.MIN_VALUE;
            }
            windows.remove();
        }
    }
}
