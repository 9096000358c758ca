package com.gluu.kpi.events;

import java.nio.charset.StandardCharsets;

/**
 * Reads the JSON producers actually send straight from its bytes into a {@link FlatObject}, and
 * gives up on anything else, which {@link EventParser} then reads with Jackson as before.
 *
 * <p>"Plain" means: one object, nested at most {@link FlatObject#MAX_DEPTH} deep, no arrays;
 * every string (names and values) printable ASCII without a backslash; numbers either integers
 * of at most 18 digits or decimals without an exponent whose digits, read as one integer, are
 * below 2<sup>53</sup> with at most 22 after the point; JSON whitespace between tokens. On such a
 * record Jackson's reading gives the same object (field by field: the same names, interned, the
 * same Long, Double, Boolean, String and nested objects; {@code PlainJsonReaderTest} compares the
 * two on generated and mutated records), so every verdict and message of the parser is unchanged.
 * Anything else, valid or not (an escape, a non-ASCII byte, an array, an exponent, a stray
 * character), returns null before anything is decided, and Jackson decides as it always did:
 * this class never rejects a record and never writes a message.
 *
 * <p>Why it is exact:
 * <ul>
 *   <li>a printable ASCII string without escapes is its own bytes, holds no U+0000 and no
 *       surrogate (so {@link FlatObject.Reader}'s text check has nothing to find), and a record
 *       made only of such strings and JSON punctuation is valid UTF-8;
 *   <li>a decimal {@code d.ddd} whose digits form an integer {@code w < 2^53} with {@code k ≤ 22}
 *       fraction digits is {@code w / 10^k}, a quotient of two doubles that are exact, and IEEE
 *       division rounds it correctly: the same double as any correct parser (Clinger's fast
 *       path), Jackson's included;
 *   <li>an integer of at most 18 digits fits a long, which is what Jackson returns for it.
 * </ul>
 *
 * <p>Why it exists: a JFR profile of a 1.8M-line replay (issue 16) had Jackson's tokenizer,
 * symbol table and the per-string text check at the top of the source thread. Names are looked
 * up in a small table of their bytes (no string is made for a known name); values are copied
 * once into Latin-1 strings.
 *
 * <p>Values of the names it is given as <em>dimensions</em> (service, model, endpoint, …: a few
 * distinct values each, repeated on every record) come from a small cache of their bytes
 * instead: an equal string, and the same instance for the same bytes while it stays in the
 * cache. So a replay does not allocate ten strings per record, and the windows, key caps and
 * alert rules downstream hash and compare strings whose hash code is already computed and which
 * are often identical. (Equal content is all the parser promises; identity is only speed.) Ids
 * and free text are not cached: they would only evict the dimensions.
 *
 * <p>One instance per parser (it keeps its position and its name table); not thread-safe.
 */
final class PlainJsonReader {
    /** Longer names are left to Jackson (whose own limit is far above any field of the contract). */
    private static final int MAX_NAME_BYTES = 128;
    /** At most this many distinct names are remembered; past it, records with new names go to Jackson. */
    private static final int MAX_NAMES = 512;
    private static final int TABLE_SLOTS = 2048; // a power of two, 4 × MAX_NAMES
    /** Dimension values cached, direct-mapped by the hash of their bytes (a power of two). */
    private static final int VALUE_SLOTS = 1024;
    /** Longer dimension values are not cached (the contract allows 256 characters; real ones are short). */
    private static final int MAX_CACHED_VALUE_BYTES = 64;
    private static final long TWO_TO_53 = 1L << 53;
    private static final double[] POWERS_OF_TEN = new double[23];

    static {
        double p = 1;
        for (int i = 0; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = p; // 10^0 … 10^22, each exact in a double
            p *= 10;
        }
    }

    /** A value that is not plain: the whole record goes to Jackson. */
    private static final Object NOT_PLAIN = new Object();

    private final byte[][] tableBytes = new byte[TABLE_SLOTS][];
    private final String[] tableNames = new String[TABLE_SLOTS];
    /** Whether the name in the slot is a dimension, whose values come from the value cache. */
    private final boolean[] tableDimension = new boolean[TABLE_SLOTS];
    private int names;
    private final java.util.Set<String> dimensions;
    /** Set by {@link #name()}: whether the name just read is a dimension. */
    private boolean nameIsDimension;

    private final byte[][] valueBytes = new byte[VALUE_SLOTS][];
    private final String[] valueStrings = new String[VALUE_SLOTS];

    /** A reader that caches no values. */
    PlainJsonReader() {
        this(java.util.Set.of());
    }

