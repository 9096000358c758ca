package com.gluu.kpi.pipeline;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.TreeMap;
import java.util.function.IntPredicate;

/**
 * {@link Deduplicate}'s memory: for every {@code event_id} it still remembers, its first copy's
 * ts and the key group of that copy's routing key (so that a restore at another parallelism
 * hands it to the right subtask), in one open-addressing hash table of {@code long}s; and per
 * minute of expiry the ids to forget once the watermark reaches it.
 *
 * <p><b>Why not a {@code HashMap<String, …>}</b> (the first version): an id is remembered for
 * the dedup window plus the allowed lateness (15 minutes of event time by default), which a
 * replay passes in about two seconds. So every young collection found the entries of the last
 * few hundred milliseconds alive (seven objects each: map node, two strings and their bytes, the
 * value, the expiry slot), copied them, promoted them, and the old generation filled with dead
 * ones. A JVM log of the 1.78 M-line replay: 1.2 s of young pauses and 3 full collections
 * (0.5 s), against 0.6 s and 2 (0.2 s) with no dedup state at all. Here an entry is 32 bytes
 * inside one array, and the expiry lists are arrays too: nothing per id for the collector.
 *
 * <p><b>Slot</b> = four longs: the 128-bit {@link IdHash} of the event id (high, low; both 0
 * marks an empty slot, and a hash of (0, 0) is stored as (0, 1)), the first copy's ts, its key
 * group. Linear probing from the hash's low bits; the table doubles beyond 3/4 full. An id is
 * removed with backward-shift deletion (Knuth's algorithm R), so no tombstones accumulate. Two
 * ids are taken for one only if all 128 bits of their hashes agree: about n² / 2¹²⁹ for n ids
 * remembered at once (10⁻²⁸ for the 170,000 of the replay).
 *
 * <p>Not thread-safe (one per operator subtask). {@link #find} leaves a cursor that
 * {@link #add(long, int, long)} uses, so the per-event path allocates nothing.
 */
final class FirstCopies {
    /** Expiry granularity: ids are forgotten in batches of one minute of event time. */
    static final long BUCKET_MS = 60_000;
    private static final int LONGS_PER_SLOT = 4;
    private static final int INITIAL_SLOTS = 1024;

    private final IdHash hash = new IdHash();
    private long[] table = new long[INITIAL_SLOTS * LONGS_PER_SLOT];
    private int size;
    /** Bucket end → the hashes (high, low, high, low, …) that may be forgotten once the watermark reaches it. */
    private final TreeMap<Long, Hashes> expiry = new TreeMap<>();
    /** The bucket the last id went into: nearly every next one goes there too (no boxed key, no tree walk). */
    private long lastBucketEnd = Long.MIN_VALUE;
    private Hashes lastBucket;

    // The cursor of the last find().
    private int cursorSlot = -1;
    private boolean cursorFound;

    /** Looks {@code eventId} up; true if a first copy of it is remembered. */
    boolean find(String eventId) {
        hash.hash(eventId);
        if (hash.high == 0 && hash.low == 0) {
            hash.low = 1;
        }
        cursorSlot = slotOf(hash.high, hash.low);
        cursorFound = table[cursorSlot * LONGS_PER_SLOT] != 0 || table[cursorSlot * LONGS_PER_SLOT + 1] != 0;
        return cursorFound;
    }

    /** The found first copy's ts (after {@link #find} returned true). */
    long foundTs() {
        return table[cursorSlot * LONGS_PER_SLOT + 2];
    }

    /**
     * Remembers the id of the last {@link #find} (which returned false): its first copy at
     * {@code ts}, routed to {@code keyGroup}, to be forgotten from {@code forgetAt} on (rounded up
     * to the end of its minute).
     */
    void add(long ts, int keyGroup, long forgetAt) {
        if (cursorFound || cursorSlot < 0) {
            throw new IllegalStateException("add() needs a find() that found nothing");
        }
        store(cursorSlot, hash.high, hash.low, ts, keyGroup, forgetAt);
        cursorSlot = -1; // the cursor is only valid until the next add
    }

    /** Remembers an entry of a checkpoint; one already remembered keeps its first copy. */
    void add(long high, long low, long ts, int keyGroup, long forgetAt) {
        int slot = slotOf(high, low);
        if (table[slot * LONGS_PER_SLOT] == 0 && table[slot * LONGS_PER_SLOT + 1] == 0) {
            store(slot, high, low, ts, keyGroup, forgetAt);
        }
        cursorSlot = -1;
    }

    /** Remembers an entry of a checkpoint written with the ids themselves (format 1). */
    void add(String eventId, long ts, int keyGroup, long forgetAt) {
        if (!find(eventId)) {
            add(ts, keyGroup, forgetAt);
        }
        cursorSlot = -1;
    }

