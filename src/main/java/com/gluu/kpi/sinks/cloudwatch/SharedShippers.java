package com.gluu.kpi.sinks.cloudwatch;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One {@link LogShipper} per log stream and JVM, shared by the sink writers of that JVM (every
 * EMF sink subtask of a task manager writes to the one metrics stream) and closed, flushing, when
 * the last of them lets go. Keeps each stream's totals after its shipper closed (tests, reports).
 */
public final class SharedShippers {
    private static final Map<String, Held> HELD = new HashMap<>();
    private static final Map<String, AtomicLong> DROPPED = new ConcurrentHashMap<>();
    private static final Map<String, AtomicLong> SENT = new ConcurrentHashMap<>();

    private SharedShippers() {}

    private static final class Held {
        final LogShipper shipper;
        int users;

        Held(LogShipper shipper) {
            this.shipper = shipper;
        }
    }

    /** The stream's shipper in this JVM, started on first use. */
    public static synchronized LogShipper acquire(CloudWatchSettings settings, String stream) {
        Held held = HELD.computeIfAbsent(key(settings, stream),
                k -> new Held(new LogShipper(settings.client(), settings.logGroup, stream, LogShipper.Options.defaults())));
        held.users++;
        return held.shipper;
    }

    /** Lets go of the stream's shipper; the last user closes it (bounded wait, see {@link LogShipper#close}). */
    public static void release(CloudWatchSettings settings, String stream) {
        LogShipper closing = null;
        synchronized (SharedShippers.class) {
            String key = key(settings, stream);
            Held held = HELD.get(key);
            if (held != null && --held.users == 0) {
                HELD.remove(key);
                closing = held.shipper;
            }
        }
        if (closing != null) {
            closing.close();
            DROPPED.computeIfAbsent(key(settings, stream), k -> new AtomicLong()).addAndGet(closing.dropped());
            SENT.computeIfAbsent(key(settings, stream), k -> new AtomicLong()).addAndGet(closing.sent());
        }
    }

    /** Lines of the stream dropped by shippers of this JVM that have closed. */
    public static long dropped(String group, String stream) {
        AtomicLong n = DROPPED.get(group + "\u0000" + stream);
        return n == null ? 0 : n.get();
    }

    /** Lines of the stream CloudWatch accepted from shippers of this JVM that have closed. */
    public static long sent(String group, String stream) {
        AtomicLong n = SENT.get(group + "\u0000" + stream);
        return n == null ? 0 : n.get();
    }

    private static String key(CloudWatchSettings settings, String stream) {
        return settings.logGroup + "\u0000" + stream;
    }
}
