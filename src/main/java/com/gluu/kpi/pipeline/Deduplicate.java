package com.gluu.kpi.pipeline;

import com.gluu.kpi.events.Event;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Drops repeats of an {@code event_id} (producer retries): a copy whose time lies within the
 * dedup window of the first copy's is counted in the metric {@code duplicates} and dropped.
 * Runs after a {@code keyBy(}{@link Event#routingKey()}{@code )}: copies of one event share
 * their routing key, so every copy reaches the same subtask (at parallelism 1 the stream is only
 * declared keyed, and this runs in the source's task: see {@code KpiPipeline}). (An {@code event_id} reused for a
 * different request is therefore not recognized as a duplicate: it is not a producer retry.)
 *
 * <p>Why not keyed {@code ValueState} with one event-time timer per id: that was measured at
 * about 14 µs per event (a state entry, a timer and its firing per id), more than parsing and
 * windowing together. Here an id costs one slot of {@link FirstCopies}' table (its hash, not the
 * id: see there why) plus two longs in a per-minute expiry bucket, and the watermark drops whole
 * buckets.
 *
 * <p>An id is forgotten once the watermark is past {@code first ts + window + allowed lateness}.
 * Any copy arriving later has {@code ts + lateness ≤ watermark} and is turned away upstream as
 * {@code too_late} by the {@link EventTimeGate} (whose watermark is never behind Flink's), so
 * the verdicts never depend on when watermarks happen to arrive: a replay drops exactly the same
 * records.
 *
 * <p>State is checkpointed as union operator state, one compact blob per subtask; after a
 * restore (also with another parallelism) each subtask keeps the ids of its own key groups. The
 * blob ({@code dedup-ids}): {@code int} format version ({@value #IDS_FORMAT_VERSION}), {@code int}
 * count, then per id {@code long} hash high, {@code long} hash low ({@link IdHash} of the event
 * id), {@code long ts}, {@code int} key group of the routing key. Format 1 (the builds before)
 * had {@code UTF id, UTF routing key, long ts} per id and is still read, as is the unversioned
 * blob of the builds before that, under {@code dedup-first-seen}. A blob of an unknown version
 * fails the restore with the versions named.
 *
 * <p>The number of duplicates dropped is checkpointed too, in a separate, evenly redistributed
 * list (one versioned entry per subtask; union state would give every subtask every count): a
 * restored subtask adds its entries to the accumulator and metric of its new attempt, so the
 * job's count after a failover is the input's, not the count since the restart.
 */
public final class Deduplicate extends AbstractStreamOperator<Event> implements OneInputStreamOperator<Event, Event> {
    private static final long serialVersionUID = 1L;

    private final long windowMs;
    private final long retentionMs;

    /** event_id → its first copy's ts (and its routing key's key group), forgotten per minute of expiry. */
    private transient FirstCopies firstCopies;
    private transient int maxParallelism;
    private transient ListState<byte[]> checkpointed;
    private transient ListState<byte[]> checkpointedCount;
    /** Duplicates dropped by this subtask since the job started, restored ones included. */
    private transient long duplicateCount;
    private transient long restoredDuplicates;
    private transient Counter duplicates;
    private transient LongCounter duplicatesTotal;

    static final int COUNT_FORMAT_VERSION = 1;
    static final int IDS_FORMAT_VERSION = 2;
    /** The format of the builds before hashes: {@code UTF id, UTF routing key, long ts} per id. */
    static final int IDS_FORMAT_WITH_IDS = 1;
    private static final String IDS_STATE = "dedup-ids";
    /** The unversioned blob of the builds before {@link #IDS_FORMAT_VERSION}. */
    private static final String LEGACY_IDS_STATE = "dedup-first-seen";

    /**
     * @param window copies within this much event time of the first are duplicates
     * @param allowedLateness the job's allowed lateness; ids are kept this much longer (see above)
     */
    public Deduplicate(Duration window, Duration allowedLateness) {
        this.windowMs = window.toMillis();
        this.retentionMs = window.toMillis() + allowedLateness.toMillis();
        // Chained to what feeds it where nothing needs shuffling (parallelism 1, see KpiPipeline).
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        firstCopies = new FirstCopies();
        maxParallelism = getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks();
        OperatorStateStore store = context.getOperatorStateStore();
        checkpointed = store.getUnionListState(
                new ListStateDescriptor<>(IDS_STATE, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        for (byte[] blob : checkpointed.get()) {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(blob));
            int version = in.readInt();
            if (version == IDS_FORMAT_VERSION) {
                firstCopies.read(in, this::isMine, retentionMs);
            } else if (version == IDS_FORMAT_WITH_IDS) {
                restoreIds(in);
            } else {
                throw new IOException("dedup ids have format version " + version + "; this build reads "
                        + IDS_FORMAT_WITH_IDS + " and " + IDS_FORMAT_VERSION);
            }
        }
        if (store.getRegisteredStateNames().contains(LEGACY_IDS_STATE)) {
            ListState<byte[]> legacy = store.getUnionListState(
                    new ListStateDescriptor<>(LEGACY_IDS_STATE, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
            for (byte[] blob : legacy.get()) {
                restoreIds(new DataInputStream(new java.io.ByteArrayInputStream(blob)));
            }
            legacy.clear();
        }
        checkpointedCount = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("dedup-duplicates", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        duplicateCount = 0;
        for (byte[] blob : checkpointedCount.get()) {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(blob));
            int version = in.readInt();
            if (version != COUNT_FORMAT_VERSION) {
                throw new IOException("dedup count has format version " + version + "; this build reads "
                        + COUNT_FORMAT_VERSION);
            }
            duplicateCount += in.readLong();
        }
        restoredDuplicates = duplicateCount;
    }

    /** The entries of a blob with the ids themselves (format 1, after its version) whose routing key is in this subtask's key groups. */
    private void restoreIds(DataInputStream in) throws IOException {
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            String id = in.readUTF();
            String routingKey = in.readUTF();
            long ts = in.readLong();
            int keyGroup = KeyGroupRangeAssignment.assignToKeyGroup(routingKey, maxParallelism);
            if (isMine(keyGroup)) {
                firstCopies.add(id, ts, keyGroup, ts + retentionMs);
            }
        }
    }

    /** Whether this subtask owns {@code keyGroup} (after a restore, also at another parallelism). */
    private boolean isMine(int keyGroup) {
        int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        return KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup(maxParallelism, parallelism, keyGroup) == subtask;
    }

    @Override
    public void open() throws Exception {
        super.open();
        duplicates = getMetricGroup().counter("duplicates");
        duplicatesTotal = getRuntimeContext().getLongCounter(JobCounts.DUPLICATES);
        duplicates.inc(restoredDuplicates);
        duplicatesTotal.add(restoredDuplicates);
    }

    @Override
    public void processElement(StreamRecord<Event> element) {
        Event event = element.getValue();
        if (!firstCopies.find(event.eventId)) {
            firstCopies.add(event.ts, KeyGroupRangeAssignment.assignToKeyGroup(event.routingKey(), maxParallelism),
                    event.ts + retentionMs);
        } else if (Math.abs(event.ts - firstCopies.foundTs()) <= windowMs) {
            duplicateCount++;
            duplicates.inc();
            duplicatesTotal.add(1);
            return;
        }
        output.collect(element);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        firstCopies.forgetUpTo(mark.getTimestamp());
        super.processWatermark(mark);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(firstCopies.size() * 28 + 8);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(IDS_FORMAT_VERSION);
            firstCopies.write(out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot snapshot dedup state", e);
        }
        checkpointed.update(List.of(bytes.toByteArray()));
        ByteArrayOutputStream count = new ByteArrayOutputStream(12);
        try (DataOutputStream out = new DataOutputStream(count)) {
            out.writeInt(COUNT_FORMAT_VERSION);
            out.writeLong(duplicateCount);
        }
        checkpointedCount.update(List.of(count.toByteArray()));
    }

    /** Duplicates dropped by this subtask since the job started, restored ones included (for tests). */
    long duplicateCount() {
        return duplicateCount;
    }

    /** Ids currently remembered (for tests: must fall to zero once the watermark passes). */
    int rememberedIds() {
        return firstCopies.size();
    }
}
