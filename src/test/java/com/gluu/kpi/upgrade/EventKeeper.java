package com.gluu.kpi.upgrade;

import com.gluu.kpi.events.Event;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Test operator: keeps each event in keyed {@code ValueState} under its event id, written with
 * the serializer it is given. It stands for every operator of the job that keeps events in keyed
 * state (the timelines' pending events): a savepoint holds them as this operator's state does,
 * the serializer's snapshot next to the bytes, and the upgrade tests restore it with another
 * build's serializer.
 */
final class EventKeeper extends AbstractStreamOperator<Event> implements OneInputStreamOperator<Event, Event> {
    private static final long serialVersionUID = 1L;
    static final String STATE = "events";

    private final TypeSerializer<Event> serializer;
    private transient ValueState<Event> events;

    EventKeeper(TypeSerializer<Event> serializer) {
        this.serializer = serializer;
    }

    static String key(Event e) {
        return e.eventId == null ? "(no id)" : e.eventId;
    }

    @Override
    public void open() throws Exception {
        super.open();
        events = getRuntimeContext().getState(new ValueStateDescriptor<>(STATE, serializer));
    }

    @Override
    public void processElement(StreamRecord<Event> element) throws Exception {
        events.update(element.getValue());
    }

    /** The event kept under {@code key}, or null. */
    Event kept(String key) throws Exception {
        setCurrentKey(key);
        return events.value();
    }
}
