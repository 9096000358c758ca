package com.gluu.kpi.events;

/** Why a record was rejected; the wire name is what {@code kpi.dead_letters.reason} holds. */
public enum DeadLetterReason {
    /** Not valid UTF-8. */
    INVALID_UTF8,
    /** Not JSON, or JSON that is not an object. */
    MALFORMED_JSON,
    /** A required field is absent (or null). */
    MISSING_FIELD,
    /** A field has the wrong JSON type. */
    WRONG_TYPE,
    /**
     * A field is out of range or not one of its allowed values; includes a {@code ts} that does
     * not parse or lies more than 24 h ahead of the watermark.
     */
    BAD_VALUE,
    /** The record is larger than 1 MiB. */
    TOO_LARGE,
    /** Older than the watermark minus the allowed lateness: its windows are closed. */
    TOO_LATE,
    /** {@code type} is not one of the known event types. */
    UNKNOWN_TYPE,
    /**
     * A Kinesis record whose wrapping is corrupt: a gzip stream that does not inflate, or a
     * KPL aggregate that is truncated, malformed or fails its MD5 check.
     */
    BAD_ENCODING,
    /**
     * Not an input record but a KPI row the database refused (a data error, SQLSTATE class 21, 22,
     * 23 or 54): set aside by the Postgres sink with the database's message, so the rest of its
     * batch is written and the job goes on.
     */
    UNWRITABLE;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
