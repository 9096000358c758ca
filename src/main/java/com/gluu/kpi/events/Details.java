package com.gluu.kpi.events;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * Pieces of a dead letter's detail. A detail may quote a value from the record, but never more
 * than {@link #MAX_QUOTED_CHARS} characters of it, so a megabyte of garbage in a field gives a
 * detail of a line, not a megabyte; quoted text is made safe for Postgres.
 */
final class Details {
    /** Characters (code points) of a value that a detail quotes at most. */
    static final int MAX_QUOTED_CHARS = 64;

    private Details() {}

    /** {@code 'value'}, or {@code 'first 64 characters…' (2,700 characters)} for a longer one. */
    static String quote(String value) {
        if (value.length() <= MAX_QUOTED_CHARS) {
            return "'" + PostgresText.clean(value) + "'";
        }
        int chars = value.codePointCount(0, value.length());
        if (chars <= MAX_QUOTED_CHARS) {
            return "'" + PostgresText.clean(value) + "'";
        }
        String head = value.substring(0, value.offsetByCodePoints(0, MAX_QUOTED_CHARS));
        return "'" + PostgresText.clean(head) + "…' (" + count(chars) + " characters)";
    }

    /** At most {@code max} characters of {@code text} (code points; a surrogate pair is never split), then "…". */
    static String cut(String text, int max) {
        if (text.length() <= max || text.codePointCount(0, text.length()) <= max) {
            return text;
        }
        return text.substring(0, text.offsetByCodePoints(0, max)) + "…";
    }

    /** A count with thousands separators: 2,700. */
    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** A JSON value for a detail: its type, and the value itself if it is a number, boolean or (quoted) text. */
    static String describe(Object value) {
        String type = FlatObject.typeName(value);
        if (value instanceof String) {
            return type + " " + quote((String) value);
        }
        if (value instanceof Number || value instanceof Boolean) {
            return type + " " + number(value);
        }
        return type;
    }

    /** A number as written: integers whole, decimals without exponent up to 10^15 (86400000.5, 1.0E308). */
    static String number(Object value) {
        if (value instanceof Double) {
            double d = (Double) value;
            if (Double.isFinite(d) && Math.abs(d) < 1e15) {
                return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
            }
            return Double.toString(d);
        }
        return String.valueOf(value);
    }
}
