package com.gluu.kpi.events;

import com.fasterxml.jackson.core.JsonParser;
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
 */
final class FlatObject {
    /** Marker for an array value (no field of the contract is an array). */
    static final Object ARRAY = new Object();
    /** Marker for an integer too large for a long. */
    static final Object BIG_INTEGER = new Object();
    private static final int MAX_DEPTH = 3;

    private String[] names = new String[8];
    private Object[] values = new Object[8];
    private int size;

    /** Reads the fields of an object whose START_OBJECT the parser has just returned. */
    static FlatObject read(JsonParser parser, int depth) throws IOException {
        FlatObject object = new FlatObject();
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
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

    private static Object value(JsonParser parser, JsonToken token, int depth) throws IOException {
        if (token == null) {
            throw new IOException("unexpected end of input");
        }
        switch (token) {
            case VALUE_STRING:
                return parser.getText();
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
                    parser.skipChildren(); // deeper than any field of the contract: keep only "an object"
                    return new FlatObject();
                }
                return read(parser, depth + 1);
            case START_ARRAY:
                parser.skipChildren();
                return ARRAY;
            default:
                throw new IOException("unexpected " + token);
        }
    }

    private void put(String name, Object value) {
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
