package com.gluu.kpi.config;

import java.util.function.BiFunction;

/**
 * One config key: its name, its default (as it would be written in YAML), a one-line
 * description for the README and {@code gluu-kpi config-keys}, and how to read its value.
 */
public final class Setting<T> {
    private final String key;
    private final Object defaultValue;
    private final String description;
    private final BiFunction<String, Object, T> reader;

    Setting(String key, Object defaultValue, String description, BiFunction<String, Object, T> reader) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.description = description;
        this.reader = reader;
    }

    public String key() {
        return key;
    }

    public Object defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    T read(Object value) {
        return reader.apply(key, value);
    }
}
