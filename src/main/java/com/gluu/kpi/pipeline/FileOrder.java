package com.gluu.kpi.pipeline;

import com.gluu.kpi.events.RawRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the records of a file read in byte ranges ({@code LineRanges}, several source subtasks)
 * back in file order, and numbers each by its line in the file, so the parse step after it, at
 * parallelism 1, sees exactly the sequence one reader of the whole file would have given it.
 * That is what keeps a replay deterministic whatever the parallelism: the event-time gate's
 * verdicts ({@code too_late}, held records) and dedup's first copies depend on the order of the
 * input, and dead-letter ids on line numbers.
 *
 * <p>Records of the range starting where the previous one ended are passed on at once; records of
 * ranges further on wait here until every range before theirs has ended (its {@link
 * RawRecord#rangeEnd} marker says where the next starts and how many lines it had). Readers take
 * ranges lowest first, so what waits is about the ranges the other readers are in.
 *
 * <p>State (operator list state {@code file-order}, one entry, format {@link #FORMAT_VERSION}):
 * where the next range starts, the lines before it, and the waiting ranges with their records
 * (without what was parsed ahead: the parse step parses them again, same parser, same result).
 */
public final class FileOrder extends AbstractStreamOperator<RawRecord>
        implements OneInputStreamOperator<RawRecord, RawRecord>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    static final int FORMAT_VERSION = 1;
    private static final Logger LOG = LoggerFactory.getLogger(FileOrder.class);

    /** A range that cannot be emitted yet: its records so far and, once it came, its end. */
    private static final class Waiting {
        final List<RawRecord> records = new ArrayList<>();
        long end = -1;
        long lines = -1;

        boolean ended() {
            return lines >= 0;
        }
    }

    private transient long nextStart;
    private transient long linesBefore;
    private transient TreeMap<Long, Waiting> waiting;
    private transient long waitingRecords;
    private transient long mostWaiting;
    private transient ListState<byte[]> state;
    private transient StreamRecord<RawRecord> reuse;

    public FileOrder() {
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        nextStart = 0;
        linesBefore = 0;
        waiting = new TreeMap<>();
        state = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("file-order", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        int entries = 0;
        for (byte[] blob : state.get()) {
            if (++entries > 1) {
                throw new IllegalStateException("file-order state has several entries; this operator runs at parallelism 1");
            }
            restore(blob);
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        reuse = new StreamRecord<>(null);
    }

    @Override
    public void processElement(StreamRecord<RawRecord> element) {
        RawRecord record = element.getValue();
        if (record.rangeStart < 0) {
            throw new IllegalStateException("FileOrder reads ranged records only; got " + record.id());
        }
        if (record.rangeStart == nextStart) {
            take(record);
            emitWaiting();
            return;
        }
        Waiting range = waiting.computeIfAbsent(record.rangeStart, start -> new Waiting());
        if (record.isRangeEnd()) {
            range.end = record.rangeEnd;
            range.lines = record.rangeLines;
        } else {
            range.records.add(record);
            waitingRecords++;
            mostWaiting = Math.max(mostWaiting, waitingRecords);
        }
    }

    /** A record of the range being emitted: passed on, or that range's end. */
    private void take(RawRecord record) {
        if (record.isRangeEnd()) {
            nextStart = record.rangeEnd;
            linesBefore += record.rangeLines;
            return;
        }
        record.numberInFile(linesBefore + Long.parseLong(record.position));
        output.collect(reuse.replace(record));
    }

    /** Emits the ranges that waited for the one just ended, as far as they go in order. */
    private void emitWaiting() {
        Waiting next;
        while ((next = waiting.remove(nextStart)) != null) {
            long start = nextStart;
            for (RawRecord record : next.records) {
                take(record);
            }
            waitingRecords -= next.records.size();
            if (!next.ended()) {
                return; // its reader is still in it: the rest of it comes in order
            }
            take(RawRecord.rangeEnd(null, start, next.end, next.lines));
        }
    }

    /**
     * Every range has ended before the input does (the readers end after their last range); a
     * range still waiting means one before it never came, which only a bug could cause: failing
     * says so instead of writing rows with lines missing or misnumbered.
     */
    @Override
    public void endInput() {
        if (!waiting.isEmpty()) {
            throw new IllegalStateException("the input ended with " + waiting.size() + " byte ranges waiting for the one at "
                    + nextStart + " (first waiting: " + waiting.firstKey() + ")");
        }
        LOG.info("file order: {} lines in ranges, at most {} records waited for an earlier range", linesBefore,
                mostWaiting);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT_VERSION);
            out.writeLong(nextStart);
            out.writeLong(linesBefore);
            out.writeInt(waiting.size());
            for (Map.Entry<Long, Waiting> e : waiting.entrySet()) {
                Waiting range = e.getValue();
                out.writeLong(e.getKey());
                out.writeLong(range.end);
                out.writeLong(range.lines);
                out.writeInt(range.records.size());
                for (RawRecord r : range.records) {
                    ParseEvents.RAW_RECORDS.write(r, out);
                }
            }
        }
        state.update(List.of(bytes.toByteArray()));
    }

    private void restore(byte[] blob) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(blob));
        int version = in.readInt();
        if (version != FORMAT_VERSION) {
            throw new IOException("file-order state has format version " + version + "; this build reads " + FORMAT_VERSION);
        }
        nextStart = in.readLong();
        linesBefore = in.readLong();
        int ranges = in.readInt();
        for (int i = 0; i < ranges; i++) {
            long start = in.readLong();
            Waiting range = new Waiting();
            range.end = in.readLong();
            range.lines = in.readLong();
            int n = in.readInt();
            for (int j = 0; j < n; j++) {
                RawRecord r = ParseEvents.RAW_RECORDS.read(in);
                r.rangeStart = start;
                range.records.add(r);
            }
            waitingRecords += n;
            waiting.put(start, range);
        }
    }

    /** Records waiting for an earlier range now (for tests). */
    long waitingRecords() {
        return waitingRecords;
    }
}
