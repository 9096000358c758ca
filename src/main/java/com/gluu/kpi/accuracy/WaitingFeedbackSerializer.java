package com.gluu.kpi.accuracy;

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
 * Writes a {@link WaitingFeedback}: the count of waiting feedback, then each one's verdict,
 * score and ts (layout 1; a change is a new layout, see {@link Snapshot}). (Flink's POJO
 * serializer would fall back to Kryo for the array.)
 */
public final class WaitingFeedbackSerializer extends TypeSerializerSingleton<WaitingFeedback> {
    private static final long serialVersionUID = 1L;
    public static final WaitingFeedbackSerializer INSTANCE = new WaitingFeedbackSerializer();
    /** The byte layout this build writes (the class comment's); see {@link Snapshot}. */
    public static final int LAYOUT = 1;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public WaitingFeedback createInstance() {
        return new WaitingFeedback();
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(WaitingFeedback w, DataOutputView out) throws IOException {
        out.writeInt(w.feedback.length);
        for (PendingFeedback f : w.feedback) {
            StringValue.writeString(f.verdict, out);
            out.writeDouble(f.score);
            out.writeLong(f.ts);
        }
    }

    @Override
    public WaitingFeedback deserialize(DataInputView in) throws IOException {
        PendingFeedback[] feedback = new PendingFeedback[in.readInt()];
        for (int k = 0; k < feedback.length; k++) {
            feedback[k] = new PendingFeedback(StringValue.readString(in), in.readDouble(), in.readLong());
        }
        return new WaitingFeedback(feedback);
    }

    @Override
    public WaitingFeedback deserialize(WaitingFeedback reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public WaitingFeedback copy(WaitingFeedback from) {
        PendingFeedback[] feedback = new PendingFeedback[from.feedback.length];
        for (int k = 0; k < feedback.length; k++) {
            PendingFeedback f = from.feedback[k];
            feedback[k] = new PendingFeedback(f.verdict, f.score, f.ts);
        }
        return new WaitingFeedback(feedback);
    }

    @Override
    public WaitingFeedback copy(WaitingFeedback from, WaitingFeedback reuse) {
        return copy(from);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<WaitingFeedback> snapshotConfiguration() {
        return new Snapshot();
    }

    /**
     * Records the layout the state was written in (see {@link VersionedSerializerSnapshot}); a
     * build with another layout reads older state through {@link #serializerFor}.
     */
    public static final class Snapshot extends VersionedSerializerSnapshot<WaitingFeedback> {
        public Snapshot() {
            super(LAYOUT);
        }

        @Override
        protected String format() {
            return "waiting feedback";
        }

        @Override
        protected int currentLayout() {
            return LAYOUT;
        }

        @Override
        protected TypeSerializer<WaitingFeedback> serializerFor(int layout) {
            return INSTANCE; // layout 1 is the only one so far
        }
    }

    /** Lets Flink's type extraction find this serializer through {@code @TypeInfo}. */
    public static final class TypeInfoFactory
            extends org.apache.flink.api.common.typeinfo.TypeInfoFactory<WaitingFeedback> {
        @Override
        public TypeInformation<WaitingFeedback> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new SerializerTypeInfo<>(WaitingFeedback.class, INSTANCE);
        }
    }
}
