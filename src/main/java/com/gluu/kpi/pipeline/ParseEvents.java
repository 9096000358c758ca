package com.gluu.kpi.pipeline;

import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.events.DeadLetterReason;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventParser;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.InputLimits;
import com.gluu.kpi.events.InvalidEventException;
import com.gluu.kpi.events.RawRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Parses and validates raw records, and admits their event time through the {@link
 * EventTimeGate}. Valid events go to the main output; every rejected record goes to {@link
 * #DEAD_LETTERS} with its reason and is counted in the metric {@code deadLetters} (one counter
 * per reason). Nothing is dropped and nothing throws.
 */
public final class ParseEvents extends ProcessFunction<RawRecord, Event> implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private final Duration maxOutOfOrderness;
    private final Duration allowedLateness;
    private final Duration maxFuture;
    /** Judge time against the incoming watermark (per-shard, from the source) instead of the gate's own. */
    private final boolean sourceWatermarks;
    private final InputLimits limits;

    private transient EventParser parser;
    private transient EventTimeGate gate;
    private transient ListState<Long> gateState;
    private transient Map<DeadLetterReason, Counter> deadLetterCounters;
    private transient LongCounter recordsRead;
    private transient LongCounter deadLettersTotal;

    /** With the SPEC's default input limits. */
    public ParseEvents(Duration maxOutOfOrderness, Duration allowedLateness, Duration maxFuture) {
        this(maxOutOfOrderness, allowedLateness, maxFuture, false, InputLimits.defaults());
    }

    private ParseEvents(Duration maxOutOfOrderness, Duration allowedLateness, Duration maxFuture, boolean sourceWatermarks,
            InputLimits limits) {
        this.maxOutOfOrderness = maxOutOfOrderness;
        this.allowedLateness = allowedLateness;
        this.maxFuture = maxFuture;
        this.sourceWatermarks = sourceWatermarks;
        this.limits = limits;
    }

    /** The parse step of a job with {@code config}'s time settings and input limits. */
    public static ParseEvents forJob(JobConfig config, boolean sourceWatermarks) {
        return new ParseEvents(config.get(JobConfig.MAX_OUT_OF_ORDERNESS), config.get(JobConfig.ALLOWED_LATENESS),
                config.get(JobConfig.MAX_FUTURE), sourceWatermarks, InputLimits.from(config));
    }

    /**
     * For a source that generates its own watermarks per partition (Kinesis): too late and far
     * future are judged against the watermark arriving from the source, the minimum over the
     * shards this subtask reads, not against the highest {@code ts} this subtask has seen.
     */
    public static ParseEvents withSourceWatermarks(Duration maxOutOfOrderness, Duration allowedLateness,
            Duration maxFuture) {
        return new ParseEvents(maxOutOfOrderness, allowedLateness, maxFuture, true, InputLimits.defaults());
    }

    @Override
    public void open(OpenContext openContext) {
        parser = new EventParser(limits);
        recordsRead = getRuntimeContext().getLongCounter(JobCounts.RECORDS);
        deadLettersTotal = getRuntimeContext().getLongCounter(JobCounts.DEAD_LETTERS);
        deadLetterCounters = new EnumMap<>(DeadLetterReason.class);
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            deadLetterCounters.put(reason,
                    getRuntimeContext().getMetricGroup().addGroup("reason", reason.wireName()).counter("deadLetters"));
        }
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<Event> out) {
        recordsRead.add(1);
        Event event;
        try {
            event = parser.parse(record);
        } catch (InvalidEventException e) {
            reject(ctx, DeadLetter.of(record, e.reason(), e.getMessage()));
            return;
        }
        long watermark = sourceWatermarks ? ctx.timerService().currentWatermark() : gate.watermark();
        DeadLetterReason timeProblem = sourceWatermarks
                ? gate.judge(event.ts, watermark, System.currentTimeMillis())
                : gate.admit(event.ts, System.currentTimeMillis());
        if (timeProblem != null) {
            DeadLetter d = DeadLetter.of(record, timeProblem, timeDetail(timeProblem, event.ts, watermark));
            d.eventId = event.eventId;
            d.eventTs = event.ts;
            reject(ctx, d);
            return;
        }
        out.collect(event);
    }

    private String timeDetail(DeadLetterReason reason, long ts, long watermarkMs) {
        String watermark = watermarkMs == Long.MIN_VALUE ? "none" : Instant.ofEpochMilli(watermarkMs).toString();
        if (reason == DeadLetterReason.TOO_LATE) {
            return "ts " + Instant.ofEpochMilli(ts) + " is more than " + allowedLateness.toSeconds()
                    + " s behind the watermark " + watermark;
        }
        return "ts " + Instant.ofEpochMilli(ts) + " is more than " + maxFuture.toHours()
                + " h ahead of the watermark " + watermark + " and of the wall clock";
    }

    private void reject(Context ctx, DeadLetter deadLetter) {
        deadLettersTotal.add(1);
        deadLetterCounters.get(DeadLetterReason.valueOf(deadLetter.reason.toUpperCase(java.util.Locale.ROOT))).inc();
        ctx.output(DEAD_LETTERS, deadLetter);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        gateState.update(java.util.List.of(gate.maxAcceptedTs()));
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        gate = new EventTimeGate(maxOutOfOrderness, allowedLateness, maxFuture);
        // One entry per subtask, redistributed on restore; a subtask that gets several after a
        // rescale resumes from the highest. Not union state: with a single file split the other
        // source subtasks finish at once, and Flink declines every checkpoint of an operator
        // with union state that is partly finished.
        gateState = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>("event-time-gate", Types.LONG));
        for (Long maxTs : gateState.get()) {
            gate.restore(maxTs);
        }
    }
}
