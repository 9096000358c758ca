package com.gluu.kpi.jobs;

import com.gluu.kpi.latency.LatencySketches;
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
 * Writes a {@link JobsAccumulator} (window state, so it is in every checkpoint). DDSketch is not a
 * POJO, so without this Flink would fall back to Kryo.
 *
 * <p>Layout 1 (a change is a new layout, see {@link VersionedSerializerSnapshot}): {@code long}
 * seen, submitted, completed, failed, webhooksSent, webhooksFailed; the queue, run and end-to-end
 * sketches, each {@code int n, byte[n]} in DDSketch's own encoding ({@link LatencySketches#toBytes});
 * {@code long gaugeAt, boolean gaugeFinal, long open, long stuck, long oldestOpenMs}.
 */
public final class JobsAccumulatorSerializer extends TypeSerializerSingleton<JobsAccumulator> {
    private static final long serialVersionUID = 1L;
    public static final JobsAccumulatorSerializer INSTANCE = new JobsAccumulatorSerializer();
    /** The byte layout this build writes (the class comment's). */
    public static final int LAYOUT = 1;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public JobsAccumulator createInstance() {
        return new JobsAccumulator();
    }

    @Override
    public JobsAccumulator copy(JobsAccumulator from) {
        JobsAccumulator c = new JobsAccumulator();
        c.merge(from);
        return c;
    }

    @Override
    public JobsAccumulator copy(JobsAccumulator from, JobsAccumulator reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(JobsAccumulator a, DataOutputView out) throws IOException {
        out.writeLong(a.seen);
        out.writeLong(a.submitted);
        out.writeLong(a.completed);
        out.writeLong(a.failed);
        out.writeLong(a.webhooksSent);
        out.writeLong(a.webhooksFailed);
        for (var sketch : new com.datadoghq.sketch.ddsketch.DDSketch[] {a.queue, a.run, a.e2e}) {
            byte[] bytes = LatencySketches.toBytes(sketch);
            out.writeInt(bytes.length);
            out.write(bytes);
        }
        out.writeLong(a.gaugeAt);
        out.writeBoolean(a.gaugeFinal);
        out.writeLong(a.open);
        out.writeLong(a.stuck);
        out.writeLong(a.oldestOpenMs);
    }

    @Override
    public JobsAccumulator deserialize(DataInputView in) throws IOException {
        JobsAccumulator a = new JobsAccumulator();
        a.seen = in.readLong();
        a.submitted = in.readLong();
        a.completed = in.readLong();
        a.failed = in.readLong();
        a.webhooksSent = in.readLong();
        a.webhooksFailed = in.readLong();
        a.queue = readSketch(in);
        a.run = readSketch(in);
        a.e2e = readSketch(in);
        a.gaugeAt = in.readLong();
        a.gaugeFinal = in.readBoolean();
        a.open = in.readLong();
        a.stuck = in.readLong();
        a.oldestOpenMs = in.readLong();
        return a;
    }

    private static com.datadoghq.sketch.ddsketch.DDSketch readSketch(DataInputView in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return LatencySketches.fromBytes(bytes);
    }

    @Override
    public JobsAccumulator deserialize(JobsAccumulator reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<JobsAccumulator> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Records the layout the state was written in (see {@link VersionedSerializerSnapshot}). */
    public static final class Snapshot extends VersionedSerializerSnapshot<JobsAccumulator> {
        public Snapshot() {
            super(LAYOUT);
        }

        @Override
        protected String format() {
            return "jobs accumulator";
        }

        @Override
        protected int currentLayout() {
            return LAYOUT;
        }

        @Override
        protected TypeSerializer<JobsAccumulator> serializerFor(int layout) {
            return INSTANCE; // layout 1 is the only one so far
        }
    }

    /** Lets Flink's type extraction find this serializer through {@code @TypeInfo}. */
    public static final class TypeInfoFactory
            extends org.apache.flink.api.common.typeinfo.TypeInfoFactory<JobsAccumulator> {
        @Override
        public TypeInformation<JobsAccumulator> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new SerializerTypeInfo<>(JobsAccumulator.class, INSTANCE);
        }
    }
}
