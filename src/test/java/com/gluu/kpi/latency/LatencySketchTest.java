package com.gluu.kpi.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.datadoghq.sketch.ddsketch.DDSketch;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.stream.Stream;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SPEC §4 kpi.latency: percentiles within 1 % of the true value at that rank, exact count, max
 * and mean, and a sketch that merges and serializes without losing anything.
 *
 * <p>The true value at quantile q is the sorted sample's element at index ⌊q·(n−1)⌋ — the rank
 * convention of {@code DDSketch.getValueAtQuantile}, which {@link StageStats#quantile} uses.
 */
class LatencySketchTest {
    private static final int N = 100_000;
    private static final double[] QUANTILES = {0.50, 0.90, 0.95, 0.99};
    /** 1 % relative accuracy, plus floating-point slack far below it. */
    private static final double ACCURACY = 0.01 + 1e-9;

    static Stream<Arguments> distributions() {
        return Stream.of(
                Arguments.of("lognormal", sample(1, r -> () -> Math.exp(7.5 + 0.8 * r.nextGaussian()))),
                Arguments.of("pareto", sample(2, r -> () -> 50.0 / Math.pow(1 - r.nextDouble(), 1 / 1.2))),
                Arguments.of("bimodal", sample(3, r -> () -> r.nextBoolean()
                        ? Math.max(0.001, 180 + 25 * r.nextGaussian())
                        : 9_000 + 1_500 * r.nextGaussian())));
    }

    /** {@code N} values, rounded to whole microseconds so that the sum in nanoseconds is exact. */
    private static double[] sample(long seed, java.util.function.Function<Random, DoubleSupplier> distribution) {
        Random random = new Random(seed);
        DoubleSupplier next = distribution.apply(random);
        double[] values = new double[N];
        for (int i = 0; i < N; i++) {
            values[i] = Math.round(Math.abs(next.getAsDouble()) * 1000) / 1000.0;
        }
        return values;
    }

    private static StageStats statsOf(double[] values) {
        StageStats stats = new StageStats();
        for (double v : values) {
            stats.add(v);
        }
        return stats;
    }

    private static double exactAtRank(double[] sorted, double q) {
        return sorted[(int) Math.floor(q * (sorted.length - 1))];
    }

    private static void assertQuantilesAccurate(String label, double[] values, java.util.function.DoubleUnaryOperator quantile) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        for (double q : QUANTILES) {
            double exact = exactAtRank(sorted, q);
            double reported = quantile.applyAsDouble(q);
            assertThat(Math.abs(reported - exact) / exact)
                    .as("%s p%s: reported %s, exact %s", label, (int) (q * 100), reported, exact)
                    .isLessThanOrEqualTo(ACCURACY);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("distributions")
    void percentilesAreWithinOnePercentOfTheExactValue(String label, double[] values) {
        StageStats stats = statsOf(values);

        assertQuantilesAccurate(label, values, stats::quantile);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("distributions")
    void countMaxAndMeanAreExact(String label, double[] values) {
        StageStats stats = statsOf(values);

        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            max = Math.max(max, v);
        }
        double mean = exactMean(values);

        assertThat(stats.count()).isEqualTo(N);
        assertThat(stats.max()).isEqualTo(max);
        assertThat(stats.mean()).isCloseTo(mean, within(Math.ulp(mean) * 4));
    }

    /** The mean in decimal arithmetic, from the values' shortest decimal forms. */
    private static double exactMean(double[] values) {
        BigDecimal sum = BigDecimal.ZERO;
        for (double v : values) {
            sum = sum.add(new BigDecimal(Double.toString(v)));
        }
        return sum.divide(BigDecimal.valueOf(values.length), MathContext.DECIMAL128).doubleValue();
    }

    @Test
    void meanDoesNotDependOnArrivalOrder() {
        double[] values = sample(4, r -> () -> Math.exp(6 + r.nextGaussian()));
        List<Double> shuffled = new ArrayList<>();
        for (double v : values) {
            shuffled.add(v);
        }
        Collections.shuffle(shuffled, new Random(5));
        StageStats reordered = new StageStats();
        shuffled.forEach(reordered::add);

        assertThat(reordered.mean()).isEqualTo(statsOf(values).mean());
    }

    @Test
    void smallSampleByHand() {
        StageStats stats = new StageStats();
        for (double v : new double[] {400, 100, 300, 200, 1000}) {
            stats.add(v);
        }
        // Sorted: 100 200 300 400 1000; rank q·4: p50 → index 2 (300), p90 → ⌊3.6⌋ = 3 (400),
        // p99 → ⌊3.96⌋ = 3 (400). Mean 2000 / 5 = 400.
        assertThat(stats.count()).isEqualTo(5);
        assertThat(stats.max()).isEqualTo(1000.0);
        assertThat(stats.mean()).isEqualTo(400.0);
        assertThat(stats.quantile(0.50)).isCloseTo(300.0, within(3.0));
        assertThat(stats.quantile(0.90)).isCloseTo(400.0, within(4.0));
        assertThat(stats.quantile(0.99)).isCloseTo(400.0, within(4.0));
    }

    @Test
    void maxOfOnlyZerosIsZero() {
        StageStats stats = statsOf(new double[] {0, 0, 0});

        assertThat(stats.max()).isZero();
        assertThat(stats.mean()).isZero();
        assertThat(stats.quantile(0.5)).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("distributions")
    void mergeOfTwoHalvesEqualsTheSketchOfTheUnion(String label, double[] values) {
        // Split unevenly: a third and two thirds.
        double[] a = new double[N / 3];
        double[] b = new double[N - N / 3];
        System.arraycopy(values, 0, a, 0, a.length);
        System.arraycopy(values, a.length, b, 0, b.length);
        StageStats merged = statsOf(a);
        merged.merge(statsOf(b));
        StageStats whole = statsOf(values);

        assertThat(merged.count()).isEqualTo(N);
        assertThat(merged.max()).isEqualTo(whole.max());
        assertThat(merged.mean()).isEqualTo(whole.mean());
        for (double q : QUANTILES) {
            // Same mapping, bin counts add: the merged sketch is the union's sketch.
            assertThat(merged.quantile(q)).as("p%s", q).isEqualTo(whole.quantile(q));
        }
        assertQuantilesAccurate(label + " merged", values, merged::quantile);
    }

    @Test
    void mergeIntoEmptyTakesTheOthersMaxAndEmptyMergeChangesNothing() {
        StageStats empty = new StageStats();
        empty.merge(statsOf(new double[] {5, 7}));
        assertThat(empty.count()).isEqualTo(2);
        assertThat(empty.max()).isEqualTo(7.0);
        assertThat(empty.mean()).isEqualTo(6.0);

        StageStats some = statsOf(new double[] {3});
        some.merge(new StageStats());
        assertThat(some.count()).isEqualTo(1);
        assertThat(some.max()).isEqualTo(3.0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("distributions")
    void bytesRoundTripPreservesCountAndQuantiles(String label, double[] values) {
        DDSketch sketch = statsOf(values).sketch();

        DDSketch back = LatencySketches.fromBytes(LatencySketches.toBytes(sketch));

        assertThat(back.getCount()).isEqualTo((double) N);
        for (double q : QUANTILES) {
            assertThat(back.getValueAtQuantile(q)).as("p%s", q).isEqualTo(sketch.getValueAtQuantile(q));
        }
        assertThat(back.getMaxValue()).isEqualTo(sketch.getMaxValue());
        assertThat(back.getMinValue()).isEqualTo(sketch.getMinValue());
        assertQuantilesAccurate(label + " decoded", values, back::getValueAtQuantile);
    }

    @Test
    void decodedSketchStillMergesWithANewOne() {
        double[] values = sample(6, r -> () -> Math.exp(7 + r.nextGaussian()));
        double[] first = Arrays.copyOfRange(values, 0, N / 2);
        double[] second = Arrays.copyOfRange(values, N / 2, N);
        DDSketch stored = LatencySketches.fromBytes(LatencySketches.toBytes(statsOf(first).sketch()));

        stored.mergeWith(statsOf(second).sketch());

        assertThat(stored.getCount()).isEqualTo((double) N);
        assertQuantilesAccurate("stored + new", values, stored::getValueAtQuantile);
    }

    @Test
    void rowCarriesTheWindowKeyAndStatsOfOneStage() {
        double[] values = sample(7, r -> () -> Math.exp(8 + 0.5 * r.nextGaussian()));
        StageStats stats = statsOf(values);
        TimeWindow window = new TimeWindow(1_795_305_600_000L, 1_795_305_660_000L);

        LatencyRow row = LatencyWindowRows.toRow(window, Tuple3.of("analyze-api", "blip2", ""), LatencyStage.MODEL, stats);

        assertThat(row.windowStart).isEqualTo(1_795_305_600_000L);
        assertThat(row.windowEnd).isEqualTo(1_795_305_660_000L);
        assertThat(row.service).isEqualTo("analyze-api");
        assertThat(row.model).isEqualTo("blip2");
        assertThat(row.endpoint).isEmpty();
        assertThat(row.stage).isEqualTo("model");
        assertThat(row.count).isEqualTo(N);
        assertThat(row.maxMs).isEqualTo(Arrays.stream(values).max().getAsDouble());
        double mean = exactMean(values);
        assertThat(row.meanMs).isCloseTo(mean, within(Math.ulp(mean) * 4));
        double[] reported = {row.p50Ms, row.p90Ms, row.p95Ms, row.p99Ms};
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < QUANTILES.length; i++) {
            double exact = exactAtRank(sorted, QUANTILES[i]);
            assertThat(Math.abs(reported[i] - exact) / exact).as("q %s", QUANTILES[i]).isLessThanOrEqualTo(ACCURACY);
        }
        assertThat(LatencySketches.fromBytes(row.sketch).getCount()).isEqualTo((double) N);
    }
}