    /** A reader that caches the string values of these field names (at any depth). */
    PlainJsonReader(java.util.Set<String> dimensions) {
        this.dimensions = dimensions;
    }

    private final FlatObject.Pool objects = new FlatObject.Pool();
    private byte[] in;
    private int pos;
    private int end;

    /**
     * The record's object, or null when the record is not plain (then Jackson reads it). The
     * object and the objects nested in it are this reader's: valid until its next {@code read},
     * which empties them for the next record (the parser copies out what it needs first).
     */
    FlatObject read(byte[] payload) {
        objects.reset();
        in = payload;
        pos = 0;
        end = payload.length;
        try {
            skipWhitespace();
            if (pos >= end || in[pos] != '{') {
                return null;
            }
            pos++;
            FlatObject root = object(1);
            if (root == null) {
                return null;
            }
            skipWhitespace();
            return pos == end ? root : null;
        } finally {
            in = null; // the payload belongs to the record, not to this reader
        }
    }

    /** The fields of an object whose '{' has been read, up to and including its '}'. */
    private FlatObject object(int depth) {
        FlatObject object = objects.take(depth);
        skipWhitespace();
        if (pos < end && in[pos] == '}') {
            pos++;
            return object;
        }
        while (true) {
            skipWhitespace();
            if (pos >= end || in[pos] != '"') {
                return null;
            }
            String name = name();
            if (name == null) {
                return null;
            }
            boolean dimension = nameIsDimension;
            skipWhitespace();
            if (pos >= end || in[pos] != ':') {
                return null;
            }
            pos++;
            skipWhitespace();
            Object value = value(depth, dimension);
            if (value == NOT_PLAIN) {
                return null;
            }
            if (value != null) { // JSON null is absent, as in FlatObject.Reader
                object.put(name, value);
            }
            skipWhitespace();
            if (pos >= end) {
                return null;
            }
            byte b = in[pos++];
            if (b == '}') {
                return object;
            }
            if (b != ',') {
                return null;
            }
        }
    }

    /**
     * One value; after it the caller demands whitespace, ',' or '}', so a literal or number run
     * into other characters ("truex", "12a", "1.2.3") is not plain.
     */
    private Object value(int depth, boolean dimension) {
        if (pos >= end) {
            return NOT_PLAIN;
        }
        switch (in[pos]) {
            case '"':
                return dimension ? cachedString() : string();
            case '{':
                if (depth >= FlatObject.MAX_DEPTH) {
                    return NOT_PLAIN; // Jackson's reader keeps such an object as an empty one
                }
                pos++;
                FlatObject nested = object(depth + 1);
                return nested == null ? NOT_PLAIN : nested;
            case 't':
                return literal("true") ? Boolean.TRUE : NOT_PLAIN;
            case 'f':
                return literal("false") ? Boolean.FALSE : NOT_PLAIN;
            case 'n':
                return literal("null") ? null : NOT_PLAIN;
            default:
                return number();
        }
    }

    private boolean literal(String word) {
        int n = word.length();
        if (end - pos < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (in[pos + i] != word.charAt(i)) {
                return false;
            }
        }
        pos += n;
        return true;
    }

    /** The index of the closing quote of a plain string whose opening quote is at {@code pos}, or -1. */
    private int plainStringEnd() {
        for (int i = pos + 1; i < end; i++) {
            byte b = in[i];
            if (b == '"') {
                return i;
            }
            if (!plainInString(b)) {
                return -1;
            }
        }
        return -1;
    }

    /** Not a control byte, an escape's backslash or (negative) a non-ASCII byte. */
    private static boolean plainInString(byte b) {
        return b >= 0x20 && b != '\\';
    }

    private Object string() {
        int close = plainStringEnd();
        if (close < 0) {
            return NOT_PLAIN;
        }
        // ASCII bytes are Latin-1 characters: one copy into a compact string, no decoding.
        String text = new String(in, pos + 1, close - pos - 1, StandardCharsets.ISO_8859_1);
        pos = close + 1;
        return text;
    }

    /**
     * A plain string, as {@link #string()}, from the value cache when its bytes are there (else
     * made and put there, in place of the slot's last value).
     */
    private Object cachedString() {
        int start = pos + 1;
        int close = scanString(start, end);
        if (close < 0 || close == end) {
            return NOT_PLAIN;
        }
        int hash = scannedHash;
        int length = close - start;
        pos = close + 1;
        if (length > MAX_CACHED_VALUE_BYTES) {
            return new String(in, start, length, StandardCharsets.ISO_8859_1); // scanned already: not again by string()
        }
        int slot = (hash ^ (hash >>> 16)) & (VALUE_SLOTS - 1);
        byte[] known = valueBytes[slot];
        if (known != null && known.length == length && sameBytes(known, start)) {
            return valueStrings[slot];
        }
        String text = new String(in, start, length, StandardCharsets.ISO_8859_1);
        valueBytes[slot] = java.util.Arrays.copyOfRange(in, start, close);
        valueStrings[slot] = text;
        return text;
    }

