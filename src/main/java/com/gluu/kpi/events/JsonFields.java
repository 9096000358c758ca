package com.gluu.kpi.events;

import static com.gluu.kpi.events.DeadLetterReason.BAD_VALUE;
import static com.gluu.kpi.events.DeadLetterReason.MISSING_FIELD;
import static com.gluu.kpi.events.DeadLetterReason.WRONG_TYPE;

import java.util.Set;

/**
 * Typed reads of one JSON object's fields with the contract's rules: a JSON {@code null} counts
 * as absent, optional text defaults to {@code ""}, and every failure names the field.
 */
final class JsonFields {
    private final FlatObject object;
    /** The object this one is a field of, and that field's name (both null at the top level). */
    private final JsonFields parent;
    private final String nameInParent;

    /** The fields of a record's top-level object. */
    JsonFields(FlatObject object) {
        this(object, null, null);
    }

    private JsonFields(FlatObject object, JsonFields parent, String nameInParent) {
        this.object = object;
        this.parent = parent;
        this.nameInParent = nameInParent;
    }

    private Object field(String name) {
        return object.get(name);
    }

    boolean has(String name) {
        return field(name) != null;
    }

    /**
     * The dotted path of {@code field} in the record ({@code latency_ms.total}), built only for a
     * message: every record reads its nested objects, few need their paths.
     */
    String name(String field) {
        return parent == null ? field : parent.name(nameInParent) + "." + field;
    }

    String requiredString(String name) throws InvalidEventException {
        Object node = field(name);
        if (node == null) {
            throw new InvalidEventException(MISSING_FIELD, name(name) + " is required");
        }
        return text(name, node);
    }

    String optionalString(String name) throws InvalidEventException {
        Object node = field(name);
        return node == null ? "" : text(name, node);
    }

    /** A required string of at most {@code maxChars} characters (code points, SPEC §2 "Limits"). */
    String requiredString(String name, int maxChars) throws InvalidEventException {
        return checkLength(name, requiredString(name), maxChars);
    }

    /** An optional string ({@code ""} when absent) of at most {@code maxChars} characters. */
    String optionalString(String name, int maxChars) throws InvalidEventException {
        return checkLength(name, optionalString(name), maxChars);
    }

    private String checkLength(String name, String value, int maxChars) throws InvalidEventException {
        // A string has at least as many UTF-16 units as characters: count only when it might be too long.
        if (value.length() > maxChars) {
            int chars = value.codePointCount(0, value.length());
            if (chars > maxChars) {
                throw new InvalidEventException(BAD_VALUE, name(name) + " is " + Details.count(chars)
                        + " characters, the limit is " + Details.count(maxChars));
            }
        }
        return value;
    }

    private String text(String name, Object node) throws InvalidEventException {
        if (!(node instanceof String)) {
            throw new InvalidEventException(WRONG_TYPE, name(name) + " must be a string, got " + FlatObject.typeName(node));
        }
        return (String) node;
    }

    String requiredEnum(String name, Set<String> allowed) throws InvalidEventException {
        return checkEnum(name, requiredString(name), allowed);
    }

    /** An allowed value, or "" when absent; a present "" is not an allowed value. */
    String optionalEnum(String name, Set<String> allowed) throws InvalidEventException {
        return has(name) ? checkEnum(name, optionalString(name), allowed) : "";
    }

    private String checkEnum(String name, String value, Set<String> allowed) throws InvalidEventException {
        if (!allowed.contains(value)) {
            // Sorted: Set.of's iteration order changes from JVM to JVM, and a replay must write
            // the same dead letter wherever it runs.
            throw new InvalidEventException(BAD_VALUE, name(name) + " must be one of " + new java.util.TreeSet<>(allowed)
                    + ", got " + Details.quote(value));
        }
        return value;
    }

    /** A number ≥ 0, or NaN when absent. */
    double optionalNonNegative(String name) throws InvalidEventException {
        Object node = field(name);
        return node == null ? Double.NaN : nonNegative(name, node);
    }

    /** A number in [0, {@code limit}], or NaN when absent. */
    double optionalNonNegative(String name, double limit) throws InvalidEventException {
        Object node = field(name);
        return node == null ? Double.NaN : atMost(name, node, nonNegative(name, node), limit);
    }

    double requiredNonNegative(String name, double limit) throws InvalidEventException {
        return atMost(name, field(name), requiredNonNegative(name), limit);
    }

    private double atMost(String name, Object node, double value, double limit) throws InvalidEventException {
        if (value > limit) {
            throw new InvalidEventException(BAD_VALUE, name(name) + " " + Details.number(node) + " is above the limit "
                    + Details.number(limit));
        }
        return value;
    }

    double requiredNonNegative(String name) throws InvalidEventException {
        Object node = field(name);
        if (node == null) {
            throw new InvalidEventException(MISSING_FIELD, name(name) + " is required");
        }
        return nonNegative(name, node);
    }

    private double nonNegative(String name, Object node) throws InvalidEventException {
        if (node == FlatObject.BIG_INTEGER) {
            throw new InvalidEventException(BAD_VALUE, name(name) + " is out of range");
        }
        if (!(node instanceof Number)) {
            throw new InvalidEventException(WRONG_TYPE, name(name) + " must be a number, got " + FlatObject.typeName(node));
        }
        double value = ((Number) node).doubleValue();
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new InvalidEventException(BAD_VALUE, name(name) + " must be ≥ 0, got " + Details.number(node));
        }
        return value;
    }

    /** An integer in [min, max], or {@code absent} when the field is missing. */
    long optionalInteger(String name, long min, long max, long absent) throws InvalidEventException {
        Object node = field(name);
        if (node == null) {
            return absent;
        }
        if (node == FlatObject.BIG_INTEGER) {
            throw new InvalidEventException(BAD_VALUE, name(name) + " is out of range");
        }
        if (!(node instanceof Long)) {
            throw new InvalidEventException(WRONG_TYPE, name(name) + " must be an integer, got " + Details.describe(node));
        }
        long value = (Long) node;
        if (value < min || value > max) {
            throw new InvalidEventException(BAD_VALUE, name(name) + " must be in [" + min + ", " + max + "], got " + value);
        }
        return value;
    }

    /** An integer in [0, {@code limit}], or {@code absent} when the field is missing. */
    long optionalCount(String name, long limit, long absent) throws InvalidEventException {
        if (!has(name)) {
            return absent;
        }
        long value = optionalInteger(name, Long.MIN_VALUE, Long.MAX_VALUE, absent);
        if (value < 0) {
            throw new InvalidEventException(BAD_VALUE, name(name) + " must be ≥ 0, got " + value);
        }
        if (value > limit) {
            throw new InvalidEventException(BAD_VALUE, name(name) + " " + value + " is above the limit " + limit);
        }
        return value;
    }

    /** A nested object, or null when absent. */
    JsonFields optionalObject(String name) throws InvalidEventException {
        Object node = field(name);
        if (node == null) {
            return null;
        }
        if (!(node instanceof FlatObject)) {
            throw new InvalidEventException(WRONG_TYPE, name(name) + " must be an object, got " + FlatObject.typeName(node));
        }
        return new JsonFields((FlatObject) node, this, name);
    }

    JsonFields requiredObject(String name) throws InvalidEventException {
        JsonFields nested = optionalObject(name);
        if (nested == null) {
            throw new InvalidEventException(MISSING_FIELD, name(name) + " is required");
        }
        return nested;
    }

    Object raw(String name) {
        return field(name);
    }
}
