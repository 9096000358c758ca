package com.gluu.kpi.cli;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} options and {@code --name} flags of one command; unknown options fail with
 * the list of known ones.
 */
final class Args {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Set<String> flags = new HashSet<>();

    static Args parse(List<String> args, Set<String> known) {
        return parse(args, known, Set.of());
    }

    /** As above, with {@code knownFlags}: options that take no value ({@link #has}). */
    static Args parse(List<String> args, Set<String> known, Set<String> knownFlags) {
        Args parsed = new Args();
        for (int i = 0; i < args.size(); i++) {
            String name = args.get(i);
            if (name.startsWith("--") && knownFlags.contains(name.substring(2))) {
                parsed.flags.add(name.substring(2));
                continue;
            }
            if (!name.startsWith("--") || !known.contains(name.substring(2))) {
                throw new UsageException("unknown option " + name + "; options: " + known
                        + (knownFlags.isEmpty() ? "" : ", flags: " + knownFlags));
            }
            if (i + 1 >= args.size()) {
                throw new UsageException(name + " needs a value");
            }
            parsed.values.put(name.substring(2), args.get(++i));
        }
        return parsed;
    }

    /** Whether the flag {@code --name} was given. */
    boolean has(String name) {
        return flags.contains(name);
    }

    String get(String name) {
        return values.get(name);
    }

    String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    /** Thrown for a command line that cannot be understood. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
