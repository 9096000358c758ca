package com.gluu.kpi.events;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A validated event: the common fields of SPEC §2 and exactly one non-null body for its type.
 *
 * <p>One envelope type (rather than a class hierarchy) keeps every stream a plain Flink POJO, so
 * the job runs with {@code pipeline.generic-types: false}. On the wire it uses its own
 * {@link EventSerializer} (no reflection), since every event crosses the shuffle into dedup.
 */
@TypeInfo(EventSerializer.TypeInfoFactory.class)
public class Event {
    public String eventId;
    public EventType type;
    /** Event time, epoch milliseconds. */
    public long ts;
    public int schemaVersion = 1;
    // No source id: a record is named (origin:position) only when it becomes a dead letter, which
    // happens at the parse step, from the RawRecord. The builds before 2026-12-07 built that name
    // for every event and carried it to the end; nothing read it.

    public InferenceEvent inference;
    public FeedbackEvent feedback;
    public EndpointEvent endpoint;
    public TaskEvent task;
    public JobEvent job;

    public Event() {}

    /**
     * The key the job partitions events by after parsing: the {@code request_id} of inference and
     * feedback events, so that dedup and the feedback join share one shuffle, else the
     * {@code event_id}. Every copy of a producer retry has the same key.
     */
    public String routingKey() {
        if (inference != null) {
            return inference.requestId;
        }
        if (feedback != null) {
            return feedback.requestId;
        }
        return eventId;
    }
}
