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
 * Writes an {@link Event} field by field, its body included. Every event crosses the job's one
 * big shuffle (by request id, into dedup), where Flink's POJO serializer spent most of its time
 * in reflection (field access, instance creation) on both sides of the wire; this one does the
 * same work with plain field reads. Strings may be null (as the POJO serializer allows).
 *
 * <p>Layout 1: a flags byte (bit 0–3: which of inference, feedback, endpoint, task bodies
 * follow), event id, type ordinal + 1 (0 for none), ts, schema version, source id, then each
 * present body's fields in declaration order. (The source id, a string, was never read by any
 * operator; since 2026-12-07 it is written as null and skipped when read: the same bytes for
 * both layouts, so state of either restores as it is.) Layout 2 (this build) adds the {@code job} body:
 * flag bit 4, its fields after the task body's. Layout 1 bytes are layout 2 bytes without that
 * bit; {@link Layout1} reads and writes exactly layout 1 for state of the builds before it.
 *
 * <p>A field added to {@link Event} or a body must be
 * added here ({@code PojoSerializationTest} fails until it is) <em>as a new layout</em>: savepoints
 * hold events in keyed state (the timelines' pending events), so {@link #LAYOUT} goes up and a
 * serializer of the old layout stays, returned by {@link Snapshot#serializerFor} (README,
 * "Upgrades"; {@code EventGainsAFieldTest} shows the change).
 */
public final class EventSerializer extends TypeSerializerSingleton<Event> {
    private static final long serialVersionUID = 1L;
    public static final EventSerializer INSTANCE = new EventSerializer();
    /** The byte layout this build writes (the class comment's); see {@link Snapshot}. */
    public static final int LAYOUT = 2;

    private static final int INFERENCE = 1;
    private static final int FEEDBACK = 2;
    private static final int ENDPOINT = 4;
    private static final int TASK = 8;
    private static final int JOB = 16;
    private static final EventType[] TYPES = EventType.values();
    private static final InferenceStatus[] STATUSES = InferenceStatus.values();

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public Event createInstance() {
        return new Event();
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(Event e, DataOutputView out) throws IOException {
        write(e, out, LAYOUT);
    }

    private static void write(Event e, DataOutputView out, int layout) throws IOException {
        if (layout < 2 && e.job != null) {
            throw new IOException("event layout " + layout + " has no job body (event " + e.eventId + ")");
        }
        int flags = (e.inference != null ? INFERENCE : 0) | (e.feedback != null ? FEEDBACK : 0)
                | (e.endpoint != null ? ENDPOINT : 0) | (e.task != null ? TASK : 0) | (e.job != null ? JOB : 0);
        out.writeByte(flags);
        StringValue.writeString(e.eventId, out);
        out.writeByte(e.type == null ? 0 : e.type.ordinal() + 1);
        out.writeLong(e.ts);
        out.writeInt(e.schemaVersion);
        StringValue.writeString(null, out); // the source id's slot (see the class comment)
        if (e.inference != null) {
            writeInference(e.inference, out);
        }
        if (e.feedback != null) {
            FeedbackEvent f = e.feedback;
            StringValue.writeString(f.requestId, out);
            StringValue.writeString(f.verdict, out);
            out.writeDouble(f.score);
            StringValue.writeString(f.source, out);
        }
        if (e.endpoint != null) {
            EndpointEvent p = e.endpoint;
            StringValue.writeString(p.endpoint, out);
            StringValue.writeString(p.model, out);
            StringValue.writeString(p.state, out);
            StringValue.writeString(p.instanceType, out);
            out.writeInt(p.instanceCount);
            StringValue.writeString(p.reason, out);
        }
        if (e.task != null) {
            TaskEvent t = e.task;
            StringValue.writeString(t.taskId, out);
            StringValue.writeString(t.service, out);
            StringValue.writeString(t.state, out);
            out.writeDouble(t.vcpu);
            out.writeDouble(t.memoryGb);
        }
        if (e.job != null) {
            JobEvent j = e.job;
            StringValue.writeString(j.jobId, out);
            StringValue.writeString(j.service, out);
            StringValue.writeString(j.state, out);
            StringValue.writeString(j.kind, out);
            StringValue.writeString(j.clientId, out);
            StringValue.writeString(j.model, out);
            out.writeInt(j.httpStatus);
            out.writeInt(j.attempt);
        }
    }

    private static void writeInference(InferenceEvent i, DataOutputView out) throws IOException {
        StringValue.writeString(i.requestId, out);
        StringValue.writeString(i.service, out);
        StringValue.writeString(i.route, out);
        StringValue.writeString(i.model, out);
        StringValue.writeString(i.modelVersion, out);
        StringValue.writeString(i.endpoint, out);
        StringValue.writeString(i.clientId, out);
        out.writeBoolean(i.async);
        out.writeByte(i.status == null ? 0 : i.status.ordinal() + 1);
        out.writeInt(i.httpStatus);
        StringValue.writeString(i.errorType, out);
        out.writeDouble(i.totalLatencyMs);
        out.writeDouble(i.modelLatencyMs);
        out.writeDouble(i.llmLatencyMs);
        StringValue.writeString(i.llmModel, out);
        out.writeLong(i.promptTokens);
        out.writeLong(i.completionTokens);
        out.writeInt(i.images);
    }

    @Override
    public Event deserialize(DataInputView in) throws IOException {
        return read(in, LAYOUT);
    }

    private static Event read(DataInputView in, int layout) throws IOException {
        Event e = new Event();
        int flags = in.readUnsignedByte();
        if (layout < 2 && (flags & JOB) != 0) {
            throw new IOException("event layout " + layout + " has no job body: flags " + flags);
        }
        e.eventId = StringValue.readString(in);
        int type = in.readUnsignedByte();
        e.type = type == 0 ? null : TYPES[type - 1];
        e.ts = in.readLong();
        e.schemaVersion = in.readInt();
        StringValue.readString(in); // the source id's slot: whatever an older build wrote, unused
        if ((flags & INFERENCE) != 0) {
            e.inference = readInference(in);
        }
        if ((flags & FEEDBACK) != 0) {
            FeedbackEvent f = new FeedbackEvent();
            f.requestId = StringValue.readString(in);
            f.verdict = StringValue.readString(in);
            f.score = in.readDouble();
            f.source = StringValue.readString(in);
            e.feedback = f;
        }
        if ((flags & ENDPOINT) != 0) {
            EndpointEvent p = new EndpointEvent();
            p.endpoint = StringValue.readString(in);
            p.model = StringValue.readString(in);
            p.state = StringValue.readString(in);
            p.instanceType = StringValue.readString(in);
            p.instanceCount = in.readInt();
            p.reason = StringValue.readString(in);
            e.endpoint = p;
        }
        if ((flags & TASK) != 0) {
            TaskEvent t = new TaskEvent();
            t.taskId = StringValue.readString(in);
            t.service = StringValue.readString(in);
            t.state = StringValue.readString(in);
            t.vcpu = in.readDouble();
            t.memoryGb = in.readDouble();
            e.task = t;
        }
        if ((flags & JOB) != 0) {
            JobEvent j = new JobEvent();
            j.jobId = StringValue.readString(in);
            j.service = StringValue.readString(in);
            j.state = StringValue.readString(in);
            j.kind = StringValue.readString(in);
            j.clientId = StringValue.readString(in);
            j.model = StringValue.readString(in);
            j.httpStatus = in.readInt();
            j.attempt = in.readInt();
            e.job = j;
        }
        return e;
    }

    private static InferenceEvent readInference(DataInputView in) throws IOException {
        InferenceEvent i = new InferenceEvent();
        i.requestId = StringValue.readString(in);
        i.service = StringValue.readString(in);
        i.route = StringValue.readString(in);
        i.model = StringValue.readString(in);
        i.modelVersion = StringValue.readString(in);
        i.endpoint = StringValue.readString(in);
        i.clientId = StringValue.readString(in);
        i.async = in.readBoolean();
        int status = in.readUnsignedByte();
        i.status = status == 0 ? null : STATUSES[status - 1];
        i.httpStatus = in.readInt();
        i.errorType = StringValue.readString(in);
        i.totalLatencyMs = in.readDouble();
        i.modelLatencyMs = in.readDouble();
        i.llmLatencyMs = in.readDouble();
        i.llmModel = StringValue.readString(in);
        i.promptTokens = in.readLong();
        i.completionTokens = in.readLong();
        i.images = in.readInt();
        return i;
    }

    @Override
    public Event deserialize(Event reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public Event copy(Event from) {
        Event e = new Event();
        e.eventId = from.eventId;
        e.type = from.type;
        e.ts = from.ts;
        e.schemaVersion = from.schemaVersion;
        if (from.inference != null) {
            e.inference = copy(from.inference);
        }
        if (from.feedback != null) {
            FeedbackEvent f = new FeedbackEvent();
            f.requestId = from.feedback.requestId;
            f.verdict = from.feedback.verdict;
            f.score = from.feedback.score;
            f.source = from.feedback.source;
            e.feedback = f;
        }
        if (from.endpoint != null) {
            EndpointEvent p = new EndpointEvent();
            p.endpoint = from.endpoint.endpoint;
            p.model = from.endpoint.model;
            p.state = from.endpoint.state;
            p.instanceType = from.endpoint.instanceType;
            p.instanceCount = from.endpoint.instanceCount;
            p.reason = from.endpoint.reason;
            e.endpoint = p;
        }
        if (from.task != null) {
            TaskEvent t = new TaskEvent();
            t.taskId = from.task.taskId;
            t.service = from.task.service;
            t.state = from.task.state;
            t.vcpu = from.task.vcpu;
            t.memoryGb = from.task.memoryGb;
            e.task = t;
        }
        if (from.job != null) {
            JobEvent j = new JobEvent();
            j.jobId = from.job.jobId;
            j.service = from.job.service;
            j.state = from.job.state;
            j.kind = from.job.kind;
            j.clientId = from.job.clientId;
            j.model = from.job.model;
            j.httpStatus = from.job.httpStatus;
            j.attempt = from.job.attempt;
            e.job = j;
        }
        return e;
    }

    private static InferenceEvent copy(InferenceEvent from) {
        InferenceEvent i = new InferenceEvent();
        i.requestId = from.requestId;
        i.service = from.service;
        i.route = from.route;
        i.model = from.model;
        i.modelVersion = from.modelVersion;
        i.endpoint = from.endpoint;
        i.clientId = from.clientId;
        i.async = from.async;
        i.status = from.status;
        i.httpStatus = from.httpStatus;
        i.errorType = from.errorType;
        i.totalLatencyMs = from.totalLatencyMs;
        i.modelLatencyMs = from.modelLatencyMs;
        i.llmLatencyMs = from.llmLatencyMs;
        i.llmModel = from.llmModel;
        i.promptTokens = from.promptTokens;
        i.completionTokens = from.completionTokens;
        i.images = from.images;
        return i;
    }

    @Override
    public Event copy(Event from, Event reuse) {
        return copy(from);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<Event> snapshotConfiguration() {
        return new Snapshot();
    }

    /**
     * Records the layout the state was written in (see {@link VersionedSerializerSnapshot}); a
     * build with another layout reads older state through {@link #serializerFor}.
     */
    public static final class Snapshot extends VersionedSerializerSnapshot<Event> {
        public Snapshot() {
            super(LAYOUT);
        }

        Snapshot(int layout) {
            super(layout);
        }

        @Override
        protected String format() {
            return "event";
        }

        @Override
        protected int currentLayout() {
            return LAYOUT;
        }

        @Override
        protected TypeSerializer<Event> serializerFor(int layout) {
            return layout == 1 ? Layout1.INSTANCE : INSTANCE;
        }
    }

    /**
     * Layout 1, the builds before the {@code job} body: what {@link Snapshot#serializerFor} gives
     * for their state. It reads and writes exactly that layout (an event with a job body cannot
     * be written in it); its snapshot says layout 1, so Flink migrates its state to layout 2.
     */
    public static final class Layout1 extends TypeSerializerSingleton<Event> {
        private static final long serialVersionUID = 1L;
        public static final Layout1 INSTANCE = new Layout1();

        @Override
        public boolean isImmutableType() {
            return false;
        }

        @Override
        public Event createInstance() {
            return new Event();
        }

        @Override
        public Event copy(Event from) {
            return EventSerializer.INSTANCE.copy(from);
        }

        @Override
        public Event copy(Event from, Event reuse) {
            return copy(from);
        }

        @Override
        public int getLength() {
            return -1;
        }

        @Override
        public void serialize(Event e, DataOutputView out) throws IOException {
            write(e, out, 1);
        }

        @Override
        public Event deserialize(DataInputView in) throws IOException {
            return read(in, 1);
        }

        @Override
        public Event deserialize(Event reuse, DataInputView in) throws IOException {
            return read(in, 1);
        }

        @Override
        public void copy(DataInputView source, DataOutputView target) throws IOException {
            write(read(source, 1), target, 1);
        }

        @Override
        public TypeSerializerSnapshot<Event> snapshotConfiguration() {
            return new Snapshot(1);
        }
    }

    /** Lets Flink's type extraction find this serializer through {@code @TypeInfo}. */
    public static final class TypeInfoFactory extends org.apache.flink.api.common.typeinfo.TypeInfoFactory<Event> {
        @Override
        public TypeInformation<Event> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new SerializerTypeInfo<>(Event.class, INSTANCE);
        }
    }
}
