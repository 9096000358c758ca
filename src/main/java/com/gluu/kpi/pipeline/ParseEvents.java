package com.gluu.kpi.pipeline;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.events.DeadLetterReason;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventParser;
import com.gluu.kpi.events.InputLimits;
import com.gluu.kpi.events.InvalidEventException;
import com.gluu.kpi.events.RawRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.OutputTag;

/**
 * Parses and validates raw records, and admits their event time through the {@link
 * EventTimeGate}. Valid events go to the main output; every rejected record goes to {@link
 * #DEAD_LETTERS} with its reason and is counted in the metric {@code deadLetters} (one counter
 * per reason). Nothing is dropped and nothing throws.
 *
 * <p><b>File replay</b> (watermarks after parsing): records more than {@code time.max_jump}
 * ahead of the stream's event time are held in this operator's state until event time reaches
 * them or their jump is confirmed (see {@link EventTimeGate}), so the watermark assigner
 * downstream, which follows the records emitted, is not moved by one of them. When the input
 * ends — the final watermark ({@code Long.MAX_VALUE}) arrives, which a source sends before its
 * operators are told the input ended — the held records get their verdicts and are emitted
 * before that watermark is passed on, so none is late and {@link InputEndMarker} counts them in
 * the latest event time. ({@link #endInput} sends the final watermark itself if it never came.)
 *
 * <p><b>Kinesis</b> ({@link #withSourceWatermarks}): too late and far future are judged against
 * the watermark arriving from the source, per shard, whose generator keeps outliers from moving
 * it ({@code KinesisWatermarks}); nothing is held here.
 *
 * <p><b>Counts that survive a restart.</b> Records read and dead letters by reason are kept in
 * operator state as well as in the accumulators {@link JobCounts} reads. A restored subtask
 * adds the counts of its checkpoint to the accumulators and metrics of its new attempt (Flink's
 * job result merges the accumulators of the latest attempt of each subtask), and the source
 * resumes from the same checkpoint, so after a failover the job's counts are the input's, not
 * those read since the restart. On a rescale the entries are redistributed; their sum is kept.
 */
