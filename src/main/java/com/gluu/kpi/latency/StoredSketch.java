package com.gluu.kpi.latency;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.Bin;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import com.datadoghq.sketch.ddsketch.store.Store;
import java.nio.ByteBuffer;
import java.util.Iterator;

/**
 * The byte format of {@code kpi.latency.sketch} (format 1), which SQL decodes with
 * {@code get_byte} alone: {@code kpi.sketch_merge} and {@code kpi.sketch_quantile}
 * ({@code sql/V5__sketch_functions_and_rollups.sql}, which also describes it byte by byte).
 * A version byte (1), the zero count (int64), the lowest non-empty bin index (int32), the
 * number of non-empty bins (uint16) and the width of a count (1, 2, 4 or 8 bytes, the fewest
 * that hold the largest), then per bin, ascending, its index minus the lowest (uint16) and its
 * count; big-endian throughout. The index is that of the job's {@link LatencySketches} mapping.
 *
 * <p>Only the column uses it: Flink state keeps DDSketch's own encoding
 * ({@link LatencySketches#toBytes}), so checkpoints and savepoints are unchanged. The SQL merge
 * writes the same bytes as {@link #encode} of the Java merge.
 */
public final class StoredSketch {
    /** The first byte of format 1; DDSketch's own encoding of these sketches starts with 0x02. */
    public static final byte VERSION = 1;
    static final int HEADER_BYTES = 16;
    /** The mapping of {@link LatencySketches#create()} (equal by gamma and offset, so they merge). */
    private static final IndexMapping MAPPING = new LogarithmicMapping(LatencySketches.RELATIVE_ACCURACY);

    private StoredSketch() {}

    /** True if {@code bytes} is in this format (by its version byte). */
    public static boolean isStoredFormat(byte[] bytes) {
        return bytes.length > 0 && bytes[0] == VERSION;
    }

    /**
     * Format 1 of a sketch of {@link LatencySketches#create()}'s kind. Refuses negative values
     * (latencies are never negative) and counts that are not whole numbers (the job only counts
     * values one by one).
     */
    public static byte[] encode(DDSketch sketch) {
        if (!sketch.getNegativeValueStore().isEmpty()) {
            throw new IllegalArgumentException("a stored sketch holds no negative values");
        }
        Store store = sketch.getPositiveValueStore();
        long zero = wholeCount(sketch.getCount() - store.getTotalCount());
        int bins = 0;
        long largest = 0;
        int base = 0;
        for (Iterator<Bin> it = store.getAscendingIterator(); it.hasNext(); ) {
            Bin bin = it.next();
            if (bin.getCount() == 0) {
                continue;
            }
            if (bins == 0) {
                base = bin.getIndex();
            }
            bins++;
            largest = Math.max(largest, wholeCount(bin.getCount()));
        }
        int width = largest < 1L << 8 ? 1 : largest < 1L << 16 ? 2 : largest < 1L << 32 ? 4 : 8;
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + bins * (2 + width));
        out.put(VERSION).putLong(zero).putInt(base).putShort((short) bins).put((byte) width);
        for (Iterator<Bin> it = store.getAscendingIterator(); it.hasNext(); ) {
            Bin bin = it.next();
            if (bin.getCount() == 0) {
                continue;
            }
            int offset = bin.getIndex() - base;
            if (offset > 0xFFFF) { // a 2048-bin store spans 2047 at most
                throw new IllegalArgumentException("bins span more than 65536 indexes: " + base + " to " + bin.getIndex());
            }
            out.putShort((short) offset);
            long count = (long) bin.getCount();
            for (int shift = 8 * (width - 1); shift >= 0; shift -= 8) {
                out.put((byte) (count >>> shift));
            }
        }
        return out.array();
    }

    /** The sketch that {@code bytes} (format 1) holds, of {@link LatencySketches#create()}'s kind. */
    public static DDSketch decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (bytes.length < HEADER_BYTES || in.get() != VERSION) {
            throw new IllegalArgumentException("not a stored sketch of format " + VERSION);
        }
        long zero = in.getLong();
        int base = in.getInt();
        int bins = Short.toUnsignedInt(in.getShort());
        int width = in.get();
        if ((width != 1 && width != 2 && width != 4 && width != 8) || bytes.length != HEADER_BYTES + bins * (2 + width)) {
            throw new IllegalArgumentException("not a stored sketch of format " + VERSION + ": " + bins + " bins of width "
                    + width + " in " + bytes.length + " bytes");
        }
        Store store = new CollapsingLowestDenseStore(LatencySketches.MAX_BINS);
        for (int i = 0; i < bins; i++) {
            int index = base + Short.toUnsignedInt(in.getShort());
            long count = 0;
            for (int b = 0; b < width; b++) {
                count = count << 8 | Byte.toUnsignedLong(in.get());
            }
            store.add(index, (double) count);
        }
        return DDSketch.of(MAPPING, new CollapsingLowestDenseStore(LatencySketches.MAX_BINS), store, zero);
    }

    private static long wholeCount(double count) {
        if (count < 0 || count != Math.rint(count) || count >= 0x1p63) {
            throw new IllegalArgumentException("not a whole count: " + count);
        }
        return (long) count;
    }
}
