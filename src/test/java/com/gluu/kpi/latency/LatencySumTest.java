package com.gluu.kpi.latency;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The latency sum cannot wrap: with the parser's one-day limit a window of 106,752 one-day
 * latencies already passes {@code Long.MAX_VALUE} nanoseconds, and count, sum and mean stay exact
 * far beyond, through merges and serialization, with the old byte layout while the sum fits a long.
 */
class LatencySumTest {
    private static final long ONE_DAY_MS = 86_400_000L;
    private static final long NANOS_PER_MS = 1_000_000L;

    /** The mean in ms of the given nanosecond sum over {@code count}, by exact decimal division. */
    private static double exactMeanMs(BigInteger sumNanos, long count) {
        // count · 10^6 is 2^a · 5^b for the counts used here, so the quotient is a terminating
        // decimal, exact within 100 digits: doubleValue() then rounds it once, correctly.
        return new BigDecimal(sumNanos).divide(BigDecimal.valueOf(count).multiply(BigDecimal.valueOf(NANOS_PER_MS)),
                new MathContext(100)).doubleValue();
    }

    @Test
    void aWindowOfOneDayLatenciesPastLongMaxNanosHasTheExactMean() {
        StageStats stats = new StageStats();
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            stats.add(ONE_DAY_MS);
        }
        BigInteger sum = BigInteger.valueOf(n).multiply(BigInteger.valueOf(ONE_DAY_MS * NANOS_PER_MS));

