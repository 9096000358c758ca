package com.gluu.kpi.alerts;

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
import org.apache.flink.types.StringValue;

/**
 * Writes a {@link RuleInput} between the tasks that make them and {@link AlertEvaluator}. No
 * state holds one (the evaluator folds each into its groups' minutes), so these bytes never
 * reach a savepoint; the layout is versioned like every serializer's all the same.
 *
 * <p>Why not Flink's POJO serializer: a replay sends the evaluator a RuleInput per slow or failed
 * request (evidence candidates), and reading and writing the 17 fields by reflection, each with
 * its null flag, was a tenth of the evaluator thread and of the alert inputs' share of the source
 * task (async-profiler, issue 16).
 *
 * <p>Layout 1: {@code rule} and {@code labelsJson} (Flink's {@link StringValue} encoding, null
 * allowed), {@code long minute, count, errors}, {@code double sum, max}, the sketch ({@code int
 * n, byte[n]}), {@code long restarts, failures, deployMs, billedMs, requests}, {@code requestId}
 * (as the other strings), {@code long requestTs}, {@code double requestValue}, {@code long
 * inputEndTs}.
 */
public final class RuleInputSerializer extends TypeSerializerSingleton<RuleInput> {
    private static final long serialVersionUID = 1L;
    public static final RuleInputSerializer INSTANCE = new RuleInputSerializer();
    /** The byte layout this build writes (the class comment's). */
    public static final int LAYOUT = 1;
    private static final byte[] NO_SKETCH = new byte[0];

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public RuleInput createInstance() {
        return new RuleInput();
    }

    @Override
    public RuleInput copy(RuleInput from) {
        RuleInput c = new RuleInput();
        c.rule = from.rule;
        c.labelsJson = from.labelsJson;
        c.minute = from.minute;
        c.count = from.count;
        c.errors = from.errors;
        c.sum = from.sum;
        c.max = from.max;
        c.sketch = from.sketch == null || from.sketch.length == 0 ? from.sketch : from.sketch.clone();
        c.restarts = from.restarts;
        c.failures = from.failures;
        c.deployMs = from.deployMs;
        c.billedMs = from.billedMs;
        c.requests = from.requests;
        c.requestId = from.requestId;
        c.requestTs = from.requestTs;
        c.requestValue = from.requestValue;
        c.inputEndTs = from.inputEndTs;
        return c;
    }

    @Override
    public RuleInput copy(RuleInput from, RuleInput reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(RuleInput in, DataOutputView out) throws IOException {
        StringValue.writeString(in.rule, out);
        StringValue.writeString(in.labelsJson, out);
        out.writeLong(in.minute);
        out.writeLong(in.count);
        out.writeLong(in.errors);
        out.writeDouble(in.sum);
        out.writeDouble(in.max);
        byte[] sketch = in.sketch == null ? NO_SKETCH : in.sketch;
        out.writeInt(sketch.length);
        out.write(sketch);
        out.writeLong(in.restarts);
        out.writeLong(in.failures);
        out.writeLong(in.deployMs);
        out.writeLong(in.billedMs);
        out.writeLong(in.requests);
        StringValue.writeString(in.requestId, out);
        out.writeLong(in.requestTs);
        out.writeDouble(in.requestValue);
        out.writeLong(in.inputEndTs);
    }

    @Override
    public RuleInput deserialize(DataInputView source) throws IOException {
        RuleInput in = new RuleInput();
        in.rule = StringValue.readString(source);
        in.labelsJson = StringValue.readString(source);
        in.minute = source.readLong();
        in.count = source.readLong();
        in.errors = source.readLong();
        in.sum = source.readDouble();
        in.max = source.readDouble();
        int n = source.readInt();
        if (n > 0) {
            in.sketch = new byte[n];
            source.readFully(in.sketch);
        }
        in.restarts = source.readLong();
        in.failures = source.readLong();
        in.deployMs = source.readLong();
        in.billedMs = source.readLong();
        in.requests = source.readLong();
        in.requestId = StringValue.readString(source);
        in.requestTs = source.readLong();
        in.requestValue = source.readDouble();
        in.inputEndTs = source.readLong();
        return in;
    }

    @Override
    public RuleInput deserialize(RuleInput reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<RuleInput> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Records the layout (see {@link VersionedSerializerSnapshot}). */
    public static final class Snapshot extends VersionedSerializerSnapshot<RuleInput> {
        public Snapshot() {
            super(LAYOUT);
        }

        @Override
        protected String format() {
            return "alert rule input";
        }

        @Override
        protected int currentLayout() {
            return LAYOUT;
        }

        @Override
        protected TypeSerializer<RuleInput> serializerFor(int layout) {
            return INSTANCE; // layout 1 is the only one so far
        }
    }

    /** Lets Flink's type extraction find this serializer through {@code @TypeInfo}. */
    public static final class TypeInfoFactory extends org.apache.flink.api.common.typeinfo.TypeInfoFactory<RuleInput> {
        @Override
        public TypeInformation<RuleInput> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new SerializerTypeInfo<>(RuleInput.class, INSTANCE);
        }
    }
}
