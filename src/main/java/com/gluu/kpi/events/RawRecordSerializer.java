package com.gluu.kpi.events;

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
 * Writes a {@link RawRecord} between tasks, <b>with what its source parsed ahead</b>: a file read
 * in byte ranges is parsed by every source subtask ({@code JsonLinesFormat}), and the records
 * then travel to the one {@code FileOrder} subtask that puts them back in file order; Flink's
 * POJO serializer would drop the parsed event (a transient field) and leave all the parsing to
 * that one subtask. No state holds these bytes ({@code FileOrder} and the event-time gate write
 * held records with their own codecs, without the parsed event); the layout is versioned like
 * every serializer's all the same.
 *
 * <p>Layout 1: {@code origin}, {@code position} (Flink's {@link StringValue} encoding, null
 * allowed), {@code payload} ({@code int n, byte[n]}), {@code int size}, {@code long eventTs},
 * {@code byte} decode failure (the {@link DeadLetterReason} ordinal + 1, 0 for none) and, if one,
 * its detail, {@code long rangeStart, rangeEnd, rangeLines}, then a {@code byte}: 0 not parsed
 * ahead; 1 parsed into an event, 2 found invalid, each followed by the eight {@link InputLimits}
 * it was judged under and then the event ({@link EventSerializer}) or the reason's ordinal and
 * the message.
 */
public final class RawRecordSerializer extends TypeSerializerSingleton<RawRecord> {
    private static final long serialVersionUID = 1L;
    public static final RawRecordSerializer INSTANCE = new RawRecordSerializer();
    /** The byte layout this build writes (the class comment's). */
    public static final int LAYOUT = 1;

    private static final DeadLetterReason[] REASONS = DeadLetterReason.values();
    private static final byte NOT_PARSED = 0;
    private static final byte PARSED = 1;
    private static final byte INVALID = 2;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public RawRecord createInstance() {
        return new RawRecord();
    }

    /** A copy of the record's fields; what was parsed ahead stays with the original (it is taken once). */
    @Override
    public RawRecord copy(RawRecord from) {
        RawRecord c = new RawRecord(from.origin, from.position, from.payload == null ? null : from.payload.clone(),
                from.size);
        c.eventTs = from.eventTs;
        c.decodeFailure = from.decodeFailure;
        c.decodeDetail = from.decodeDetail;
        c.rangeStart = from.rangeStart;
        c.rangeEnd = from.rangeEnd;
        c.rangeLines = from.rangeLines;
        return c;
    }

    @Override
    public RawRecord copy(RawRecord from, RawRecord reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(RawRecord r, DataOutputView out) throws IOException {
        StringValue.writeString(r.origin, out);
        StringValue.writeString(r.position, out);
        out.writeInt(r.payload.length);
        out.write(r.payload);
        out.writeInt(r.size);
        out.writeLong(r.eventTs);
        out.writeByte(r.decodeFailure == null ? 0 : r.decodeFailure.ordinal() + 1);
        if (r.decodeFailure != null) {
            StringValue.writeString(r.decodeDetail, out);
        }
        out.writeLong(r.rangeStart);
        out.writeLong(r.rangeEnd);
        out.writeLong(r.rangeLines);
        if (r.parsedUnder == null) {
            out.writeByte(NOT_PARSED);
            return;
        }
        out.writeByte(r.invalidAhead == null ? PARSED : INVALID);
        writeLimits(r.parsedUnder, out);
        if (r.invalidAhead == null) {
            EventSerializer.INSTANCE.serialize(r.parsedAhead, out);
        } else {
            out.writeByte(r.invalidAhead.reason().ordinal());
            StringValue.writeString(r.invalidAhead.getMessage(), out);
        }
    }

    @Override
    public RawRecord deserialize(DataInputView in) throws IOException {
        RawRecord r = new RawRecord();
        r.origin = StringValue.readString(in);
        r.position = StringValue.readString(in);
        r.payload = new byte[in.readInt()];
        in.readFully(r.payload);
        r.size = in.readInt();
        r.eventTs = in.readLong();
        int failure = in.readByte();
        if (failure != 0) {
            r.decodeFailure = REASONS[failure - 1];
            r.decodeDetail = StringValue.readString(in);
        }
        r.rangeStart = in.readLong();
        r.rangeEnd = in.readLong();
        r.rangeLines = in.readLong();
        byte parsed = in.readByte();
        if (parsed == NOT_PARSED) {
            return r;
        }
        r.parsedUnder = readLimits(in);
        if (parsed == PARSED) {
            r.parsedAhead = EventSerializer.INSTANCE.deserialize(in);
        } else {
            DeadLetterReason reason = REASONS[in.readByte()];
            r.invalidAhead = new InvalidEventException(reason, StringValue.readString(in));
        }
        return r;
    }

    private static void writeLimits(InputLimits l, DataOutputView out) throws IOException {
        out.writeInt(l.maxIdChars);
        out.writeInt(l.maxDimensionChars);
        out.writeLong(l.maxLatencyMs);
        out.writeLong(l.maxTokens);
        out.writeLong(l.maxImages);
        out.writeLong(l.maxInstanceCount);
        out.writeLong(l.minTsMillis);
        out.writeLong(l.maxTsMillis);
    }

    /** The last limits read, reused while the next are equal (every record of a job has the same). */
    private static final ThreadLocal<InputLimits[]> LAST_LIMITS = ThreadLocal.withInitial(() -> new InputLimits[1]);

    private static InputLimits readLimits(DataInputView in) throws IOException {
        InputLimits read = new InputLimits(in.readInt(), in.readInt(), in.readLong(), in.readLong(), in.readLong(),
                in.readLong(), in.readLong(), in.readLong());
        InputLimits[] last = LAST_LIMITS.get();
        if (read.equals(last[0])) {
            return last[0];
        }
        last[0] = read;
        return read;
    }

    @Override
    public RawRecord deserialize(RawRecord reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<RawRecord> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Records the layout (see {@link VersionedSerializerSnapshot}). */
    public static final class Snapshot extends VersionedSerializerSnapshot<RawRecord> {
        public Snapshot() {
            super(LAYOUT);
        }

        @Override
        protected String format() {
            return "raw record";
        }

        @Override
        protected int currentLayout() {
            return LAYOUT;
        }

        @Override
        protected TypeSerializer<RawRecord> serializerFor(int layout) {
            return INSTANCE; // layout 1 is the only one so far
        }
    }

    /** Lets Flink's type extraction find this serializer through {@code @TypeInfo}. */
    public static final class TypeInfoFactory extends org.apache.flink.api.common.typeinfo.TypeInfoFactory<RawRecord> {
        @Override
        public TypeInformation<RawRecord> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new SerializerTypeInfo<>(RawRecord.class, INSTANCE);
        }
    }
}