        // 2 · 10^5 × 8.64 · 10^13 ns = 1.728 · 10^19 ns > 2^63 − 1 ≈ 9.22 · 10^18.
        assertThat(sum).isGreaterThan(BigInteger.valueOf(Long.MAX_VALUE));
        assertThat(stats.count()).isEqualTo(n);
        assertThat(stats.mean()).isEqualTo(86_400_000.0);
        assertThat(stats.max()).isEqualTo(86_400_000.0);
        assertThat(sumOf(stats)).isEqualTo(sum);
    }

    @Test
    void theFirstCarryHappensExactlyWhereALongWouldWrap() {
        // ⌊(2^63 − 1) / 8.64 · 10^13⌋ = 106,751 one-day latencies fit a long; the next one does not.
        long fitting = Long.MAX_VALUE / (ONE_DAY_MS * NANOS_PER_MS);
        assertThat(fitting).isEqualTo(106_751L);
        StageStats stats = new StageStats();
        for (long i = 0; i < fitting; i++) {
            stats.add(ONE_DAY_MS);
        }
        assertThat(stats.sumNanosHigh).isZero();

        stats.add(ONE_DAY_MS);

        assertThat(stats.sumNanosHigh).isEqualTo(1);
        assertThat(sumOf(stats)).isEqualTo(BigInteger.valueOf(106_752L * 86_400_000L).multiply(BigInteger.valueOf(NANOS_PER_MS)));
        assertThat(stats.mean()).isEqualTo(86_400_000.0);
    }

    @Test
    void randomLatenciesUpToOneDayHaveTheExactMeanWhateverTheMergeOrder() {
        // Half-millisecond steps: every value and its nanoseconds are exact, so the expected sum is too.
        Random random = new Random(11);
        int n = 200_000;
        double[] values = new double[n];
        BigInteger sum = BigInteger.ZERO;
        for (int i = 0; i < n; i++) {
            long halfMs = 2 * (ONE_DAY_MS - 3_600_000L) + random.nextInt(2 * 3_600_000 + 1); // 23 h … 24 h
            values[i] = halfMs / 2.0;
            sum = sum.add(BigInteger.valueOf(halfMs).multiply(BigInteger.valueOf(NANOS_PER_MS / 2)));
        }
        double expected = exactMeanMs(sum, n);

        StageStats inOrder = new StageStats();
        for (double v : values) {
            inOrder.add(v);
        }
        // The same values in 1 … 999-value partials, merged in a shuffled order.
        List<StageStats> partials = new ArrayList<>();
        for (int i = 0; i < n;) {
            StageStats p = new StageStats();
            for (int end = Math.min(n, i + 1 + random.nextInt(999)); i < end; i++) {
                p.add(values[i]);
            }
            partials.add(p);
        }
        java.util.Collections.shuffle(partials, random);
        StageStats merged = new StageStats();
        partials.forEach(merged::merge);

        assertThat(sum).isGreaterThan(BigInteger.valueOf(Long.MAX_VALUE));
        assertThat(inOrder.mean()).isEqualTo(expected);
        assertThat(merged.mean()).isEqualTo(expected);
        assertThat(sumOf(merged)).isEqualTo(sum);
        assertThat(merged.count()).isEqualTo(n);
    }

    @Test
    void meanOfASumBelowLongMaxIsTheCorrectlyRoundedQuotient() {
        // 3 values: (1 + 2 + 2) ms / 3 = 1.6666… ms; and sums past 2^53 ns, where a long-to-double
        // conversion alone would already round.
        StageStats small = new StageStats();
        for (double v : new double[] {1, 2, 2}) {
            small.add(v);
        }
        assertThat(small.mean()).isEqualTo(5.0 / 3.0);

        StageStats big = new StageStats();
        Random random = new Random(3);
        BigInteger sum = BigInteger.ZERO;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            long us = 50_000_000L + random.nextInt(10_000_000); // 50–60 s, in whole microseconds
            big.add(us / 1000.0);
            sum = sum.add(BigInteger.valueOf(us * 1000));
        }
        assertThat(sum).isGreaterThan(BigInteger.ONE.shiftLeft(53)).isLessThan(BigInteger.valueOf(Long.MAX_VALUE));
        assertThat(big.sumNanosHigh).isZero();
        assertThat(big.mean()).isEqualTo(exactMeanMs(sum, n));
    }

    @Test
    void serializedStateWithinALongKeepsTheOldLayout() throws Exception {
        LatencyAccumulator acc = new LatencyAccumulator();
        LatencyObservation o = new LatencyObservation();
        o.totalMs = 250;
        o.modelMs = Double.NaN;
        o.llmMs = Double.NaN;
        acc.add(o);
        acc.add(o);

        DataOutputSerializer out = new DataOutputSerializer(256);
        LatencyAccumulatorSerializer.INSTANCE.serialize(acc, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());

        // Stage TOTAL first: count 2, sum 500 ms in ns, max 250, then the sketch.
        assertThat(in.readLong()).isEqualTo(2);
        assertThat(in.readLong()).isEqualTo(500_000_000L);
        assertThat(in.readDouble()).isEqualTo(250.0);
    }

    @Test
    void serializedStatePastALongRoundTripsExactly() throws Exception {
        LatencyAccumulator acc = new LatencyAccumulator();
        LatencyObservation o = new LatencyObservation();
        o.totalMs = ONE_DAY_MS;
        o.modelMs = 0.5;
        o.llmMs = Double.NaN;
        for (int i = 0; i < 150_000; i++) {
            acc.add(o);
        }

        DataOutputSerializer out = new DataOutputSerializer(4096);
        LatencyAccumulatorSerializer.INSTANCE.serialize(acc, out);
        LatencyAccumulator back = LatencyAccumulatorSerializer.INSTANCE.deserialize(
                new DataInputDeserializer(out.getCopyOfBuffer()));
        LatencyAccumulator copy = LatencyAccumulatorSerializer.INSTANCE.copy(acc);

        for (LatencyAccumulator a : List.of(back, copy)) {
            StageStats total = a.stage(LatencyStage.TOTAL);
            assertThat(total.count()).isEqualTo(150_000);
            assertThat(sumOf(total)).isEqualTo(BigInteger.valueOf(150_000L * ONE_DAY_MS).multiply(BigInteger.valueOf(NANOS_PER_MS)));
            assertThat(total.mean()).isEqualTo(86_400_000.0);
            assertThat(a.stage(LatencyStage.MODEL).count()).isEqualTo(150_000);
            assertThat(a.stage(LatencyStage.MODEL).mean()).isEqualTo(0.5);
            assertThat(a.stage(LatencyStage.LLM).count()).isZero();
        }
        // The overflowed stage announces its high part with a negative (complemented) count.
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        assertThat(in.readLong()).isEqualTo(~150_000L);
        assertThat(in.readLong()).isEqualTo(1); // 1.296 · 10^19 ns = 1 · 2^63 + 3.74 · 10^18
    }

    private static BigInteger sumOf(StageStats s) {
        return BigInteger.valueOf(s.sumNanosHigh).shiftLeft(63).add(BigInteger.valueOf(s.sumNanos));
    }
}
