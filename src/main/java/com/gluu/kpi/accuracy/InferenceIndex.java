package com.gluu.kpi.accuracy;

import com.gluu.kpi.pipeline.IdHash;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * {@link FeedbackJoin}'s memory of inferences: per request id the inference's {@code ts} and its
 * (model, model_version), for every inference of the last {@code accuracy.horizon}, in one
 * open-addressing hash table per key group of the subtask.
 *
 * <p><b>Why not one Flink {@code ValueState} entry per request</b> (the first version): nearly
 * every event is an inference and nearly every inference stays for the whole horizon, so the
 * state holds millions of entries. On the heap backend each was five objects (request-id
 * String and its byte[], state-map entry, TTL wrapper, value; 184 bytes), promoted by every
 * young GC and copied object by object into every checkpoint. The bench lost over a third of
 * its throughput to that. Here an entry is 32 bytes inside one {@code long[]} per key group:
 * no object per request, nothing for the GC to trace, and a checkpoint copies arrays.
 *
 * <p><b>Slot</b> = four longs: the 128-bit {@link IdHash} of the request id (high, low;
 * both 0 marks an empty slot, and a hash of (0, 0) is stored as (0, 1)), the inference's ts, and
 * the index of its (model, model_version) pair in a small dictionary shared by all key groups.
 * Linear probing from the hash's low bits; a table doubles beyond 3/4 full. There is no
 * single-entry delete: {@link #forgetUpTo} rebuilds every table with the entries that remain.
 *
 * <p><b>Checkpoints</b> ({@link #write} / {@link #read}, one section per key group, so a restore
 * with another parallelism hands each subtask exactly its key groups): a format version, the
 * pair dictionary, the entry count, then per entry hash high, hash low, ts and pair index.
 *
 * <p>Not thread-safe (one per operator subtask). {@link #find} leaves a cursor that
 * {@link #put} and the {@code found…} accessors use, so the per-event path allocates nothing.
 */
final class InferenceIndex {
    private static final int FORMAT_VERSION = 1;
    private static final int LONGS_PER_SLOT = 4;
    private static final int ENTRY_BYTES = 8 + 8 + 8 + 4;
    private static final int INITIAL_SLOTS = 16;

    private final KeyGroupRange keyGroups;
    private final int maxParallelism;
    private final long[][] tables;
    private final int[] sizes;
    private final IdHash hash = new IdHash();
    private ModelVersions pairs = new ModelVersions();

    // The cursor of the last find().
    private int cursorTable;
    private int cursorSlot;
    private boolean cursorFound;

    InferenceIndex(KeyGroupRange keyGroups, int maxParallelism) {
        this.keyGroups = keyGroups;
        this.maxParallelism = maxParallelism;
        this.tables = new long[keyGroups.getNumberOfKeyGroups()][];
        this.sizes = new int[tables.length];
        for (int t = 0; t < tables.length; t++) {
            tables[t] = new long[INITIAL_SLOTS * LONGS_PER_SLOT];
        }
    }

    /** Looks {@code requestId} up; true if an inference of it is known. */
    boolean find(String requestId) {
        int keyGroup = KeyGroupRangeAssignment.assignToKeyGroup(requestId, maxParallelism);
        if (!keyGroups.contains(keyGroup)) {
            throw new IllegalArgumentException("request id " + requestId + " is in key group " + keyGroup
                    + ", not in this subtask's " + keyGroups);
        }
        hash.hash(requestId);
        long high = hash.high;
        long low = high == 0 && hash.low == 0 ? 1 : hash.low;
        hash.low = low;
        cursorTable = keyGroup - keyGroups.getStartKeyGroup();
        long[] table = tables[cursorTable];
        int mask = table.length / LONGS_PER_SLOT - 1;
        for (int slot = (int) low & mask; ; slot = (slot + 1) & mask) {
            int at = slot * LONGS_PER_SLOT;
            if (table[at] == high && table[at + 1] == low) {
                cursorSlot = slot;
                cursorFound = true;
                return true;
            }
            if (table[at] == 0 && table[at + 1] == 0) {
                cursorSlot = slot;
                cursorFound = false;
                return false;
            }
        }
    }

    /** The found inference's ts (after {@link #find} returned true). */
    long foundTs() {
        return tables[cursorTable][cursorSlot * LONGS_PER_SLOT + 2];
    }

    String foundModel() {
        return pairs.model(foundPair());
    }

    String foundModelVersion() {
        return pairs.version(foundPair());
    }

    private int foundPair() {
        return (int) tables[cursorTable][cursorSlot * LONGS_PER_SLOT + 3];
    }

    /** Stores the inference of the request id of the last {@link #find}, replacing a found one. */
    void put(String model, String modelVersion, long ts) {
        long[] table = tables[cursorTable];
        int at = cursorSlot * LONGS_PER_SLOT;
        table[at] = hash.high;
        table[at + 1] = hash.low;
        table[at + 2] = ts;
        table[at + 3] = pairs.id(model, modelVersion);
        if (!cursorFound) {
            sizes[cursorTable]++;
            if (sizes[cursorTable] * 4L > (long) (table.length / LONGS_PER_SLOT) * 3) {
                tables[cursorTable] = rehash(table, table.length / LONGS_PER_SLOT * 2, Long.MIN_VALUE, null);
            }
            cursorSlot = -1; // the cursor is only valid until the next put
        }
    }

    /**
     * Forgets every inference with {@code ts ≤ cutoff}: rebuilds each table at a size that fits
     * what remains, and the pair dictionary with only the pairs still used.
     */
    void forgetUpTo(long cutoff) {
        ModelVersions kept = new ModelVersions();
        int[] remap = new int[pairs.size()];
        Arrays.fill(remap, -1);
        for (int t = 0; t < tables.length; t++) {
            int live = 0;
            long[] table = tables[t];
            for (int at = 0; at < table.length; at += LONGS_PER_SLOT) {
                if ((table[at] != 0 || table[at + 1] != 0) && table[at + 2] > cutoff) {
                    live++;
                    int old = (int) table[at + 3];
                    if (remap[old] < 0) {
                        remap[old] = kept.id(pairs.model(old), pairs.version(old));
                    }
                }
            }
            tables[t] = rehash(table, slotsFor(live), cutoff, remap);
            sizes[t] = live;
        }
        pairs = kept;
        cursorSlot = -1;
    }

    /** Inferences remembered. */
    long size() {
        long n = 0;
        for (int s : sizes) {
            n += s;
        }
        return n;
    }

    /** Distinct (model, model_version) pairs in the dictionary. */
    int pairCount() {
        return pairs.size();
    }

    /** Bytes of the tables (the dictionary of a few pairs is not counted). */
    long tableBytes() {
        long bytes = 0;
        for (long[] t : tables) {
            bytes += 8L * t.length;
        }
        return bytes;
    }

    /** Writes the inferences of {@code keyGroup} (one of this index's). */
    void write(int keyGroup, OutputStream stream) throws IOException {
        int t = keyGroup - keyGroups.getStartKeyGroup();
        long[] table = tables[t];
        DataOutputStream header = new DataOutputStream(stream);
        header.writeInt(FORMAT_VERSION);
        pairs.write(header);
        header.writeInt(sizes[t]);
        header.flush();
        ByteBuffer entries = ByteBuffer.allocate(sizes[t] * ENTRY_BYTES);
        for (int at = 0; at < table.length; at += LONGS_PER_SLOT) {
            if (table[at] != 0 || table[at + 1] != 0) {
                entries.putLong(table[at]).putLong(table[at + 1]).putLong(table[at + 2]).putInt((int) table[at + 3]);
            }
        }
        stream.write(entries.array(), 0, entries.position());
    }

    /** Reads what {@link #write} wrote for {@code keyGroup} into this (empty) key group's table. */
    void read(int keyGroup, InputStream stream) throws IOException {
        if (!keyGroups.contains(keyGroup)) {
            throw new IllegalArgumentException("key group " + keyGroup + " is not in " + keyGroups);
        }
        int t = keyGroup - keyGroups.getStartKeyGroup();
        DataInputStream in = new DataInputStream(stream);
        int version = in.readInt();
        if (version != FORMAT_VERSION) {
            throw new IOException("unknown feedback-join index format " + version + " in key group " + keyGroup);
        }
        ModelVersions written = ModelVersions.read(in);
        int[] remap = new int[written.size()];
        for (int p = 0; p < remap.length; p++) {
            remap[p] = pairs.id(written.model(p), written.version(p));
        }
        int count = in.readInt();
        byte[] bytes = new byte[count * ENTRY_BYTES];
        in.readFully(bytes);
        ByteBuffer entries = ByteBuffer.wrap(bytes);
        long[] table = new long[slotsFor(count) * LONGS_PER_SLOT];
        for (int e = 0; e < count; e++) {
            insert(table, entries.getLong(), entries.getLong(), entries.getLong(), remap[entries.getInt()]);
        }
        tables[t] = table;
        sizes[t] = count;
    }

    /** A power of two with {@code entries} at most 3/4 of it (and at least the initial size). */
    private static int slotsFor(int entries) {
        int slots = INITIAL_SLOTS;
        while (entries * 4L > slots * 3L) {
            slots *= 2;
        }
        return slots;
    }

    /** A new table of {@code slots} with the entries of {@code from} whose ts is after {@code cutoff}. */
    private static long[] rehash(long[] from, int slots, long cutoff, int[] remapPairs) {
        long[] to = new long[slots * LONGS_PER_SLOT];
        for (int at = 0; at < from.length; at += LONGS_PER_SLOT) {
            if ((from[at] != 0 || from[at + 1] != 0) && from[at + 2] > cutoff) {
                int pair = (int) from[at + 3];
                insert(to, from[at], from[at + 1], from[at + 2], remapPairs == null ? pair : remapPairs[pair]);
            }
        }
        return to;
    }

    private static void insert(long[] table, long high, long low, long ts, int pair) {
        int mask = table.length / LONGS_PER_SLOT - 1;
        int slot = (int) low & mask;
        while (table[slot * LONGS_PER_SLOT] != 0 || table[slot * LONGS_PER_SLOT + 1] != 0) {
            slot = (slot + 1) & mask;
        }
        int at = slot * LONGS_PER_SLOT;
        table[at] = high;
        table[at + 1] = low;
        table[at + 2] = ts;
        table[at + 3] = pair;
    }

    /**
     * The distinct (model, model_version) pairs, numbered from 0. A service has a handful; the
     * dictionary is rebuilt with only the pairs still in use whenever old inferences are forgotten,
     * so it is bounded by the pairs seen within the horizon.
     */
    private static final class ModelVersions {
        private static final int LINEAR_SCAN = 8;
        private final List<String> models = new ArrayList<>();
        private final List<String> versions = new ArrayList<>();
        /** model → model_version → id: two lookups, no key object per inference. */
        private final Map<String, Map<String, Integer>> ids = new HashMap<>();

        int id(String model, String version) {
            // Called for every inference with fresh strings from the parser: comparing them with
            // the first few pairs is cheaper than hashing both (a service has a handful).
            int scan = Math.min(models.size(), LINEAR_SCAN);
            for (int p = 0; p < scan; p++) {
                if (models.get(p).equals(model) && versions.get(p).equals(version)) {
                    return p;
                }
            }
            Map<String, Integer> byVersion = ids.computeIfAbsent(model, m -> new HashMap<>());
            Integer id = byVersion.get(version);
            if (id == null) {
                id = models.size();
                models.add(model);
                versions.add(version);
                byVersion.put(version, id);
            }
            return id;
        }

        String model(int id) {
            return models.get(id);
        }

        String version(int id) {
            return versions.get(id);
        }

        int size() {
            return models.size();
        }

        void write(DataOutputStream out) throws IOException {
            out.writeInt(models.size());
            for (int p = 0; p < models.size(); p++) {
                writeString(out, models.get(p));
                writeString(out, versions.get(p));
            }
        }

        static ModelVersions read(DataInputStream in) throws IOException {
            ModelVersions pairs = new ModelVersions();
            int n = in.readInt();
            for (int p = 0; p < n; p++) {
                pairs.id(readString(in), readString(in));
            }
            return pairs;
        }

        /** Length-prefixed UTF-8 (not writeUTF: that refuses strings over 64 KiB). */
        private static void writeString(DataOutputStream out, String s) throws IOException {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            out.writeInt(utf8.length);
            out.write(utf8);
        }

        private static String readString(DataInputStream in) throws IOException {
            byte[] utf8 = new byte[in.readInt()];
            in.readFully(utf8);
            return new String(utf8, StandardCharsets.UTF_8);
        }
    }
}
