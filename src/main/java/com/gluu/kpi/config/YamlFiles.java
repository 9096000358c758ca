package com.gluu.kpi.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Reading and checking the small YAML files in {@code jobs/}; every message starts with its prefix. */
final class YamlFiles {
    private YamlFiles() {}

    /**
     * Parses {@code file}; a file that cannot be read fails naming {@code key} (the config key that
     * points at it), a duplicate mapping key or a syntax error fails naming the file.
     */
    /** A job file's parsed YAML, and the name its messages start with. */
    record Document(String source, Object root) {}

    /**
     * Reads the file {@code key} names. If it is missing but is the project's default
     * ({@code bundled}, e.g. {@code jobs/pricing.yaml}), the copy packaged in the jar is read
     * instead, so {@code java -jar} works from any folder; a file in the working folder wins.
     */
    static Document readJobFile(Path file, String bundled, String key) {
        if (file != null && !Files.exists(file) && file.equals(Path.of(bundled))) {
            try (InputStream in = YamlFiles.class.getResourceAsStream("/" + bundled)) {
                if (in != null) {
                    return new Document("jar:" + bundled, parse(in.readAllBytes(), "jar:" + bundled, key));
                }
            } catch (IOException e) {
                throw new ConfigException(key + ": cannot read the bundled " + bundled + ": " + e, e);
            }
        }
        return new Document(String.valueOf(file), read(file, key));
    }

    static Object read(Path file, String key) {
        if (file == null) {
            throw new ConfigException(key + ": no file given");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(key + ": cannot read " + file + ": no such file", e);
        } catch (IOException e) {
            throw new ConfigException(key + ": cannot read " + file + ": " + e, e);
        }
        return parse(bytes, file.toString(), key);
    }

    private static Object parse(byte[] bytes, String file, String key) {
        try {
            ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
            mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            try (JsonParser parser = mapper.createParser(bytes)) {
                // An empty file (or one with only comments) is an empty document, not an error here.
                return parser.nextToken() == null ? null : mapper.readValue(parser, Object.class);
            }
        } catch (IOException e) {
            String detail = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new ConfigException(file + ": not valid YAML: " + detail, e);
        }
    }

    /** The value as a mapping with string keys, or a failure "{@code where}: expected a mapping". */
    static Map<String, Object> mapping(String where, Object value) {
        if (!(value instanceof Map)) {
            throw new ConfigException(where + ": expected a mapping, got " + describe(value));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        ((Map<?, ?>) value).forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    /** Fails naming the first field of {@code map} that is not in {@code known}. */
    static void onlyKnown(Map<String, Object> map, Set<String> known, java.util.function.Function<String, String> where) {
        for (String k : map.keySet()) {
            if (!known.contains(k)) {
                throw new ConfigException(where.apply(k) + ": unknown field; known: " + new TreeSet<>(known));
            }
        }
    }

    /** A finite number ≥ 0 (YAML int or float; quoted strings and booleans are refused). */
    static double nonNegative(String where, Object value) {
        double d = number(where, value);
        if (d < 0) {
            throw new ConfigException(where + ": " + value + " is negative");
        }
        return d;
    }

    /** A finite number (YAML int or float; quoted strings and booleans are refused). */
    static double number(String where, Object value) {
        if (!(value instanceof Number)) {
            throw new ConfigException(where + ": expected a number, got " + describe(value));
        }
        double d = ((Number) value).doubleValue();
        if (!Double.isFinite(d)) {
            throw new ConfigException(where + ": " + value + " is not a finite number");
        }
        return d;
    }

    static String describe(Object value) {
        if (value == null) {
            return "nothing";
        }
        if (value instanceof String) {
            return "'" + value + "'";
        }
        if (value instanceof Map) {
            return "a mapping";
        }
        if (value instanceof List) {
            return "a list";
        }
        return String.valueOf(value);
    }
}
