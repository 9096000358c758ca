package com.gluu.kpi.events;

/**
 * One record exactly as a source delivered it, before any parsing.
 *
 * <p>{@code origin} and {@code position} name where the record came from (a file name and line
 * number, or a Kinesis stream/shard and sequence number). Together they are the identity of a
 * dead letter, so a replay or a restart writes the same dead-letter row again instead of a new
 * one.
 */
@org.apache.flink.api.common.typeinfo.TypeInfo(RawRecordSerializer.TypeInfoFactory.class)
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
     * why the record is invalid, and the limits it was judged under. {@link RawRecordSerializer}
     * carries it to the parse step when that runs in another task (ranged replays), so the work
     * is not done twice; a copy within a task leaves it with the original, which gives it once.
     */
    transient Event parsedAhead;
    transient InvalidEventException invalidAhead;
    transient InputLimits parsedUnder;
    /**
     * A file read in byte ranges by several source subtasks ({@code source.range_bytes} set,
     * parallelism above 1): the offset of
     * the first byte of this record's range, or -1 when the record came from no range. A ranged
     * record's {@code position} is its line number within its range until {@code FileOrder} puts
     * the ranges back in file order and numbers it within the file.
     */
    public long rangeStart = -1;
    /** Set on a range's end marker only (no payload): where the next range starts, and the lines this one had. */
    public long rangeEnd = -1;
    public long rangeLines = -1;

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

    /**
     * The marker a ranged reader emits after the last line of its range [{@code start}, {@code
     * end}), which had {@code lines} lines (blank ones included, as line numbers count them).
     */
    public static RawRecord rangeEnd(String origin, long start, long end, long lines) {
        RawRecord r = new RawRecord(origin, null, new byte[0], 0);
        r.rangeStart = start;
        r.rangeEnd = end;
        r.rangeLines = lines;
        return r;
    }

    public boolean isRangeEnd() {
        return rangeLines >= 0;
    }

    /**
     * Gives a ranged record its line number within the file, so it reads (and names its dead
     * letter) as if one reader had read the whole file.
     */
    public void numberInFile(long line) {
        position = Long.toString(line);
        rangeStart = -1;
    }

    public String id() {
        return origin + ":" + position;
    }
}
