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

    public RawRecord() {}

    public RawRecord(String origin, String position, byte[] payload, int size) {
        this.origin = origin;
        this.position = position;
        this.payload = payload;
        this.size = size;
    }

    public static RawRecord of(String origin, String position, byte[] payload) {
        return new RawRecord(origin, position, payload, payload.length);
    }

    public String id() {
        return origin + ":" + position;
    }
}
