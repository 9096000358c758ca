package com.gluu.kpi.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} options of one command; unknown options fail with the list of known ones. */
final class Args {
    private final Map<String, String> values = new LinkedHashMap<>();

    static Args parse(List<String> args, Set<String> known) {
        Args parsed = new Args();
        for (int i = 0; i < args.size(); i++) {
            String name = args.get(i);
            if (!name.startsWith("--") || !known.contains(name.substring(2))) {
                throw new UsageException("unknown option " + name + "; options: " + known);
            }
            if (i + 1 >= args.size()) {
                throw new UsageException(name + " needs a value");
            }
            parsed.values.put(name.substring(2), args.get(++i));
        }
        return parsed;
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