    /** Set by {@link #scanString}: {@code 31 * h + b} over the bytes it scanned. */
    private int scannedHash;

    /**
     * One pass over a string from {@code start} (just after its opening quote) that finds the
     * closing quote, checks the bytes are plain and hashes them into {@link #scannedHash}: the
     * quote's index, {@code limit} when there is none before it, or -1 at a byte that is not plain.
     */
    private int scanString(int start, int limit) {
        int hash = 0;
        int close = start;
        for (; close < limit; close++) {
            byte b = in[close];
            if (b == '"') {
                break;
            }
            if (!plainInString(b)) {
                return -1;
            }
            hash = 31 * hash + b;
        }
        scannedHash = hash;
        return close;
    }

    /** A field name, interned (FlatObject compares names by identity), or null when not plain. */
    private String name() {
        int start = pos + 1;
        int limit = Math.min(end, start + MAX_NAME_BYTES + 1);
        int close = scanString(start, limit);
        if (close < 0 || close == limit) {
            return null; // not plain, no closing quote, or longer than MAX_NAME_BYTES
        }
        int hash = scannedHash;
        int length = close - start;
        int slot = (hash ^ (hash >>> 16)) & (TABLE_SLOTS - 1);
        for (byte[] known; (known = tableBytes[slot]) != null; slot = (slot + 1) & (TABLE_SLOTS - 1)) {
            if (known.length == length && sameBytes(known, start)) {
                pos = close + 1;
                nameIsDimension = tableDimension[slot];
                return tableNames[slot];
            }
        }
        if (names == MAX_NAMES) {
            return null; // a flood of distinct names: not what producers send
        }
        names++;
        tableBytes[slot] = java.util.Arrays.copyOfRange(in, start, close);
        tableNames[slot] = new String(in, start, length, StandardCharsets.ISO_8859_1).intern();
        tableDimension[slot] = dimensions.contains(tableNames[slot]);
        nameIsDimension = tableDimension[slot];
        pos = close + 1;
        return tableNames[slot];
    }

    /** Whether {@code known} equals the input's bytes from {@code start} (names are short: a plain loop). */
    private boolean sameBytes(byte[] known, int start) {
        for (int i = 0; i < known.length; i++) {
            if (known[i] != in[start + i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?} within the bounds of the class comment, as a Long
     * (no point) or a Double; anything else (an exponent, more digits) is not plain.
     */
    private Object number() {
        boolean negative = in[pos] == '-';
        int i = negative ? pos + 1 : pos;
        if (i >= end || in[i] < '0' || in[i] > '9') {
            return NOT_PLAIN;
        }
        long digits = 0;
        int count = 0;
        if (in[i] == '0') {
            i++;
            count = 1;
            if (i < end && in[i] >= '0' && in[i] <= '9') {
                return NOT_PLAIN; // a leading zero: invalid JSON, Jackson says why
            }
        } else {
            while (i < end && in[i] >= '0' && in[i] <= '9') {
                if (++count > 18) {
                    return NOT_PLAIN;
                }
                digits = digits * 10 + (in[i++] - '0');
            }
        }
        int fraction = 0;
        boolean decimal = i < end && in[i] == '.';
        if (decimal) {
            i++;
            while (i < end && in[i] >= '0' && in[i] <= '9') {
                if (++count > 18 || ++fraction > 22) {
                    return NOT_PLAIN;
                }
                digits = digits * 10 + (in[i++] - '0');
            }
            if (fraction == 0) {
                return NOT_PLAIN; // "1." is invalid JSON
            }
        }
        if (i < end && (in[i] == 'e' || in[i] == 'E')) {
            return NOT_PLAIN;
        }
        pos = i;
        if (!decimal) {
            return negative ? -digits : digits;
        }
        if (digits >= TWO_TO_53) {
            return NOT_PLAIN;
        }
        double value = digits / POWERS_OF_TEN[fraction];
        return negative ? -value : value;
    }

    private void skipWhitespace() {
        while (pos < end) {
            byte b = in[pos];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return;
            }
            pos++;
        }
    }
}
