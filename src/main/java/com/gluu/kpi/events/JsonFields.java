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
    private final String prefix;

    JsonFields(FlatObject object, String prefix) {
        this.object = object;
        this.prefix = prefix;
    }

    private Object field(String name) {
        return object.get(name);
    }

    boolean has(String name) {
        return field(name) != null;
    }

    String name(String field) {
        return prefix + field;
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
            throw new InvalidEventException(BAD_VALUE, name(name) + " must be one of " + allowed + ", got '" + value + "'");
        }
        return value;
    }

    /** A number ≥ 0, or NaN when absent. */
    double optionalNonNegative(String name) throws InvalidEventException {
        Object node = field(name);
        return node == null ? Double.NaN : nonNegative(name, node);
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
            throw new InvalidEventException(BAD_VALUE, name(name) + " must be ≥ 0, got " + node);
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
            throw new InvalidEventException(WRONG_TYPE, name(name) + " must be an integer, got " + node);
        }
        long value = (Long) node;
        if (value < min || value > max) {
            throw new InvalidEventException(BAD_VALUE, name(name) + " must be in [" + min + ", " + max + "], got " + value);
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
        return new JsonFields((FlatObject) node, prefix + name + ".");
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
