package com.gluu.kpi.events;

import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Parsing of the {@code ts} field: ISO-8601 with an offset, or integer epoch milliseconds.
 * {@link #MIN_MILLIS} and {@link #MAX_MILLIS} are the range a {@code ts} can be parsed to at all;
 * the parser then holds it to the narrower configured limits ({@link InputLimits#minTsMillis},
 * {@link InputLimits#maxTsMillis}; SPEC §2: from 2000-01-01).
 */
public final class EventTimes {
    /** 0000-01-01T00:00:00Z, the earliest event time that parses. */
    public static final long MIN_MILLIS = -62_167_219_200_000L;
    /** 9999-12-31T23:59:59.999Z, the latest event time that parses. */
    public static final long MAX_MILLIS = 253_402_300_799_999L;

    private EventTimes() {}

    /**
     * Returns epoch millis for an ISO-8601 timestamp that carries an offset ({@code Z} or
     * {@code ±hh:mm}); throws for anything else, including a local time without an offset, which
     * would be ambiguous.
     */
    public static long parseIso(String text) throws InvalidEventException {
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
        } catch (DateTimeException | ArithmeticException e) {
            throw new InvalidEventException(
                    DeadLetterReason.BAD_VALUE, "ts must be ISO-8601 with an offset or epoch millis, got " + Details.quote(text));
        }
    }
}
