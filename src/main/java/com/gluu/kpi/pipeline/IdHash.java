package com.gluu.kpi.pipeline;

/**
 * The 128-bit MurmurHash3 (x64 variant, seed 0) of an id's UTF-16LE code units: what the
 * feedback join's index stores instead of a request id, and {@link FirstCopies} instead of an
 * event id. The same function as Guava's
 * {@code Hashing.murmur3_128().hashString(id, UTF_16LE)} (the test checks it against Guava), so
 * the hashes written into checkpoints are a published, stable function and not this class's
 * private choice.
 *
 * <p>Two distinct ids collide only if all 128 bits agree: with n ids in one index the chance of
 * any collision is about n² / 2¹²⁹, i.e. 10⁻²⁷ for a million ids. A collision would join a
 * feedback to the other request's inference, or drop an event as a repeat of the other one.
 *
 * <p>Not thread-safe: {@link #hash} leaves its result in {@link #high} and {@link #low}, so the
 * per-event path allocates nothing.
 */
public final class IdHash {
    private static final long C1 = 0x87c37b91114253d5L;
    private static final long C2 = 0x4cf5ad432745937fL;

    /** The first 8 bytes of the hash (Guava's {@code asLong()}). */
    public long high;
    /** The last 8 bytes. */
    public long low;

    /** Hashes {@code id}; the result is in {@link #high} and {@link #low}. */
    public void hash(String id) {
        int chars = id.length();
        long h1 = 0;
        long h2 = 0;
        int i = 0;
        for (; i + 8 <= chars; i += 8) { // one 16-byte block = 8 UTF-16 code units
            long k1 = units(id, i, 4);
            long k2 = units(id, i + 4, 4);
            h1 ^= mixK1(k1);
            h1 = Long.rotateLeft(h1, 27);
            h1 += h2;
            h1 = h1 * 5 + 0x52dce729;
            h2 ^= mixK2(k2);
            h2 = Long.rotateLeft(h2, 31);
            h2 += h1;
            h2 = h2 * 5 + 0x38495ab5;
        }
        int tail = chars - i;
        if (tail > 4) {
            h2 ^= mixK2(units(id, i + 4, tail - 4));
        }
        if (tail > 0) {
            h1 ^= mixK1(units(id, i, Math.min(tail, 4)));
        }
        long bytes = 2L * chars;
        h1 ^= bytes;
        h2 ^= bytes;
        h1 += h2;
        h2 += h1;
        h1 = fmix64(h1);
        h2 = fmix64(h2);
        h1 += h2;
        h2 += h1;
        high = h1;
        low = h2;
    }

    /** {@code count} code units from {@code from}, little-endian, as one long. */
    private static long units(String id, int from, int count) {
        long k = 0;
        for (int j = 0; j < count; j++) {
            k |= (long) id.charAt(from + j) << (16 * j);
        }
        return k;
    }

    private static long mixK1(long k1) {
        k1 *= C1;
        k1 = Long.rotateLeft(k1, 31);
        return k1 * C2;
    }

    private static long mixK2(long k2) {
        k2 *= C2;
        k2 = Long.rotateLeft(k2, 33);
        return k2 * C1;
    }

    private static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
