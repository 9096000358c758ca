package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.latency.LatencyObservation;
import com.gluu.kpi.latency.LatencyPartial;
import com.gluu.kpi.latency.LatencyStage;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.WindowAssigner;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Windows are tumbling and aligned to the epoch (SPEC §3): [start, end) holds start and end − 1
 * but not end. Checked through the pre-aggregator, whose partial timestamps decide the window
 * downstream, and through the tumbling assigner the window operators use.
 */
class WindowBoundaryTest {
    private static final long MINUTE = 60_000;
    private static final long HOUR = 60 * MINUTE;
    /** 2026-11-22T00:00:00Z = day 20 779 × 86 400 000 ms. */
    private static final long NOV_22 = 20_779L * 86_400_000L;

    static Stream<Arguments> windows() {
        return Stream.of(
                // size, a window start worked out by hand (05:38 and 05:00 on 2026-11-22)
                Arguments.of(MINUTE, NOV_22 + 5 * HOUR + 38 * MINUTE),
                Arguments.of(HOUR, NOV_22 + 5 * HOUR),
                // before the epoch: 1969-12-31T23:59:00Z and 23:00:00Z
                Arguments.of(MINUTE, -MINUTE),
                Arguments.of(HOUR, -HOUR));
    }

    @ParameterizedTest(name = "size {0} ms, start {1}")
    @MethodSource("windows")
    void eventAtStartAndAtEndMinusOneBelongToTheWindowAndAtEndToTheNext(long size, long start) throws Exception {
        long end = start + size;
        assertThat(Math.floorMod(start, size)).as("fixture is epoch-aligned").isZero();

        List<StreamRecord<? extends LatencyPartial>> out = preAggregate(size, new long[][] {
            {start, 100}, {end - 1, 200}, {end, 400}, {start - 1, 800}});

        assertThat(out).hasSize(3);
        // Partials carry their window's last millisecond as timestamp.
        assertThat(totalsAt(out, end - 1)).containsExactlyInAnyOrder(100.0 + 200.0);
        assertThat(countAt(out, end - 1)).isEqualTo(2);
        assertThat(totalsAt(out, end + size - 1)).containsExactly(400.0);
        assertThat(totalsAt(out, start - 1)).containsExactly(800.0);
    }

    @ParameterizedTest(name = "size {0} ms, start {1}")
    @MethodSource("windows")
    void tumblingAssignerPutsEachPartialInTheWindowOfItsEvents(long size, long start) {
        TumblingEventTimeWindows assigner = TumblingEventTimeWindows.of(Duration.ofMillis(size));
        long end = start + size;

        assertThat(assign(assigner, start)).isEqualTo(new TimeWindow(start, end));
        assertThat(assign(assigner, end - 1)).as("a partial's own timestamp").isEqualTo(new TimeWindow(start, end));
        assertThat(assign(assigner, end)).isEqualTo(new TimeWindow(end, end + size));
        assertThat(assign(assigner, start - 1)).isEqualTo(new TimeWindow(start - size, start));
    }

    private static TimeWindow assign(TumblingEventTimeWindows assigner, long ts) {
        Collection<TimeWindow> windows = assigner.assignWindows(null, ts, new WindowAssigner.WindowAssignerContext() {
            @Override
            public long getCurrentProcessingTime() {
                return 0;
            }
        });
        assertThat(windows).hasSize(1);
        return windows.iterator().next();
    }

    /** Runs {@code {ts, totalMs}} observations through a pre-aggregator and flushes it. */
    private static List<StreamRecord<? extends LatencyPartial>> preAggregate(long size, long[][] events) throws Exception {
        try (OneInputStreamOperatorTestHarness<LatencyObservation, LatencyPartial> harness =
                new OneInputStreamOperatorTestHarness<>(
                        new WindowPreAggregator<>(size, new LatencyPartial.Aggregation(), 1000))) {
            harness.open();
            for (long[] e : events) {
                LatencyObservation o = new LatencyObservation();
                o.service = "api";
                o.model = "blip2";
                o.endpoint = "";
                o.totalMs = e[1];
                o.modelMs = Double.NaN;
                o.llmMs = Double.NaN;
                harness.processElement(o, e[0]);
            }
            harness.getOperator().finish();
            return harness.extractOutputStreamRecords();
        }
    }

    private static List<Double> totalsAt(List<StreamRecord<? extends LatencyPartial>> out, long ts) {
        return out.stream().filter(r -> r.getTimestamp() == ts)
                .map(r -> r.getValue().stats.stage(LatencyStage.TOTAL).mean() * r.getValue().stats.stage(LatencyStage.TOTAL).count())
                .toList();
    }

    private static long countAt(List<StreamRecord<? extends LatencyPartial>> out, long ts) {
        return out.stream().filter(r -> r.getTimestamp() == ts)
                .mapToLong(r -> r.getValue().stats.stage(LatencyStage.TOTAL).count()).sum();
    }
}
