package com.gluu.kpi.events;

/** A rejected record on its way to {@code kpi.dead_letters}. */
public class DeadLetter {
    /** Maximum raw payload kept, in bytes (SPEC §2). */
    public static final int MAX_RAW_BYTES = 64 * 1024;
    /** Longest detail kept, in characters. */
    public static final int MAX_DETAIL_CHARS = 1024;

    public String id;
    public String reason;
    public String detail;
    /** The payload decoded leniently as UTF-8, cut to 64 KiB, U+0000 (and any lone surrogate) replaced. */
    public String raw;
    public String eventId = "";
    /** Event time if it was known, else {@code Long.MIN_VALUE}. */
    public long eventTs = Long.MIN_VALUE;

    public DeadLetter() {}

    /**
     * A dead letter of {@code record}. Every text in it is one Postgres accepts (U+0000 and
     * unpaired surrogates replaced), so writing it can never fail: the detail (cut to
     * {@link #MAX_DETAIL_CHARS} characters; the parser's details quote at most 64 characters of
     * any value, this is the backstop for everything else) and the raw payload.
     */
    public static DeadLetter of(RawRecord record, DeadLetterReason reason, String detail) {
        DeadLetter d = new DeadLetter();
        d.id = PostgresText.clean(record.id());
        d.reason = reason.wireName();
        d.detail = detail == null ? "" : PostgresText.clean(Details.cut(detail, MAX_DETAIL_CHARS));
        d.raw = printable(record.payload);
        return d;
    }

    /**
     * A dead letter of a record that parsed into an event with {@code eventId} and {@code eventTs}
     * (rejected later, e.g. as too late); the event id is made safe like the rest.
     */
    public static DeadLetter of(RawRecord record, DeadLetterReason reason, String detail, String eventId, long eventTs) {
        DeadLetter d = of(record, reason, detail);
        d.eventId = eventId == null ? "" : PostgresText.clean(eventId);
        d.eventTs = eventTs;
        return d;
    }

    /** Lenient UTF-8 text of at most 64 KiB of the payload, safe for a Postgres text column. */
    static String printable(byte[] payload) {
        int n = Math.min(payload.length, MAX_RAW_BYTES);
        // Cut before a character that straddles the limit (at most 3 continuation bytes back),
        // rather than leave its first bytes to decode as a spurious U+FFFD.
        for (int back = 0; back < 3 && n < payload.length && n > 0 && (payload[n] & 0xC0) == 0x80; back++) {
            n--;
        }
        // Lenient decoding turns malformed bytes into U+FFFD and never yields a lone surrogate, but
        // a NUL byte stays U+0000: clean() replaces it (and would any lone surrogate).
        return PostgresText.clean(new String(payload, 0, n, java.nio.charset.StandardCharsets.UTF_8));
    }
}
