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
        long common = parseCommonShape(text);
        return common != NOT_COMMON ? common : parseAnyShape(text);
    }

    /** No common shape: {@link #parseCommonShape} leaves the string to java.time. */
    static final long NOT_COMMON = Long.MIN_VALUE;

    /**
     * The shapes producers send, parsed by hand: {@code yyyy-MM-ddTHH:mm:ss}, an optional
     * fraction of 1 to 9 digits, then {@code Z} or {@code ±HH:MM}. A JFR profile of a 1.8M-line
     * replay (issue 16) had java.time's formatter among the hot frames; this costs a few
     * comparisons per character and allocates nothing. Anything else — another shape, a value out
     * of range, a day the month does not have, a lower-case {@code t} or {@code z}, an offset with
     * seconds — returns {@link #NOT_COMMON} and goes to {@link #parseAnyShape}, so what is accepted,
     * what is rejected and every message stay java.time's ({@code EventTimesTest} compares the two
     * on generated strings). Millis truncate the fraction, as {@code Instant.toEpochMilli} does.
     */
    static long parseCommonShape(String t) {
        int n = t.length();
        if (n < 20 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T' || t.charAt(13) != ':'
                || t.charAt(16) != ':') {
            return NOT_COMMON;
        }
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 2);
        int day = digits(t, 8, 2);
        int hour = digits(t, 11, 2);
        int minute = digits(t, 14, 2);
        int second = digits(t, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour < 0 || hour > 23
                || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return NOT_COMMON;
        }
        int i = 19;
        int millis = 0;
        if (t.charAt(i) == '.') {
            int start = ++i;
            while (i < n && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
                if (i - start < 3) {
                    millis = millis * 10 + (t.charAt(i) - '0');
                }
                i++;
            }
            int count = i - start;
            if (count < 1 || count > 9) {
                return NOT_COMMON;
            }
            for (int k = count; k < 3; k++) {
                millis *= 10;
            }
        }
        int offsetSeconds;
        if (i == n - 1 && t.charAt(i) == 'Z') {
            offsetSeconds = 0;
        } else if (i == n - 6 && (t.charAt(i) == '+' || t.charAt(i) == '-') && t.charAt(i + 3) == ':') {
            int oh = digits(t, i + 1, 2);
            int om = digits(t, i + 4, 2);
            if (oh < 0 || oh > 18 || om < 0 || om > 59 || (oh == 18 && om > 0)) {
                return NOT_COMMON;
            }
            offsetSeconds = (oh * 3600 + om * 60) * (t.charAt(i) == '-' ? -1 : 1);
        } else {
            return NOT_COMMON;
        }
        long epochSecond = daysFromCivil(year, month, day) * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
        return epochSecond * 1000 + millis;
    }

    /** The value of {@code count} ASCII digits at {@code from}, or -1 if one is not a digit. */
    private static int digits(String t, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static int daysInMonth(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
    static long daysFromCivil(int year, int month, int day) {
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yearOfEra = y - era * 400;
        long dayOfYear = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        long dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097 + dayOfEra - 719_468;
    }

    /** Every shape java.time's ISO_OFFSET_DATE_TIME reads, with its verdicts. */
    static long parseAnyShape(String text) throws InvalidEventException {
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
        } catch (DateTimeException | ArithmeticException e) {
            throw new InvalidEventException(
                    DeadLetterReason.BAD_VALUE, "ts must be ISO-8601 with an offset or epoch millis, got " + Details.quote(text));
        }
    }
}
