package com.gluu.kpi.latency;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.gluu.kpi.pipeline.SerializerTypeInfo;
import com.gluu.kpi.pipeline.VersionedSerializerSnapshot;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Writes a {@link LatencyAccumulator} as, per stage, count, sum, max and the DDSketch's own
 * encoding. DDSketch is not a POJO, so without this Flink would fall back to Kryo.
 *
 * <p>Layout 1 (a change is a new layout, see {@link Snapshot}), per stage: {@code long count,
 * long sumNanos, double max, int n, byte[n] sketch}. A sum past {@code Long.MAX_VALUE} (see
 * {@link StageStats}) has a high part too; then the count is written
 * as {@code ~count} (negative, which no count is) and the high part follows it:
 * {@code long ~count, long sumNanosHigh, long sumNanos, …}. Every state whose sums fit a long —
 * all state written before the high part existed — has the same bytes as before, so old
 * checkpoints restore unchanged; only a build without the high part could not read a state with
 * an overflowed sum (it would see a negative count).
 */
public final class LatencyAccumulatorSerializer extends TypeSerializerSingleton<LatencyAccumulator> {
    private static final long serialVersionUID = 1L;
    public static final LatencyAccumulatorSerializer INSTANCE = new LatencyAccumulatorSerializer();
    /** The byte layout this build writes (the class comment's); see {@link Snapshot}. */
    public static final int LAYOUT = 1;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public LatencyAccumulator createInstance() {
        return new LatencyAccumulator();
    }

    @Override
    public LatencyAccumulator copy(LatencyAccumulator from) {
        LatencyAccumulator copy = new LatencyAccumulator();
        for (LatencyStage stage : LatencyStage.values()) {
            StageStats s = from.stages.get(stage);
            copy.stages.put(stage, new StageStats(s.count, s.sumNanosHigh, s.sumNanos, s.max, s.sketch.copy()));
        }
        return copy;
    }

    @Override
    public LatencyAccumulator copy(LatencyAccumulator from, LatencyAccumulator reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(LatencyAccumulator record, DataOutputView target) throws IOException {
        for (LatencyStage stage : LatencyStage.values()) {
            StageStats s = record.stages.get(stage);
            if (s.sumNanosHigh == 0) {
                target.writeLong(s.count);
            } else {
                target.writeLong(~s.count);
                target.writeLong(s.sumNanosHigh);
            }
            target.writeLong(s.sumNanos);
            target.writeDouble(s.max);
            byte[] sketch = LatencySketches.toBytes(s.sketch);
            target.writeInt(sketch.length);
            target.write(sketch);
        }
    }

    @Override
    public LatencyAccumulator deserialize(DataInputView source) throws IOException {
        LatencyAccumulator acc = new LatencyAccumulator();
        for (LatencyStage stage : LatencyStage.values()) {
            long count = source.readLong();
            long sumNanosHigh = 0;
            if (count < 0) {
                count = ~count;
                sumNanosHigh = source.readLong();
            }
            long sumNanos = source.readLong();
            double max = source.readDouble();
            byte[] bytes = new byte[source.readInt()];
            source.readFully(bytes);
            DDSketch sketch = LatencySketches.fromBytes(bytes);
            acc.stages.put(stage, new StageStats(count, sumNanosHigh, sumNanos, max, sketch));
        }
        return acc;
    }

    @Override
    public LatencyAccumulator deserialize(LatencyAccumulator reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<LatencyAccumulator> snapshotConfiguration() {
        return new Snapshot();
    }

    /**
     * Records the layout the state was written in (see {@link VersionedSerializerSnapshot}); a
     * build with another layout reads older state through {@link #serializerFor}.
     */
    public static final class Snapshot extends VersionedSerializerSnapshot<LatencyAccumulator> {
        public Snapshot() {
            super(LAYOUT);
        }

        @Override
        protected String format() {
            return "latency accumulator";
        }

        @Override
        protected int currentLayout() {
            return LAYOUT;
        }

        @Override
        protected TypeSerializer<LatencyAccumulator> serializerFor(int layout) {
            return INSTANCE; // layout 1 is the only one so far
        }
    }

    /** Lets Flink's type extraction find this serializer through {@code @TypeInfo}. */
    public static final class TypeInfoFactory extends org.apache.flink.api.common.typeinfo.TypeInfoFactory<LatencyAccumulator> {
        @Override
        public TypeInformation<LatencyAccumulator> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new SerializerTypeInfo<>(LatencyAccumulator.class, INSTANCE);
        }
    }
}
