package com.gluu.kpi.events;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * One JSON object read straight off Jackson's streaming parser into parallel name/value arrays:
 * strings as {@link String}, integers as {@link Long}, other numbers as {@link Double}, booleans
 * as {@link Boolean}, nested objects as {@code FlatObject}, arrays as {@link #ARRAY}. JSON
 * {@code null} is not stored, since the contract treats it as absent.
 *
 * <p>It exists for speed: an event has ~25 fields, and looking them up by a linear scan of
 * interned names is several times cheaper than building Jackson's tree of nodes and hash maps.
 *
 * <p>While reading, every string of the record — field names and values, at any depth, inside
 * arrays and inside fields the contract ignores — is checked for U+0000 and unpaired surrogates
 * (SPEC §2 "Limits"), which Jackson decodes from JSON escapes (backslash-u 0000, backslash-u d800) and
 * which Postgres cannot store; the {@link Reader} remembers the first such string.
 */
final class FlatObject {
    /** Marker for an array value (no field of the contract is an array). */
    static final Object ARRAY = new Object();
    /** Marker for an integer too large for a long. */
    static final Object BIG_INTEGER = new Object();
    /** Objects nested deeper than this (the top level is 1) are kept as empty objects. */
    static final int MAX_DEPTH = 3;
    /** Longest field path a detail names, in characters. */
    private static final int MAX_PATH_CHARS = 256;

    /**
     * Room a top-level object starts with: an inference event has 16 fields, so its arrays are
     * never copied to grow (nested objects, with a handful of fields, start at {@link #NESTED_FIELDS}).
     */
    private static final int TOP_LEVEL_FIELDS = 16;
    private static final int NESTED_FIELDS = 8;

    private String[] names;
    private Object[] values;
    private int size;

    FlatObject() {
        this(NESTED_FIELDS);
    }

    private FlatObject(int capacity) {
        names = new String[capacity];
        values = new Object[capacity];
    }

    /** An empty object sized for the fields usually found at this depth (the top level is 1). */
    static FlatObject atDepth(int depth) {
        return new FlatObject(depth == 1 ? TOP_LEVEL_FIELDS : NESTED_FIELDS);
    }

    /** Empties this object for reuse, dropping its values (its arrays keep their room). */
    private void clear() {
        java.util.Arrays.fill(values, 0, size, null);
        java.util.Arrays.fill(names, 0, size, null);
        size = 0;
    }

    /**
     * The objects of one record, handed out again for the next: a reader whose results live only
     * until its next record ({@link PlainJsonReader}) takes them from here instead of allocating
     * a top-level object and its nested ones, four arrays each, per record (issue 16: about an
     * eighth of a replay's allocated bytes). Holds at most {@link #KEPT_PER_DEPTH} objects per
     * depth, so a record of thousands of nested objects does not stay in memory after it.
     * Not thread-safe: one per reader.
     */
    static final class Pool {
        static final int KEPT_PER_DEPTH = 16;
        private final FlatObject[][] kept = new FlatObject[MAX_DEPTH + 1][KEPT_PER_DEPTH];
        private final int[] taken = new int[MAX_DEPTH + 1];

        /** An empty object for this depth; valid until the next {@link #reset}. */
        FlatObject take(int depth) {
            int n = taken[depth]++;
            if (n >= KEPT_PER_DEPTH) {
                return atDepth(depth);
            }
            FlatObject object = kept[depth][n];
            if (object == null) {
                object = atDepth(depth);
                kept[depth][n] = object;
            }
            return object;
        }

        /** Takes every object back: the objects handed out since the last reset are emptied. */
        void reset() {
            for (int depth = 1; depth <= MAX_DEPTH; depth++) {
                int n = Math.min(taken[depth], KEPT_PER_DEPTH);
                for (int i = 0; i < n; i++) {
                    kept[depth][i].clear();
                }
                taken[depth] = 0;
            }
        }
    }

    /**
     * Reads one record's top-level object. Reusable (one per parser), and allocation-free beyond
     * the objects and strings it returns: the text check scans the strings Jackson decodes anyway,
     * and skipped content (arrays, objects nested deeper than the contract) is scanned in
     * Jackson's own buffer.
     */
    static final class Reader {
        private String badText;

        /** Reads the fields of the object whose START_OBJECT the parser has just returned. */
        FlatObject read(JsonParser parser) throws IOException {
            badText = null;
            return object(parser, 1);
        }

        /**
         * What is wrong with the first string of the last record read that holds U+0000 or an
         * unpaired surrogate ("latency_ms.gpu holds U+0000", "field name tags[0].k� holds
         * U+0000": names in the path made safe, U+FFFD for the bad character), or null when
         * every string is clean.
         */
        String badText() {
            return badText;
        }

        private FlatObject object(JsonParser parser, int depth) throws IOException {
            FlatObject object = atDepth(depth);
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                if (badText == null) {
                    checkName(parser, name);
                }
                Object value = value(parser, parser.nextToken(), depth);
                if (value != null) {
                    object.put(name, value);
                }
            }
            if (token != JsonToken.END_OBJECT) {
                throw new IOException("unexpected " + token + " in an object");
            }
            return object;
        }

        private Object value(JsonParser parser, JsonToken token, int depth) throws IOException {
            if (token == null) {
                throw new IOException("unexpected end of input");
            }
            switch (token) {
                case VALUE_STRING:
                    String text = parser.getText();
                    if (badText == null) {
                        int bad = PostgresText.firstBad(text);
                        if (bad >= 0) {
                            badText = valueDetail(parser, text.charAt(bad));
                        }
                    }
                    return text;
                case VALUE_NUMBER_INT:
                    return parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? BIG_INTEGER : parser.getLongValue();
                case VALUE_NUMBER_FLOAT:
                    return parser.getDoubleValue();
                case VALUE_TRUE:
                    return Boolean.TRUE;
                case VALUE_FALSE:
                    return Boolean.FALSE;
                case VALUE_NULL:
                    return null;
                case START_OBJECT:
                    if (depth >= MAX_DEPTH) {
                        skip(parser); // deeper than any field of the contract: keep only "an object"
                        return new FlatObject();
                    }
                    return object(parser, depth + 1);
                case START_ARRAY:
                    skip(parser);
                    return ARRAY;
                default:
                    throw new IOException("unexpected " + token);
            }
        }

        /**
         * Moves past the object or array whose start the parser has just returned, checking its
         * strings (in the parser's buffer, without making strings of them) until one is bad.
         */
        private void skip(JsonParser parser) throws IOException {
            if (badText != null) {
                parser.skipChildren();
                return;
            }
            int open = 1;
            while (open > 0) {
                JsonToken token = parser.nextToken();
                if (token == null) {
                    throw new IOException("unexpected end of input");
                }
                switch (token) {
                    case START_OBJECT:
                    case START_ARRAY:
                        open++;
                        break;
                    case END_OBJECT:
                    case END_ARRAY:
                        open--;
                        break;
                    case FIELD_NAME:
                        if (badText == null) {
                            checkName(parser, parser.currentName());
                        }
                        break;
                    case VALUE_STRING:
                        if (badText != null) {
                            break; // one is enough: the rest is only tokenized, never decoded
                        }
                        char[] chars = parser.getTextCharacters();
                        int offset = parser.getTextOffset();
                        int bad = PostgresText.firstBad(chars, offset, parser.getTextLength());
                        if (bad >= 0) {
                            badText = valueDetail(parser, chars[offset + bad]);
                        }
                        break;
                    default:
                        break;
                }
            }
        }

        private void checkName(JsonParser parser, String name) {
            int bad = PostgresText.firstBad(name);
            if (bad >= 0) {
                badText = "field name " + path(parser.getParsingContext()) + " holds " + character(name.charAt(bad));
            }
        }

        /**
         * The detail for a field name with an unpaired surrogate that Jackson refused while reading
         * it, in the object of {@code context} (whose own current name is the previous field's).
         */
        static String badNameDetail(JsonStreamContext context) {
            String where = context == null ? "" : path(context.getParent());
            return "a field name " + (where.isEmpty() ? "" : "in " + where + " ") + "holds an unpaired surrogate";
        }

        private static String valueDetail(JsonParser parser, char bad) {
            return path(parser.getParsingContext()) + " holds " + character(bad);
        }

        private static String character(char c) {
            return c == 0 ? "U+0000" : String.format(java.util.Locale.ROOT, "an unpaired surrogate U+%04X", (int) c);
        }

        /** The dotted path of the parser's position: latency_ms.total, tags[2].x (names made safe, each cut to 64 characters). */
        static String path(JsonStreamContext context) {
            StringBuilder out = new StringBuilder();
            appendPath(out, context);
            return Details.cut(out.toString(), MAX_PATH_CHARS);
        }

        private static void appendPath(StringBuilder out, JsonStreamContext context) {
            if (context == null || context.inRoot()) {
                return;
            }
            appendPath(out, context.getParent());
            if (context.inArray()) {
                out.append('[').append(Math.max(0, context.getCurrentIndex())).append(']');
            } else {
                if (out.length() > 0) {
                    out.append('.');
                }
                String name = context.getCurrentName();
                out.append(name == null ? "" : PostgresText.clean(Details.cut(name, Details.MAX_QUOTED_CHARS)));
            }
        }
    }

    void put(String name, Object value) {
        for (int i = 0; i < size; i++) {
            if (names[i] == name) {
                values[i] = value; // a repeated field: the last one wins, as in Jackson's tree
                return;
            }
        }
        if (size == names.length) {
            names = java.util.Arrays.copyOf(names, size * 2);
            values = java.util.Arrays.copyOf(values, size * 2);
        }
        names[size] = name;
        values[size++] = value;
    }

    /**
     * The value of a field, or null when it is absent or JSON null. {@code name} must be an
     * interned string (a literal): field names are compared by identity, which is sound because
     * the parser's factory interns every field name it reads (see {@code EventParser}).
     */
    Object get(String name) {
        for (int i = 0; i < size; i++) {
            if (names[i] == name) {
                return values[i];
            }
        }
        return null;
    }

    /**
     * Every field in order with its type and exact value ({@code name=Long:5}, doubles by their
     * bits, "(not interned)" before a name that is not): two readers of the same record are
     * compared by it ({@code PlainJsonReaderTest}).
     */
    String canonical() {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < size; i++) {
            Object v = values[i];
            out.append(i == 0 ? "" : ", ").append(names[i] == names[i].intern() ? "" : "(not interned) ").append(names[i]).append('=');
            if (v instanceof FlatObject) {
                out.append(((FlatObject) v).canonical());
            } else if (v instanceof Double) {
                out.append("Double:").append(Double.toHexString((Double) v));
            } else if (v == ARRAY || v == BIG_INTEGER) {
                out.append(v == ARRAY ? "ARRAY" : "BIG_INTEGER");
            } else {
                out.append(v.getClass().getSimpleName()).append(':').append(v);
            }
        }
        return out.append('}').toString();
    }

    /** A JSON type name for messages, as Jackson's tree model would give it. */
    static String typeName(Object value) {
        if (value instanceof String) {
            return "STRING";
        }
        if (value instanceof Long || value instanceof Double || value == BIG_INTEGER) {
            return "NUMBER";
        }
        if (value instanceof Boolean) {
            return "BOOLEAN";
        }
        if (value instanceof FlatObject) {
            return "OBJECT";
        }
        return "ARRAY";
    }
}
