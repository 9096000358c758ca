package com.gluu.kpi.pipeline;

import com.gluu.kpi.events.Event;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Stamps each admitted event with its parsed {@code ts}, passing watermarks through unchanged.
 *
 * <p>Used when watermarks come from the source (per Kinesis shard): the source stamped records
 * with the {@code ts} it read cheaply, and windows downstream must see exactly the validated
 * one. (The file replay's watermark operator stamps events itself.)
 */
final class EventTimestamps extends AbstractStreamOperator<Event> implements OneInputStreamOperator<Event, Event> {
    private static final long serialVersionUID = 1L;

    EventTimestamps() {
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    @Override
    public void processElement(StreamRecord<Event> element) {
        output.collect(element.replace(element.getValue(), element.getValue().ts));
    }
}
