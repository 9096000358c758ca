package com.gluu.kpi.upgrade;

import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventSerializer;
import com.gluu.kpi.pipeline.VersionedSerializerSnapshot;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * The {@link EventSerializer} of a next build in which {@link Event} gained a field ({@code
 * region}, held here by {@link RegionEvent}): its layout ({@link EventSerializer#LAYOUT} + 1) is
 * this build's layout followed by the region, and its snapshot — the same format, "event" — keeps
 * this build's serializers as the readers of the older layouts, exactly as the procedure of
 * {@link VersionedSerializerSnapshot} says a real change must.
 */
class NextEventSerializer extends TypeSerializerSingleton<Event> {
    private static final long serialVersionUID = 1L;
    static final NextEventSerializer INSTANCE = new NextEventSerializer();
    static final int LAYOUT = EventSerializer.LAYOUT + 1;

    static String region(Event e) {
        return e instanceof RegionEvent r ? r.region : null;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public Event createInstance() {
        return new RegionEvent(new Event(), null);
    }

    @Override
    public Event copy(Event from) {
        return new RegionEvent(EventSerializer.INSTANCE.copy(from), region(from));
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
        EventSerializer.INSTANCE.serialize(e, out);
        StringValue.writeString(region(e), out);
    }

    @Override
    public Event deserialize(DataInputView in) throws IOException {
        Event e = EventSerializer.INSTANCE.deserialize(in);
        return new RegionEvent(e, StringValue.readString(in));
    }

    @Override
    public Event deserialize(Event reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<Event> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The next build's snapshot: this build's layouts (its serializers) and the next one. */
    public static final class Snapshot extends VersionedSerializerSnapshot<Event> {
        public Snapshot() {
            super(LAYOUT);
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
            return layout == 1 ? EventSerializer.Layout1.INSTANCE : layout == EventSerializer.LAYOUT
                    ? EventSerializer.INSTANCE : INSTANCE;
        }
    }

    /**
     * The same layout 2, with the snapshot the serializers had before format versions: one that
     * answers "compatible as is" to anything it is asked about (the bug).
     */
    static final class Careless extends NextEventSerializer {
        private static final long serialVersionUID = 1L;
        static final Careless INSTANCE = new Careless();

        @Override
        public TypeSerializerSnapshot<Event> snapshotConfiguration() {
            return new CarelessSnapshot();
        }
    }

    public static final class CarelessSnapshot implements TypeSerializerSnapshot<Event> {
        @Override
        public int getCurrentVersion() {
            return 1;
        }

        @Override
        public void writeSnapshot(DataOutputView out) {}

        @Override
        public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader) {}

        @Override
        public TypeSerializer<Event> restoreSerializer() {
            return Careless.INSTANCE;
        }

        @Override
        public TypeSerializerSchemaCompatibility<Event> resolveSchemaCompatibility(TypeSerializerSnapshot<Event> old) {
            return TypeSerializerSchemaCompatibility.compatibleAsIs();
        }
    }

    /** An event with the field the next build's {@link Event} has. */
    static final class RegionEvent extends Event {
        String region;

        RegionEvent(Event e, String region) {
            eventId = e.eventId;
            type = e.type;
            ts = e.ts;
            schemaVersion = e.schemaVersion;
            inference = e.inference;
            feedback = e.feedback;
            endpoint = e.endpoint;
            task = e.task;
            job = e.job;
            this.region = region;
        }
    }
}
