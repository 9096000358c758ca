package com.gluu.kpi.pipeline;

import com.gluu.kpi.events.Event;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 * windowing together. Here an id costs one hash-map entry plus a slot in a per-minute expiry
 * bucket, and the watermark drops whole buckets.
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
 * count, then per id {@code UTF id, UTF routing key, long ts}. A blob of an unknown version fails
 * the restore with both versions named. The builds before the version wrote the same entries
 * without it under {@code dedup-first-seen}; a savepoint of theirs is still read from there.
 *
 * <p>The number of duplicates dropped is checkpointed too, in a separate, evenly redistributed
 * list (one versioned entry per subtask; union state would give every subtask every count): a
 * restored subtask adds its entries to the accumulator and metric of its new attempt, so the
 * job's count after a failover is the input's, not the count since the restart.
 */
public final class Deduplicate extends AbstractStreamOperator<Event> implements OneInputStreamOperator<Event, Event> {
    private static final long serialVersionUID = 1L;

    /** Expiry granularity: ids are forgotten in batches of one minute of event time. */
    private static final long BUCKET_MS = 60_000;

    private final long windowMs;
    private final long retentionMs;

    /** event_id → its first copy's ts and routing key. */
    private transient Map<String, FirstCopy> firstSeen;
    /** Bucket end → ids that may be forgotten once the watermark reaches it. */
    private transient TreeMap<Long, List<String>> expiry;
    private transient ListState<byte[]> checkpointed;
    private transient ListState<byte[]> checkpointedCount;
    /** Duplicates dropped by this subtask since the job started, restored ones included. */
    private transient long duplicateCount;
    private transient long restoredDuplicates;
    private transient Counter duplicates;
    private transient LongCounter duplicatesTotal;

    static final int COUNT_FORMAT_VERSION = 1;
    static final int IDS_FORMAT_VERSION = 1;
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
        firstSeen = new HashMap<>();
        expiry = new TreeMap<>();
        OperatorStateStore store = context.getOperatorStateStore();
        checkpointed = store.getUnionListState(
                new ListStateDescriptor<>(IDS_STATE, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        for (byte[] blob : checkpointed.get()) {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(blob));
            int version = in.readInt();
            if (version != IDS_FORMAT_VERSION) {
                throw new IOException("dedup ids have format version " + version + "; this build reads "
                        + IDS_FORMAT_VERSION);
            }
            restoreIds(in);
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

    /** The entries of one blob (after its version) whose routing key is in this subtask's key groups. */
    private void restoreIds(DataInputStream in) throws IOException {
        int maxParallelism = getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks();
        int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            String id = in.readUTF();
            String routingKey = in.readUTF();
            long ts = in.readLong();
            if (KeyGroupRangeAssignment.assignKeyToParallelOperator(routingKey, maxParallelism, parallelism) == subtask) {
                remember(id, routingKey, ts);
            }
        }
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
        FirstCopy first = firstSeen.get(event.eventId);
        if (first == null) {
            remember(event.eventId, event.routingKey(), event.ts);
        } else if (Math.abs(event.ts - first.ts) <= windowMs) {
            duplicateCount++;
            duplicates.inc();
            duplicatesTotal.add(1);
            return;
        }
        output.collect(element);
    }

    private void remember(String id, String routingKey, long ts) {
        firstSeen.put(id, new FirstCopy(ts, routingKey));
        long forgetAt = ts + retentionMs;
        long bucketEnd = Math.floorDiv(forgetAt, BUCKET_MS) * BUCKET_MS + BUCKET_MS;
        expiry.computeIfAbsent(bucketEnd, b -> new ArrayList<>()).add(id);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        var done = expiry.headMap(mark.getTimestamp(), true);
        for (List<String> ids : done.values()) {
            for (String id : ids) {
                firstSeen.remove(id);
            }
        }
        done.clear();
        super.processWatermark(mark);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(firstSeen.size() * 64 + 8);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(IDS_FORMAT_VERSION);
            out.writeInt(firstSeen.size());
            for (Map.Entry<String, FirstCopy> e : firstSeen.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue().routingKey);
                out.writeLong(e.getValue().ts);
            }
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

    private static final class FirstCopy {
        final long ts;
        final String routingKey;

        FirstCopy(long ts, String routingKey) {
            this.ts = ts;
            this.routingKey = routingKey;
        }
    }

    /** Duplicates dropped by this subtask since the job started, restored ones included (for tests). */
    long duplicateCount() {
        return duplicateCount;
    }

    /** Ids currently remembered (for tests: must fall to zero once the watermark passes). */
    int rememberedIds() {
        return firstSeen.size();
    }
}