public final class ParseEvents extends AbstractStreamOperator<Event>
        implements OneInputStreamOperator<RawRecord, Event>, BoundedOneInput {
    private static final long serialVersionUID = 2L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    /** Payload held per subtask at most, besides {@code time.max_held_records}. */
    public static final long MAX_HELD_BYTES = 64L << 20;
    static final int COUNTS_FORMAT_VERSION = 1;

    private static final DeadLetterReason[] REASONS = DeadLetterReason.values();

    private final Duration maxOutOfOrderness;
    private final Duration allowedLateness;
    private final Duration maxFuture;
    private final Duration maxJump;
    private final int jumpConfirmations;
    private final int maxHeldRecords;
    private final long maxHeldBytes;
    /** Judge time against the incoming watermark (per-shard, from the source) instead of the gate's own. */
    private final boolean sourceWatermarks;
    private final InputLimits limits;

    private transient EventParser parser;
    private transient EventTimeGate<RawRecord> gate;
    private transient ListState<byte[]> gateState;
    private transient ListState<byte[]> countsState;
    private transient long recordsRead;
    private transient long[] deadLetters;
    private transient long restoredRecordsRead;
    private transient long[] restoredDeadLetters;
    private transient Counter[] deadLetterCounters;
    private transient LongCounter recordsReadTotal;
    private transient LongCounter deadLettersTotal;
    private transient long currentWatermark;
    private transient StreamRecord<Event> reuse;
    private transient EventTimeGate.Verdicts<RawRecord> verdicts;
    /** The record being processed and its parsed event, so a record admitted at once is parsed once. */
    private transient RawRecord currentRecord;
    private transient Event currentEvent;

    /** With the SPEC's default input limits and the default hold ({@code time.*} defaults). */
    public ParseEvents(Duration maxOutOfOrderness, Duration allowedLateness, Duration maxFuture) {
        this(maxOutOfOrderness, allowedLateness, maxFuture, JobConfig.defaults().get(JobConfig.MAX_JUMP),
                JobConfig.defaults().get(JobConfig.JUMP_CONFIRMATIONS),
                JobConfig.defaults().get(JobConfig.MAX_HELD_RECORDS), MAX_HELD_BYTES, false, InputLimits.defaults());
    }

    ParseEvents(Duration maxOutOfOrderness, Duration allowedLateness, Duration maxFuture, Duration maxJump,
            int jumpConfirmations, int maxHeldRecords, long maxHeldBytes, boolean sourceWatermarks, InputLimits limits) {
        this.maxOutOfOrderness = maxOutOfOrderness;
        this.allowedLateness = allowedLateness;
        this.maxFuture = maxFuture;
        this.maxJump = maxJump;
        this.jumpConfirmations = jumpConfirmations;
        this.maxHeldRecords = maxHeldRecords;
        this.maxHeldBytes = maxHeldBytes;
        this.sourceWatermarks = sourceWatermarks;
        this.limits = limits;
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    /** The parse step of a job with {@code config}'s time settings and input limits. */
    public static ParseEvents forJob(JobConfig config, boolean sourceWatermarks) {
        return new ParseEvents(config.get(JobConfig.MAX_OUT_OF_ORDERNESS), config.get(JobConfig.ALLOWED_LATENESS),
                config.get(JobConfig.MAX_FUTURE), config.get(JobConfig.MAX_JUMP),
                config.get(JobConfig.JUMP_CONFIRMATIONS), config.get(JobConfig.MAX_HELD_RECORDS), MAX_HELD_BYTES,
                sourceWatermarks, InputLimits.from(config));
    }

    /**
     * For a source that generates its own watermarks per partition (Kinesis): too late and far
     * future are judged against the watermark arriving from the source, the minimum over the
     * shards this subtask reads, not against the highest {@code ts} this subtask has seen.
     */
    public static ParseEvents withSourceWatermarks(Duration maxOutOfOrderness, Duration allowedLateness,
            Duration maxFuture) {
        JobConfig defaults = JobConfig.defaults();
        return new ParseEvents(maxOutOfOrderness, allowedLateness, maxFuture, defaults.get(JobConfig.MAX_JUMP),
                defaults.get(JobConfig.JUMP_CONFIRMATIONS), defaults.get(JobConfig.MAX_HELD_RECORDS), MAX_HELD_BYTES,
                true, InputLimits.defaults());
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        parser = new EventParser(limits);
        gate = new EventTimeGate<>(maxOutOfOrderness, allowedLateness, maxFuture, maxJump, jumpConfirmations,
                maxHeldRecords, maxHeldBytes);
        recordsRead = 0;
        deadLetters = new long[REASONS.length];
        // One entry per subtask, redistributed on restore (a subtask given several merges them).
        // Not union state: with a single file split the other source subtasks finish at once, and
        // Flink declines every checkpoint of an operator with union state that is partly finished.
        OperatorStateStore store = context.getOperatorStateStore();
        gateState = store.getListState(
                new ListStateDescriptor<>("event-time-gate-v2", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        for (byte[] blob : gateState.get()) {
            gate.restore(new DataInputStream(new ByteArrayInputStream(blob)), RAW_RECORDS);
        }
        if (store.getRegisteredStateNames().contains(LEGACY_GATE_STATE)) {
            // A checkpoint of the build before the hold: the highest accepted ts per subtask.
            ListState<Long> legacy = store.getListState(new ListStateDescriptor<>(LEGACY_GATE_STATE, Types.LONG));
            for (Long maxTs : legacy.get()) {
                gate.restoreMaxAcceptedTs(maxTs);
            }
            legacy.clear();
        }
        countsState = store.getListState(
                new ListStateDescriptor<>("parse-counts", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        for (byte[] blob : countsState.get()) {
            readCounts(blob);
        }
        restoredRecordsRead = recordsRead;
        restoredDeadLetters = deadLetters.clone();
    }

    private static final String LEGACY_GATE_STATE = "event-time-gate";

    @Override
    public void open() throws Exception {
        super.open();
        currentWatermark = Long.MIN_VALUE;
        reuse = new StreamRecord<>(null);
        verdicts = new GateVerdicts();
        recordsReadTotal = getRuntimeContext().getLongCounter(JobCounts.RECORDS);
        deadLettersTotal = getRuntimeContext().getLongCounter(JobCounts.DEAD_LETTERS);
        deadLetterCounters = new Counter[REASONS.length];
        for (DeadLetterReason reason : REASONS) {
            deadLetterCounters[reason.ordinal()] =
                    getMetricGroup().addGroup("reason", reason.wireName()).counter("deadLetters");
        }
        // This attempt's accumulators and metrics go on from the counts of the checkpoint it
        // restored (zero on a fresh start).
        recordsReadTotal.add(restoredRecordsRead);
        for (DeadLetterReason reason : REASONS) {
            long n = restoredDeadLetters[reason.ordinal()];
            deadLettersTotal.add(n);
            deadLetterCounters[reason.ordinal()].inc(n);
        }
    }

    @Override
    public void processElement(StreamRecord<RawRecord> element) {
        RawRecord record = element.getValue();
        recordsRead++;
        recordsReadTotal.add(1);
        Event event;
        try {
            event = parser.parseOrTake(record); // parsed ahead by a file source's reading thread, or now
        } catch (InvalidEventException e) {
            reject(DeadLetter.of(record, e.reason(), e.getMessage()));
            return;
        }
        long now = System.currentTimeMillis();
        if (sourceWatermarks) {
            DeadLetterReason problem = gate.judge(event.ts, currentWatermark, now);
            if (problem != null) {
                reject(timeDeadLetter(record, event, problem, gate.detail(problem, event.ts, currentWatermark)));
            } else {
                emit(event);
            }
            return;
        }
        currentRecord = record;
        currentEvent = event;
        try {
            gate.offer(record, event.ts, record.payload.length, now, verdicts);
        } finally {
            currentRecord = null;
            currentEvent = null;
        }
    }

    /** The gate's verdicts: a held record is parsed again when it is released (same parser, same result). */
    private final class GateVerdicts implements EventTimeGate.Verdicts<RawRecord> {
        @Override
        public void admit(RawRecord record, long ts) {
            Event event = eventOf(record);
            if (event != null) {
                emit(event);
            }
        }

        @Override
        public void reject(RawRecord record, long ts, DeadLetterReason reason, String detail) {
            Event event = eventOf(record);
            if (event != null) {
                ParseEvents.this.reject(timeDeadLetter(record, event, reason, detail));
            }
        }

        private Event eventOf(RawRecord record) {
            if (record == currentRecord) {
                return currentEvent;
            }
            try {
                return parser.parse(record);
            } catch (InvalidEventException e) {
                // Only if the input limits changed between a checkpoint and its restore.
                ParseEvents.this.reject(DeadLetter.of(record, e.reason(), e.getMessage()));
                return null;
            }
        }
    }

    private void emit(Event event) {
        output.collect(reuse.replace(event, event.ts));
    }

    private static DeadLetter timeDeadLetter(RawRecord record, Event event, DeadLetterReason reason, String detail) {
        DeadLetter d = DeadLetter.of(record, reason, detail);
        d.eventId = event.eventId;
        d.eventTs = event.ts;
        return d;
    }

    private void reject(DeadLetter deadLetter) {
        int reason = DeadLetterReason.valueOf(deadLetter.reason.toUpperCase(java.util.Locale.ROOT)).ordinal();
        deadLetters[reason]++;
        deadLettersTotal.add(1);
        deadLetterCounters[reason].inc();
        output.collect(DEAD_LETTERS, new StreamRecord<>(deadLetter));
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        currentWatermark = mark.getTimestamp();
        if (mark.getTimestamp() == Long.MAX_VALUE) {
            endOfInput();
        }
        super.processWatermark(mark);
    }

    /**
     * The input ended (a file's end, or a stop with {@code --drain}). Normally the final
     * watermark has passed already; if it has not, this sends it. Flink 1.20 drops it when the
     * source is idle at that moment (its outputs drop watermarks while they announce IDLE, and
     * {@code advanceToEndOfEventTime} does not announce ACTIVE first: FLINK-40499), so a Kinesis
     * job stopped with {@code --drain} after a quiet spell would otherwise never fire its last
     * windows. The operators chained after this one end their input after it.
     */
    @Override
    public void endInput() throws Exception {
        if (currentWatermark != Long.MAX_VALUE) {
            output.emitWatermarkStatus(WatermarkStatus.ACTIVE);
            processWatermark(Watermark.MAX_WATERMARK);
        }
    }

    private void endOfInput() {
        if (!sourceWatermarks) {
            gate.endOfInput(verdicts);
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + gate.heldRecords() * 16 + (int) gate.heldBytes());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            gate.snapshot(out, RAW_RECORDS);
        }
        gateState.update(List.of(bytes.toByteArray()));
        countsState.update(List.of(writeCounts()));
    }

    private byte[] writeCounts() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + REASONS.length * 24);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(COUNTS_FORMAT_VERSION);
            out.writeLong(recordsRead);
            int n = 0;
            for (long c : deadLetters) {
                n += c != 0 ? 1 : 0;
            }
            out.writeInt(n);
            for (DeadLetterReason reason : REASONS) {
                if (deadLetters[reason.ordinal()] != 0) {
                    out.writeUTF(reason.wireName());
                    out.writeLong(deadLetters[reason.ordinal()]);
                }
            }
        }
        return bytes.toByteArray();
    }

    /** Adds one restored entry (several after a rescale: their sum is what counts). */
    private void readCounts(byte[] blob) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(blob));
        int version = in.readInt();
        if (version != COUNTS_FORMAT_VERSION) {
            throw new IOException("parse counts have format version " + version + "; this build reads "
                    + COUNTS_FORMAT_VERSION);
        }
        recordsRead += in.readLong();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            String reason = in.readUTF();
            deadLetters[DeadLetterReason.valueOf(reason.toUpperCase(java.util.Locale.ROOT)).ordinal()] += in.readLong();
        }
    }

    /** Dead letters of this subtask since the job started, restored ones included (for tests). */
    long deadLetters(DeadLetterReason reason) {
        return deadLetters[reason.ordinal()];
    }

    /** Held records in the checkpoint: origin, position, payload, size, and the ts the source read. */
    static final EventTimeGate.ItemCodec<RawRecord> RAW_RECORDS = new EventTimeGate.ItemCodec<>() {
        @Override
        public void write(RawRecord r, DataOutputStream out) throws IOException {
            writeText(r.origin, out);
            writeText(r.position, out);
            out.writeInt(r.payload.length);
            out.write(r.payload);
            out.writeInt(r.size);
            out.writeLong(r.eventTs);
        }

        @Override
        public RawRecord read(DataInputStream in) throws IOException {
            String origin = readText(in);
            String position = readText(in);
            byte[] payload = new byte[in.readInt()];
            in.readFully(payload);
            RawRecord r = new RawRecord(origin, position, payload, in.readInt());
            r.eventTs = in.readLong();
            return r;
        }
    };

    private static void writeText(String s, DataOutputStream out) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readText(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
