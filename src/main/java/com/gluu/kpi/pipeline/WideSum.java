package com.gluu.kpi.pipeline;

import java.math.BigInteger;

/**
 * Exact sums of non-negative integers (latency nanoseconds, LLM pico-dollars) that may pass
 * {@code Long.MAX_VALUE}, kept in two longs so they fit POJO fields and fixed byte layouts:
 *
 * <pre>  value = high · 2^63 + low,   0 ≤ low &lt; 2^63,  0 ≤ high</pre>
 *
 * <p>While a sum fits a long, {@code high} is 0 and {@code low} is the plain sum: the common case
 * reads and writes exactly as a single long would. Adding two low parts gives less than 2^64,
 * so their long sum wraps at most once, into the sign bit: that bit is the carry. The high part
 * is added with {@link Math#addExact}; it would overflow only past 2^126 (8.5 · 10^37 ns is
 * 2.7 · 10^21 years of latency; 8.5 · 10^37 pico-dollars is 8.5 · 10^25 USD), which no input
 * reaches, so the exception can only mean a bug, never silent wrapping.
 *
 * <p>Static helpers, not an object: callers hold the two longs in their own fields.
 */
public final class WideSum {
    /** The 63 bits of a low part. */
    public static final long LOW_BITS = Long.MAX_VALUE;
    private static final BigInteger TWO_TO_63 = BigInteger.ONE.shiftLeft(63);

    private WideSum() {}

    /** The low part of {@code (aHigh, aLow) + (bHigh, bLow)}; both lows must lie in [0, 2^63). */
    public static long low(long aLow, long bLow) {
        return (aLow + bLow) & LOW_BITS;
    }

    /** The high part of {@code (aHigh, aLow) + (bHigh, bLow)}: both highs plus the carry out of the lows. */
    public static long high(long aHigh, long aLow, long bHigh, long bLow) {
        return Math.addExact(Math.addExact(aHigh, bHigh), (aLow + bLow) >>> 63);
    }

    /** The low part of the exact product {@code a · b} of two non-negative longs. */
    public static long productLow(long a, long b) {
        return (a * b) & LOW_BITS;
    }

    /**
     * The high part of the exact product {@code a · b} of two non-negative longs (below 2^126):
     * the 128-bit product is {@code multiplyHigh(a, b) · 2^64 + unsigned(a · b)}, which in base
     * 2^63 has the high digit {@code 2 · multiplyHigh(a, b) + (the top bit of a · b)}.
     */
    public static long productHigh(long a, long b) {
        return (Math.multiplyHigh(a, b) << 1) | ((a * b) >>> 63);
    }

    public static BigInteger toBigInteger(long high, long low) {
        return high == 0 ? BigInteger.valueOf(low) : BigInteger.valueOf(high).multiply(TWO_TO_63).add(BigInteger.valueOf(low));
    }

    /**
     * The double nearest to {@code (high · 2^63 + low) / (count · unit)} ({@code count, unit > 0}),
     * correctly rounded (ties to even) whatever the magnitudes: a mean in milliseconds from
     * nanoseconds ({@code unit} 10^6), dollars from pico-dollars ({@code count} 1, {@code unit}
     * 10^12).
     *
     * <p>When the sum and the divisor are at most 2^53, both are exact doubles and one IEEE
     * division is correctly rounded. Otherwise, exactly: the integer quotient {@code q} of the
     * sum scaled by 2^k so that {@code q} has 55 or 56 bits, with its lowest bit set if the
     * division left a remainder (a "sticky" bit below the rounding position: the true quotient
     * lies strictly between {@code q} and {@code q + 1}, and no halfway point between two 53-bit
     * values lies strictly inside that gap, as those points are even), then rounded once to 53
     * bits by {@link BigInteger#doubleValue} and scaled back by 2^-k, which is exact.
     */
    public static double ratio(long high, long low, long count, long unit) {
        long divisor = count * unit;
        if (high == 0 && low <= (1L << 53) && Math.multiplyHigh(count, unit) == 0 && divisor > 0 && divisor <= (1L << 53)) {
            return low / (double) divisor;
        }
        BigInteger sum = toBigInteger(high, low);
        if (sum.signum() == 0) {
            return 0;
        }
        BigInteger d = BigInteger.valueOf(count).multiply(BigInteger.valueOf(unit));
        int k = 55 - (sum.bitLength() - d.bitLength());
        BigInteger[] qr = (k >= 0 ? sum.shiftLeft(k) : sum).divideAndRemainder(k >= 0 ? d : d.shiftLeft(-k));
        BigInteger q = qr[1].signum() == 0 ? qr[0] : qr[0].setBit(0);
        return Math.scalb(q.doubleValue(), -k);
    }
}
