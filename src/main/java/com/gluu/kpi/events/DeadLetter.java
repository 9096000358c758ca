package com.gluu.kpi.events;

/** A rejected record on its way to {@code kpi.dead_letters}. */
public class DeadLetter {
    /** Maximum raw payload kept, in bytes (SPEC §2). */
    public static final int MAX_RAW_BYTES = 64 * 1024;

    public String id;
    public String reason;
    public String detail;
    /** The payload decoded leniently as UTF-8, cut to 64 KiB, NUL characters replaced. */
    public String raw;
    public String eventId = "";
    /** Event time if it was known, else {@code Long.MIN_VALUE}. */
    public long eventTs = Long.MIN_VALUE;

    public DeadLetter() {}

    public static DeadLetter of(RawRecord record, DeadLetterReason reason, String detail) {
        DeadLetter d = new DeadLetter();
        d.id = record.id();
        d.reason = reason.wireName();
        d.detail = detail == null ? "" : detail.replace('\0', '\uFFFD');
        d.raw = printable(record.payload);
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
        String text = new String(payload, 0, n, java.nio.charset.StandardCharsets.UTF_8);
        return text.indexOf('\0') >= 0 ? text.replace('\0', '\uFFFD') : text;
    }
}
