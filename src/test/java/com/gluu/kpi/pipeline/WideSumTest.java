package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Two-long exact sums, checked against BigInteger arithmetic. */
class WideSumTest {
    private static final BigInteger TWO_TO_63 = BigInteger.ONE.shiftLeft(63);

    private static BigInteger value(long high, long low) {
        return BigInteger.valueOf(high).multiply(TWO_TO_63).add(BigInteger.valueOf(low));
    }

    @Test
    void sumsCarryIntoTheHighPartExactly() {
        Random random = new Random(7);
        long high = 0;
        long low = 0;
        BigInteger expected = BigInteger.ZERO;
        for (int i = 0; i < 100_000; i++) {
            long addLow = random.nextLong() & Long.MAX_VALUE;
            long addHigh = random.nextInt(3);
            long newHigh = WideSum.high(high, low, addHigh, addLow);
            low = WideSum.low(low, addLow);
            high = newHigh;
            expected = expected.add(value(addHigh, addLow));
            assertThat(low).isNotNegative();
        }
        assertThat(value(high, low)).isEqualTo(expected);
    }

    @Test
    void longMaxPlusOneIsOneInTheHighPart() {
        assertThat(WideSum.high(0, Long.MAX_VALUE, 0, 1)).isEqualTo(1);
        assertThat(WideSum.low(Long.MAX_VALUE, 1)).isZero();
        assertThat(WideSum.high(0, Long.MAX_VALUE, 0, Long.MAX_VALUE)).isEqualTo(1);
        assertThat(WideSum.low(Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE - 1);
    }

    @Test
    void aHighPartOverflowThrowsInsteadOfWrapping() {
        assertThatThrownBy(() -> WideSum.high(Long.MAX_VALUE, Long.MAX_VALUE, 0, 1)).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void productsOfNonNegativeLongsAreExact() {
        Random random = new Random(8);
        long[] edges = {0, 1, 2, 100_000_000L, 600_000_000L, Integer.MAX_VALUE, 1L << 62, Long.MAX_VALUE};
        for (int i = 0; i < 20_000; i++) {
            long a = i < 64 ? edges[i % 8] : random.nextLong() >>> random.nextInt(64);
            long b = i < 64 ? edges[i / 8] : random.nextLong() >>> random.nextInt(64);
            BigInteger expected = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b));

            assertThat(value(WideSum.productHigh(a, b), WideSum.productLow(a, b))).as("%d × %d", a, b).isEqualTo(expected);
            assertThat(WideSum.productLow(a, b)).isNotNegative();
        }
    }

    @Test
    void ratioIsTheCorrectlyRoundedQuotient() {
        Random random = new Random(9);
        for (int i = 0; i < 5_000; i++) {
            long high = random.nextInt(4) == 0 ? 0 : random.nextLong() >>> (1 + random.nextInt(63));
            long low = random.nextLong() >>> (1 + random.nextInt(63));
            long count = 1 + (random.nextLong() >>> (1 + random.nextInt(63)));
            long unit = random.nextBoolean() ? 1_000_000L : 1_000_000_000_000L;
            BigInteger divisor = BigInteger.valueOf(count).multiply(BigInteger.valueOf(unit));

            assertThat(WideSum.ratio(high, low, count, unit)).as("(%d, %d) / %d", high, low, divisor)
                    .isEqualTo(nearestDouble(value(high, low), divisor));
        }
        // Ties go to even: (2^53 + 1) / 1 lies halfway between 2^53 and 2^53 + 2.
        assertThat(WideSum.ratio(0, (1L << 53) + 1, 1, 1)).isEqualTo(0x1p53);
        assertThat(WideSum.ratio(0, (1L << 53) + 3, 1, 1)).isEqualTo(0x1p53 + 4);
        assertThat(WideSum.ratio(1, 0, 1, 1)).isEqualTo(0x1p63);
        assertThat(WideSum.ratio(0, 0, 5, 1_000_000)).isZero();
    }

    /**
     * The slow, obvious way: the quotient to 200 significant digits (far more than any double
     * needs) as a decimal, then the nearest double by comparing it with the two candidates' midpoint.
     */
    private static double nearestDouble(BigInteger sum, BigInteger divisor) {
        BigDecimal q = new BigDecimal(sum).divide(new BigDecimal(divisor), new MathContext(200, RoundingMode.DOWN));
        boolean inexact = q.multiply(new BigDecimal(divisor)).compareTo(new BigDecimal(sum)) != 0;
        double down = q.round(new MathContext(17, RoundingMode.DOWN)).doubleValue();
        // Step to the double just at or below q, then compare q with the midpoint to the next one.
        while (new BigDecimal(down).compareTo(q) > 0) {
            down = Math.nextDown(down);
        }
        while (new BigDecimal(Math.nextUp(down)).compareTo(q) <= 0) {
            down = Math.nextUp(down);
        }
        double up = Math.nextUp(down);
        BigDecimal mid = new BigDecimal(down).add(new BigDecimal(up)).divide(BigDecimal.valueOf(2));
        int c = q.compareTo(mid);
        if (c < 0) {
            return down;
        }
        if (c > 0 || inexact) {
            return up; // above the midpoint, or exactly on it only because the digits ran out below
        }
        return (Double.doubleToRawLongBits(down) & 1) == 0 ? down : up;
    }
}
