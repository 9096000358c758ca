package com.gluu.kpi.accuracy;

import com.gluu.kpi.pipeline.SerializerTypeInfo;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Writes a {@link JoinedInference}: model, model version (both may be null), ts, then the count
 * of waiting feedback (-1 for none) and each one's verdict, score and ts. The feedback join keeps
 * one of these per request for the whole horizon, so every heap checkpoint writes millions of
 * them (and RocksDB reads and writes one per inference): Flink's POJO serializer spent that time
 * in reflection and in its per-field null flags.
 */
public final class JoinedInferenceSerializer extends TypeSerializerSingleton<JoinedInference> {
    private static final long serialVersionUID = 1L;
    public static final JoinedInferenceSerializer INSTANCE = new JoinedInferenceSerializer();

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public JoinedInference createInstance() {
        return new JoinedInference();
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(JoinedInference j, DataOutputView out) throws IOException {
        StringValue.writeString(j.model, out);
        StringValue.writeString(j.modelVersion, out);
        out.writeLong(j.ts);
        if (j.waiting == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(j.waiting.length);
        for (PendingFeedback f : j.waiting) {
            StringValue.writeString(f.verdict, out);
            out.writeDouble(f.score);
            out.writeLong(f.ts);
        }
    }

    @Override
    public JoinedInference deserialize(DataInputView in) throws IOException {
        JoinedInference j = new JoinedInference(StringValue.readString(in), StringValue.readString(in), in.readLong());
        int waiting = in.readInt();
        if (waiting >= 0) {
            j.waiting = new PendingFeedback[waiting];
            for (int k = 0; k < waiting; k++) {
                j.waiting[k] = new PendingFeedback(StringValue.readString(in), in.readDouble(), in.readLong());
            }
        }
        return j;
    }

    @Override
    public JoinedInference deserialize(JoinedInference reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public JoinedInference copy(JoinedInference from) {
        JoinedInference j = new JoinedInference(from.model, from.modelVersion, from.ts);
        if (from.waiting != null) {
            j.waiting = new PendingFeedback[from.waiting.length];
            for (int k = 0; k < j.waiting.length; k++) {
                PendingFeedback f = from.waiting[k];
                j.waiting[k] = new PendingFeedback(f.verdict, f.score, f.ts);
            }
        }
        return j;
    }

    @Override
    public JoinedInference copy(JoinedInference from, JoinedInference reuse) {
        return copy(from);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<JoinedInference> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot for savepoint compatibility; the format has one version so far. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<JoinedInference> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    /** Lets Flink's type extraction find this serializer through {@code @TypeInfo}. */
    public static final class TypeInfoFactory
            extends org.apache.flink.api.common.typeinfo.TypeInfoFactory<JoinedInference> {
        @Override
        public TypeInformation<JoinedInference> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new SerializerTypeInfo<>(JoinedInference.class, INSTANCE);
        }
    }
}
