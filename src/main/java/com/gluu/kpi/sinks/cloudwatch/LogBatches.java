package com.gluu.kpi.sinks.cloudwatch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Splits log events into {@code PutLogEvents} batches within the service's limits: at most
 * 1,048,576 bytes counted as each message's UTF-8 bytes plus 26, at most 10,000 events,
 * chronological order within a batch, and no batch spanning more than 24 hours. A message longer
 * than one event may be (256 KiB including the 26 bytes) is cut and marked as cut.
 */
public final class LogBatches {
    public static final int MAX_BATCH_BYTES = 1_048_576;
    public static final int MAX_BATCH_EVENTS = 10_000;
    public static final int EVENT_OVERHEAD = 26;
    public static final int MAX_EVENT_BYTES = 262_144;
    public static final long MAX_SPAN_MS = 24L * 60 * 60 * 1000;
    static final String CUT_MARK = " …[cut]";

    private LogBatches() {}

    /** One log event: epoch millis and the message. */
    public record Entry(long timestamp, String message) {
        /** The message's UTF-8 size plus the 26 bytes CloudWatch counts per event. */
        public int size() {
            return utf8Length(message) + EVENT_OVERHEAD;
        }
    }

    /** The events sorted by time (stable), cut where too long, in batches within the limits. */
    public static List<List<Entry>> split(List<Entry> events) {
        List<Entry> sorted = new ArrayList<>(events.size());
        for (Entry e : events) {
            sorted.add(new Entry(e.timestamp(), fit(e.message())));
        }
        sorted.sort(Comparator.comparingLong(Entry::timestamp));
        List<List<Entry>> batches = new ArrayList<>();
        List<Entry> batch = new ArrayList<>();
        long bytes = 0;
        for (Entry e : sorted) {
            int size = e.size();
            boolean full = batch.size() == MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES
                    || (!batch.isEmpty() && e.timestamp() - batch.get(0).timestamp() > MAX_SPAN_MS);
            if (full) {
                batches.add(batch);
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(e);
            bytes += size;
        }
        if (!batch.isEmpty()) {
            batches.add(batch);
        }
        return batches;
    }

    /** The message, cut on a character boundary so that it and its 26 bytes fit one event. */
    static String fit(String message) {
        int limit = MAX_EVENT_BYTES - EVENT_OVERHEAD;
        if (utf8Length(message) <= limit) {
            return message;
        }
        int room = limit - utf8Length(CUT_MARK);
        int bytes = 0;
        int end = 0;
        while (end < message.length()) {
            int cp = message.codePointAt(end);
            int n = utf8Length(new String(Character.toChars(cp)));
            if (bytes + n > room) {
                break;
            }
            bytes += n;
            end += Character.charCount(cp);
        }
        return message.substring(0, end) + CUT_MARK;
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** The bytes CloudWatch counts for a batch. */
    public static long bytes(List<Entry> batch) {
        long n = 0;
        for (Entry e : batch) {
            n += e.size();
        }
        return n;
    }
}
