package com.gluu.kpi.events;

/**
 * One record exactly as a source delivered it, before any parsing.
 *
 * <p>{@code origin} and {@code position} name where the record came from (a file name and line
 * number, or a Kinesis stream/shard and sequence number). Together they are the identity of a
 * dead letter, so a replay or a restart writes the same dead-letter row again instead of a new
 * one.
 */
public class RawRecord {
    public String origin;
    public String position;
    public byte[] payload;
    /** Length of the record in bytes, which may exceed {@code payload.length} if truncated. */
    public int size;
    /**
     * Event time read at the source ({@code Long.MIN_VALUE} if not read, or unreadable): only
     * sources that generate watermarks per partition (Kinesis) fill it; the parser reads
     * {@code ts} again.
     */
    public long eventTs = Long.MIN_VALUE;
    /**
     * Set when the source could not unwrap the record (corrupt gzip or KPL aggregate, too large
     * once inflated): the parser rejects it with this reason and {@link #decodeDetail}.
     */
    public DeadLetterReason decodeFailure;
    public String decodeDetail;
    /**
     * Parsed ahead by the source's reading thread ({@link EventParser#parseAhead}): the event, or
     * why the record is invalid, and the limits it was judged under. Transient: not part of the
     * record's type (Flink's POJO serializer skips transient fields), so a record that is
     * serialized, checkpointed or held arrives without it and is parsed where it is needed.
     */
    transient Event parsedAhead;
    transient InvalidEventException invalidAhead;
    transient InputLimits parsedUnder;

    public RawRecord() {}

    /** Whether a source parsed this record ahead and the result is still waiting to be taken. */
    public boolean isParsedAhead() {
        return parsedUnder != null;
    }

    public RawRecord(String origin, String position, byte[] payload, int size) {
        this.origin = origin;
        this.position = position;
        this.payload = payload;
        this.size = size;
    }

    public static RawRecord of(String origin, String position, byte[] payload) {
        return new RawRecord(origin, position, payload, payload.length);
    }

    /** A record the source could not unwrap; it becomes a dead letter with this reason. */
    public static RawRecord undecodable(String origin, String position, byte[] payload, DeadLetterReason reason,
            String detail) {
        RawRecord r = of(origin, position, payload);
        r.decodeFailure = reason;
        r.decodeDetail = detail;
        return r;
    }

    public String id() {
        return origin + ":" + position;
    }
}