    private void store(int slot, long high, long low, long ts, int keyGroup, long forgetAt) {
        int at = slot * LONGS_PER_SLOT;
        table[at] = high;
        table[at + 1] = low;
        table[at + 2] = ts;
        table[at + 3] = keyGroup;
        long bucketEnd = Math.floorDiv(forgetAt, BUCKET_MS) * BUCKET_MS + BUCKET_MS;
        if (bucketEnd != lastBucketEnd) {
            lastBucket = expiry.computeIfAbsent(bucketEnd, b -> new Hashes());
            lastBucketEnd = bucketEnd;
        }
        lastBucket.add(high, low);
        if (++size * 4L > (long) slots() * 3) {
            grow();
        }
    }

    /** Forgets the ids of every bucket that ends at or before {@code watermark}. */
    void forgetUpTo(long watermark) {
        var done = expiry.headMap(watermark, true);
        for (Hashes hashes : done.values()) {
            for (int i = 0; i < hashes.size; i += 2) {
                remove(hashes.values[i], hashes.values[i + 1]);
            }
        }
        done.clear();
        if (lastBucketEnd <= watermark) { // that bucket is gone with the others
            lastBucketEnd = Long.MIN_VALUE;
            lastBucket = null;
        }
        cursorSlot = -1;
    }

    /** Ids remembered. */
    int size() {
        return size;
    }

    /**
     * Writes {@code int count}, then per entry {@code long hash high, long hash low, long ts, int
     * key group} (the caller writes the format version before it).
     */
    void write(DataOutputStream out) throws IOException {
        out.writeInt(size);
        for (int at = 0; at < table.length; at += LONGS_PER_SLOT) {
            if (table[at] != 0 || table[at + 1] != 0) {
                out.writeLong(table[at]);
                out.writeLong(table[at + 1]);
                out.writeLong(table[at + 2]);
                out.writeInt((int) table[at + 3]);
            }
        }
    }

    /**
     * Reads what {@link #write} wrote, keeping the entries whose key group {@code mine} accepts;
     * each is forgotten {@code retentionMs} after its ts.
     */
    void read(DataInputStream in, IntPredicate mine, long retentionMs) throws IOException {
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            long high = in.readLong();
            long low = in.readLong();
            long ts = in.readLong();
            int keyGroup = in.readInt();
            if (mine.test(keyGroup)) {
                add(high, low, ts, keyGroup, ts + retentionMs);
            }
        }
    }

    private int slots() {
        return table.length / LONGS_PER_SLOT;
    }

    /** The slot holding (high, low), or the empty slot where it would go. */
    private int slotOf(long high, long low) {
        int mask = slots() - 1;
        for (int slot = (int) low & mask; ; slot = (slot + 1) & mask) {
            int at = slot * LONGS_PER_SLOT;
            if (table[at] == high && table[at + 1] == low) {
                return slot;
            }
            if (table[at] == 0 && table[at + 1] == 0) {
                return slot;
            }
        }
    }

    private void grow() {
        long[] old = table;
        table = new long[old.length * 2];
        for (int at = 0; at < old.length; at += LONGS_PER_SLOT) {
            if (old[at] != 0 || old[at + 1] != 0) {
                System.arraycopy(old, at, table, slotOf(old[at], old[at + 1]) * LONGS_PER_SLOT, LONGS_PER_SLOT);
            }
        }
        cursorSlot = -1;
    }

    /**
     * Removes (high, low) if present, then moves later entries of its probe run back into the
     * gap wherever their home slot allows, so that every remaining entry is still reachable.
     */
    private void remove(long high, long low) {
        int gap = slotOf(high, low);
        if (table[gap * LONGS_PER_SLOT] == 0 && table[gap * LONGS_PER_SLOT + 1] == 0) {
            return; // not remembered (a restore may name an id twice)
        }
        size--;
        int mask = slots() - 1;
        int next = gap;
        while (true) {
            Arrays.fill(table, gap * LONGS_PER_SLOT, gap * LONGS_PER_SLOT + LONGS_PER_SLOT, 0L);
            while (true) {
                next = (next + 1) & mask;
                int at = next * LONGS_PER_SLOT;
                if (table[at] == 0 && table[at + 1] == 0) {
                    return;
                }
                int home = (int) table[at + 1] & mask;
                // The entry at `next` may move into the gap unless its home lies cyclically in (gap, next].
                boolean homeBetween = gap <= next ? gap < home && home <= next : gap < home || home <= next;
                if (!homeBetween) {
                    System.arraycopy(table, at, table, gap * LONGS_PER_SLOT, LONGS_PER_SLOT);
                    gap = next;
                    break;
                }
            }
        }
    }

    /** A growable list of longs: hash pairs of one expiry bucket. */
    private static final class Hashes {
        long[] values = new long[64];
        int size;

        void add(long high, long low) {
            if (size + 2 > values.length) {
                values = Arrays.copyOf(values, values.length * 2);
            }
            values[size++] = high;
            values[size++] = low;
        }
    }
}
