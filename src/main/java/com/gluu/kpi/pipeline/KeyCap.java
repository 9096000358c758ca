package com.gluu.kpi.pipeline;

import com.gluu.kpi.config.JobConfig;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.types.StringValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the keys (rows) of one KPI table per window (SPEC §2 "Bounded state"): at most
 * {@code limits.max_keys_per_window} keys per window of every configured size; the partials of
 * further keys are rewritten so that every text dimension is {@value #OTHER}, and count in one
 * overflow row per window. Nothing is dropped, so the sum over a window's rows still equals its
 * events.
 *
 * <p>It sits on a family's partial stream, after the pre-aggregator (chained before the shuffle)
 * and before the keyBy of the window operators, so its per-partial work is one hash lookup and
 * the window operators (and whatever else reads the capped stream) never see more than cap + 1
 * keys per window.
 *
 * <p><b>Rule.</b> A partial's timestamp lies in exactly one window of each size. If its key is
 * already admitted in every one of those windows, it passes unchanged. Otherwise the key is
 * admitted into the windows that lack it only if every one of them still has room; else the
 * partial goes to {@code ~other} in all sizes at once. So a partial counts under the same key in
 * its minute and its hour, and the hour row still equals the sum of its minute rows. With nested
 * sizes (each divides the next, e.g. 1 m and 1 h) a minute's admitted keys are a subset of its
 * hour's, so a key admitted in an hour is admitted in every minute of that hour: per hour, a key
 * counts either entirely under itself or entirely under {@code ~other}.
 *
 * <p>A partial whose key already is its overflow key (upstream overflow, or an input value that
 * is literally {@code ~other}) and a partial whose policy gives no key (pipeline-made values such
 * as accuracy's {@code unmatched}) pass without taking a place. A partial whose windows have all
 * passed their allowed lateness passes unchanged: the window operators drop it as late.
 *
 * <p><b>Global.</b> Run at parallelism 1 ({@link #apply} does): a set per subtask would let
 * parallelism × cap keys through. Partials, not events, cross it: a few per key and slot.
 *
 * <p><b>State.</b> The admitted keys of every window still open (end + allowed lateness not yet
 * passed by the watermark), checkpointed as one operator-state blob (format version first), so a
 * recovery admits the same keys it had admitted; a window's set is dropped once the watermark
 * passes its end + allowed lateness, and then one log line says how many partials and events of
 * further keys it counted under {@code ~other} (no key values: they are input). Every rewritten
 * partial counts in the metric {@code keysOverCap} (group {@code table}) and the accumulator
 * {@code keys-over-cap.<table>}.
 *
 * <p><b>Known limit.</b> Which keys get their own rows, once a window is full, depends on the
 * order in which partials reach this operator, which with parallelism > 1 upstream is not fixed.
 * On ordinary traffic (no window full) every key passes and rows are exactly as without the cap.
 * In an overflowing window a replay may choose other keys than the first run, and after a
 * recovery the keys first seen after the last checkpoint may be chosen differently: a row
 * written before the failure can then remain beside the {@code ~other} row that now holds its
 * events.
 */
public final class KeyCap<P> extends AbstractStreamOperator<P> implements OneInputStreamOperator<P, P> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(KeyCap.class);

    /** The value of every text dimension of an overflow row. */
    public static final String OTHER = "~other";
    /** Version of the checkpointed blob; the first int of it. */
    static final int FORMAT_VERSION = 1;

    /** What the cap needs to know of one family's partials. */
    public interface Policy<P> extends Serializable {
        /** The partial's row key (its text dimensions), or null for a partial never capped. */
        String[] key(P partial);

        /**
         * A new partial equal to {@code partial} with every text dimension {@value KeyCap#OTHER}
         * (non-text dimensions kept). It may share the measures: nothing downstream mutates an
         * input. The input may be shared with other chained readers and must not change.
         */
        P overflow(P partial);

        /** The events (or other units of the row) the partial counts, for the log line. */
        long events(P partial);
    }

    private final String table;
    private final long[] sizesMs;
    private final long latenessMs;
    private final int maxKeys;
    private final Policy<P> policy;

    /** Per window size (as {@link #sizesMs}): window start → its admitted keys. */
    private transient List<TreeMap<Long, WindowKeys>> windows;
    private transient long currentWatermark;
    private transient ListState<byte[]> checkpointed;
    private transient Counter overCap;
    private transient LongCounter overCapTotal;
    private transient WindowKeys[] scratch;

    public KeyCap(String table, List<Duration> windowSizes, Duration allowedLateness, int maxKeys, Policy<P> policy) {
        this.table = table;
        this.sizesMs = windowSizes.stream().mapToLong(Duration::toMillis).toArray();
        this.latenessMs = allowedLateness.toMillis();
        this.maxKeys = maxKeys;
        this.policy = policy;
        // At job parallelism 1 it chains to the pre-aggregator (no serialization in between);
        // otherwise the parallelism differs and it is a task of its own.
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    /**
     * {@code partials} capped for {@code table} (a SPEC table name, e.g. {@code kpi.traffic}):
     * one operator at parallelism 1, uid {@code key-cap-<name>}.
     */
    public static <P> SingleOutputStreamOperator<P> apply(DataStream<P> partials, String table, Policy<P> policy,
            Duration allowedLateness, JobConfig config) {
        String name = table.startsWith("kpi.") ? table.substring(4) : table;
        return partials
                .transform(table + " key cap", partials.getType(), new KeyCap<>(table, config.get(JobConfig.WINDOWS),
                        allowedLateness, config.get(JobConfig.LIMITS_MAX_KEYS_PER_WINDOW), policy))
                .uid("key-cap-" + name.replace('_', '-').replace('.', '-'))
                .name(table + " key cap")
                .setParallelism(1);
    }

    /** The key of a row: its dimensions, compared by value. */
    static final class CapKey {
        final String[] dims;
        private final int hash;

        CapKey(String[] dims) {
            this.dims = dims;
            this.hash = Arrays.hashCode(dims);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof CapKey && ((CapKey) o).hash == hash && Arrays.equals(((CapKey) o).dims, dims);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** One window's admitted keys and what it sent to {@code ~other}. */
    static final class WindowKeys {
        final long start;
        final Set<CapKey> keys = new HashSet<>();
        long overflowPartials;
        long overflowEvents;

        WindowKeys(long start) {
            this.start = start;
        }
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        windows = new ArrayList<>();
        for (int i = 0; i < sizesMs.length; i++) {
            windows.add(new TreeMap<>());
        }
        scratch = new WindowKeys[sizesMs.length];
        currentWatermark = Long.MIN_VALUE;
        checkpointed = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("admitted-keys", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        if (context.isRestored()) {
            Map<CapKey, CapKey> shared = new HashMap<>();
            for (byte[] blob : checkpointed.get()) {
                restore(blob, shared);
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        overCap = getMetricGroup().addGroup("table", table).counter("keysOverCap");
        overCapTotal = new LongCounter();
        getRuntimeContext().addAccumulator("keys-over-cap." + table, overCapTotal);
    }

    @Override
    public void processElement(StreamRecord<P> element) {
        P partial = element.getValue();
        String[] dims = policy.key(partial);
        if (dims == null) {
            output.collect(element);
            return;
        }
        long ts = element.getTimestamp();
        CapKey key = null;
        boolean admitted = true;
        boolean room = true;
        boolean anyOpen = false;
        for (int i = 0; i < sizesMs.length; i++) {
            long size = sizesMs[i];
            long start = Math.floorDiv(ts, size) * size;
            if (start + size - 1 + latenessMs <= currentWatermark) {
                scratch[i] = null; // the window operator drops it as late: nothing to count
                continue;
            }
            anyOpen = true;
            WindowKeys w = windows.get(i).get(start);
            if (w == null) {
                w = new WindowKeys(start);
                windows.get(i).put(start, w);
            }
            scratch[i] = w;
            if (key == null) {
                key = new CapKey(dims);
            }
            if (!w.keys.contains(key)) {
                admitted = false;
                if (w.keys.size() >= maxKeys) {
                    room = false;
                }
            }
        }
        if (!anyOpen || admitted) {
            output.collect(element);
            return;
        }
        P other = policy.overflow(partial);
        if (key.equals(new CapKey(policy.key(other)))) {
            output.collect(element); // already the overflow row: it takes no place
            return;
        }
        if (room) {
            // Room in every window that lacks it: the key now has its own row in all of them.
            for (WindowKeys w : scratch) {
                if (w != null) {
                    w.keys.add(key);
                }
            }
            output.collect(element);
            return;
        }
        long events = policy.events(partial);
        for (WindowKeys w : scratch) {
            if (w != null) {
                w.overflowPartials++;
                w.overflowEvents += events;
            }
        }
        overCap.inc();
        overCapTotal.add(1L);
        output.collect(element.replace(other));
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        currentWatermark = mark.getTimestamp();
        for (int i = 0; i < sizesMs.length; i++) {
            long size = sizesMs[i];
            Iterator<WindowKeys> open = windows.get(i).values().iterator();
            while (open.hasNext()) {
                WindowKeys w = open.next();
                if (w.start + size - 1 + latenessMs > currentWatermark) {
                    break;
                }
                if (w.overflowPartials > 0) {
                    LOG.warn("{} window {} + {}: {} keys have rows (limits.max_keys_per_window = {}); {} partials"
                            + " of further keys, {} events, counted under '{}'", table, Instant.ofEpochMilli(w.start),
                            Duration.ofMillis(size), w.keys.size(), maxKeys, w.overflowPartials, w.overflowEvents, OTHER);
                }
                open.remove();
            }
        }
        super.processWatermark(mark);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        checkpointed.update(List.of(snapshot()));
    }

    /** The blob: version, window sizes, then per window its start, counters and keys. */
    byte[] snapshot() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(4096);
        out.writeInt(FORMAT_VERSION);
        out.writeInt(sizesMs.length);
        for (int i = 0; i < sizesMs.length; i++) {
            out.writeLong(sizesMs[i]);
            out.writeInt(windows.get(i).size());
            for (WindowKeys w : windows.get(i).values()) {
                out.writeLong(w.start);
                out.writeLong(w.overflowPartials);
                out.writeLong(w.overflowEvents);
                out.writeInt(w.keys.size());
                for (CapKey key : w.keys) {
                    out.writeInt(key.dims.length);
                    for (String dim : key.dims) {
                        StringValue.writeString(dim, out);
                    }
                }
            }
        }
        return out.getCopyOfBuffer();
    }

    /** Reads a blob of {@link #snapshot}; sizes no longer configured are dropped. */
    private void restore(byte[] blob, Map<CapKey, CapKey> shared) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(blob);
        int version = in.readInt();
        if (version != FORMAT_VERSION) {
            throw new IOException(table + " key cap: checkpoint format " + version + ", this build reads "
                    + FORMAT_VERSION);
        }
        int sizes = in.readInt();
        for (int s = 0; s < sizes; s++) {
            long size = in.readLong();
            int index = -1;
            for (int i = 0; i < sizesMs.length; i++) {
                if (sizesMs[i] == size) {
                    index = i;
                }
            }
            int count = in.readInt();
            for (int n = 0; n < count; n++) {
                WindowKeys w = new WindowKeys(in.readLong());
                w.overflowPartials = in.readLong();
                w.overflowEvents = in.readLong();
                int keys = in.readInt();
                for (int k = 0; k < keys; k++) {
                    String[] dims = new String[in.readInt()];
                    for (int d = 0; d < dims.length; d++) {
                        dims[d] = StringValue.readString(in);
                    }
                    CapKey key = new CapKey(dims);
                    w.keys.add(shared.computeIfAbsent(key, x -> x));
                }
                if (index >= 0) {
                    windows.get(index).merge(w.start, w, (a, b) -> {
                        a.keys.addAll(b.keys);
                        a.overflowPartials += b.overflowPartials;
                        a.overflowEvents += b.overflowEvents;
                        return a;
                    });
                }
            }
        }
    }

    /** Windows open in this operator (for tests). */
    int openWindows() {
        return windows.stream().mapToInt(Map::size).sum();
    }
}
