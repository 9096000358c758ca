package com.gluu.kpi.events;

/**
 * Text a Postgres {@code text} column always accepts: Postgres refuses U+0000, and the JDBC
 * driver encodes an unpaired UTF-16 surrogate as {@code ?}, so both are replaced with U+FFFD.
 * Used for everything written to {@code kpi.dead_letters}, whose writes must never fail.
 */
public final class PostgresText {
    private static final char REPLACEMENT = '\uFFFD';

    private PostgresText() {}

    /** {@code text} with every U+0000 and unpaired surrogate replaced; null stays null. */
    public static String clean(String text) {
        if (text == null) {
            return null;
        }
        int bad = firstBad(text);
        if (bad < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        out.append(text, 0, bad);
        for (int i = bad; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                out.append(REPLACEMENT);
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append(REPLACEMENT);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * The index (from {@code offset}) of the first U+0000 or unpaired surrogate among
     * {@code chars[offset, offset + length)}, or -1 if they are clean. For text a parser hands
     * over in its own buffer, without making a string of it.
     */
    public static int firstBad(char[] chars, int offset, int length) {
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            char c = chars[i];
            if (c == 0) {
                return i - offset;
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(chars[i + 1])) {
                    i++;
                } else {
                    return i - offset;
                }
            }
        }
        return -1;
    }

    /** The index of the first U+0000 or unpaired surrogate, or -1 if the text is clean. */
    public static int firstBad(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return i;
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    return i;
                }
            }
        }
        return -1;
    }
}
