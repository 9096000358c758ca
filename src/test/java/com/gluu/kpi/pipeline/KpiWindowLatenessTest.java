package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.gluu.kpi.config.Durations;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.InferenceStatus;
import com.gluu.kpi.latency.LatencyKpis;
import com.gluu.kpi.latency.LatencyObservation;
import com.gluu.kpi.latency.LatencyPartial;
import com.gluu.kpi.latency.LatencyRow;
import com.gluu.kpi.traffic.TrafficKpis;
import com.gluu.kpi.traffic.TrafficObservation;
import com.gluu.kpi.traffic.TrafficPartial;
import com.gluu.kpi.traffic.TrafficRow;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The keyed window operators of {@link KpiPipeline} (tumbling event-time windows, 5 min allowed
 * lateness, the KPI aggregates and row functions) fire on time, re-fire an updated row for a late
 * partial within the allowed lateness, ignore anything later, and leave no state or timers behind
 * once a window is past its lateness (SPEC §3).
 */
class KpiWindowLatenessTest {
    private static final long MINUTE = 60_000;
    private static final Duration LATENESS = Duration.ofMinutes(5);
    /** 2026-11-22T05:38:00Z, a minute boundary; the window under test is [W, W + 1 min). */
    private static final long W = 1_795_325_880_000L;
    private static final long W_END = W + MINUTE;
    /** The window's last millisecond: the watermark that fires it. */
    private static final long W_MAX = W_END - 1;
    /** Flink's cleanup time: maxTimestamp + allowed lateness. */
    private static final long CLEANUP = W_MAX + 5 * MINUTE;

    private KeyedOneInputStreamOperatorTestHarness<Tuple3<String, String, String>, LatencyPartial, LatencyRow> latency;
    private KeyedOneInputStreamOperatorTestHarness<Tuple4<String, String, String, String>, TrafficPartial, TrafficRow> traffic;

    @AfterEach
    void close() throws Exception {
        if (latency != null) {
            latency.close();
        }
        if (traffic != null) {
            traffic.close();
        }
    }

    // The families' own window operators (LatencyKpis.rows, TrafficKpis.rows, built by KpiWindows)
    // with the default 5 min allowed lateness, one size each, on a stream that is never executed.

    private static KeyedOneInputStreamOperatorTestHarness<Tuple3<String, String, String>, LatencyPartial, LatencyRow>
            latencyHarness(Duration size) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<LatencyRow> rows = LatencyKpis.rows(
                env.fromData(new LatencyPartial()).returns(TypeInformation.of(LatencyPartial.class)), oneSize(size));
        return harnessOf(rows.getTransformation());
    }

    private static KeyedOneInputStreamOperatorTestHarness<Tuple4<String, String, String, String>, TrafficPartial, TrafficRow>
            trafficHarness(Duration size) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<TrafficRow> rows = TrafficKpis.rows(
                env.fromData(new TrafficPartial()).returns(TypeInformation.of(TrafficPartial.class)), oneSize(size));
        return harnessOf(rows.getTransformation());
    }

    /** The default config (allowed lateness 5 min = {@link #LATENESS}) with one window size. */
    private static JobConfig oneSize(Duration size) {
        JobConfig config = JobConfig.defaults().with(Map.of("windows", List.of(Durations.format(size))));
        assertThat(config.get(JobConfig.ALLOWED_LATENESS)).isEqualTo(LATENESS);
        return config;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static <K, IN, OUT> KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> harnessOf(Transformation<OUT> t)
            throws Exception {
        OneInputTransformation<IN, OUT> window = (OneInputTransformation<IN, OUT>) t;
        KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> harness = new KeyedOneInputStreamOperatorTestHarness<>(
                window.getOperatorFactory(), (KeySelector<IN, K>) window.getStateKeySelector(),
                (TypeInformation<K>) window.getStateKeyType());
        harness.open();
        return harness;
    }

    /** A partial of one observation, as the pre-aggregator would emit it. */
    private static LatencyPartial latencyPartial(String service, double totalMs) {
        LatencyObservation o = new LatencyObservation();
        o.service = service;
        o.model = "blip2";
        o.endpoint = "blip2-endpoint";
        o.totalMs = totalMs;
        o.modelMs = Double.NaN;
        o.llmMs = Double.NaN;
        LatencyPartial.Aggregation aggregation = new LatencyPartial.Aggregation();
        LatencyPartial p = aggregation.create(o);
        aggregation.add(p, o);
        return p;
    }

    private static TrafficPartial trafficPartial(InferenceStatus... statuses) {
        TrafficPartial.Aggregation aggregation = new TrafficPartial.Aggregation();
        TrafficPartial p = null;
        for (InferenceStatus status : statuses) {
            TrafficObservation o = new TrafficObservation();
            o.service = "analyze-api";
            o.route = "/analyze";
            o.model = "blip2";
            o.endpoint = "";
            o.status = status;
            o.async = status == InferenceStatus.ERROR;
            o.images = 2;
            if (p == null) {
                p = aggregation.create(o);
            }
            aggregation.add(p, o);
        }
        return p;
    }

    private List<LatencyRow> drainLatency() {
        List<LatencyRow> rows = latency.extractOutputValues();
        latency.getOutput().clear();
        return rows;
    }

    @Test
    void windowFiresWhenTheWatermarkReachesItsLastMillisecond() throws Exception {
        latency = latencyHarness(Duration.ofMinutes(1));
        latency.processElement(latencyPartial("api", 100), W_MAX);
        latency.processElement(latencyPartial("api", 300), W + 10);

        latency.processWatermark(W_MAX - 1);
        assertThat(drainLatency()).isEmpty();

        latency.processWatermark(W_MAX);
        List<LatencyRow> rows = drainLatency();
        assertThat(rows).hasSize(1); // only the total stage has values
        LatencyRow row = rows.get(0);
        assertThat(row.windowStart).isEqualTo(W);
        assertThat(row.windowEnd).isEqualTo(W_END);
        assertThat(row.service).isEqualTo("api");
        assertThat(row.model).isEqualTo("blip2");
        assertThat(row.endpoint).isEqualTo("blip2-endpoint");
        assertThat(row.stage).isEqualTo("total");
        assertThat(row.count).isEqualTo(2);
        assertThat(row.maxMs).isEqualTo(300.0);
        assertThat(row.meanMs).isEqualTo(200.0);
        assertThat(row.p50Ms).isCloseTo(100.0, within(1.0)); // rank 0.5 × 1 → index 0 of {100, 300}
        assertThat(row.p99Ms).isCloseTo(100.0, within(1.0)); // ⌊0.99⌋ = 0 too
    }

    @Test
    void latePartialWithinAllowedLatenessRefiresAnUpdatedRowForTheSameWindow() throws Exception {
        latency = latencyHarness(Duration.ofMinutes(1));
        latency.processElement(latencyPartial("api", 100), W_MAX);
        latency.processWatermark(W_MAX);
        assertThat(drainLatency()).extracting(r -> r.count).containsExactly(1L);

        latency.processWatermark(CLEANUP - 1); // the last watermark at which the window is still kept
        latency.processElement(latencyPartial("api", 500), W + 5);
        assertThat(drainLatency()).as("a late partial fires its window at the next watermark").isEmpty();
        latency.processWatermark(CLEANUP); // fires the window, then cleans it up

        List<LatencyRow> rows = drainLatency();
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).windowStart).isEqualTo(W);
        assertThat(rows.get(0).windowEnd).isEqualTo(W_END);
        assertThat(rows.get(0).service).isEqualTo("api");
        assertThat(rows.get(0).count).isEqualTo(2);
        assertThat(rows.get(0).maxMs).isEqualTo(500.0);
        assertThat(rows.get(0).meanMs).isEqualTo(300.0);
        assertThat(latency.numKeyedStateEntries()).as("cleaned up after that fire").isZero();
    }

    @Test
    void afterTheAllowedLatenessNothingChangesAndNoStateOrTimerIsLeft() throws Exception {
        latency = latencyHarness(Duration.ofMinutes(1));
        latency.processElement(latencyPartial("api", 100), W_MAX);
        latency.processElement(latencyPartial("batch", 100), W + 1);
        latency.processWatermark(W_MAX);
        assertThat(drainLatency()).hasSize(2);
        assertThat(latency.numKeyedStateEntries()).isPositive();
        assertThat(latency.numEventTimeTimers()).as("cleanup timers").isEqualTo(2);

        latency.processWatermark(CLEANUP);
        assertThat(latency.numKeyedStateEntries()).isZero();
        assertThat(latency.numEventTimeTimers()).isZero();

        latency.processElement(latencyPartial("api", 900), W + 5);
        latency.processWatermark(CLEANUP + 10 * MINUTE);

        assertThat(drainLatency()).as("the too-late partial changes no row").isEmpty();
        assertThat(latency.numKeyedStateEntries()).isZero();
        assertThat(latency.numEventTimeTimers()).isZero();
    }

    @Test
    void hourWindowCollectsItsMinutesIntoOneRow() throws Exception {
        latency = latencyHarness(Duration.ofHours(1));
        long hour = W - 38 * MINUTE; // 05:00
        latency.processElement(latencyPartial("api", 100), hour + MINUTE - 1);
        latency.processElement(latencyPartial("api", 200), hour + 38 * MINUTE + MINUTE - 1);
        latency.processElement(latencyPartial("api", 600), hour + 60 * MINUTE - 1);
        latency.processElement(latencyPartial("api", 999), hour + 60 * MINUTE); // next hour

        latency.processWatermark(hour + 60 * MINUTE - 1);

        List<LatencyRow> rows = drainLatency();
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).windowStart).isEqualTo(hour);
        assertThat(rows.get(0).windowEnd).isEqualTo(hour + 60 * MINUTE);
        assertThat(rows.get(0).count).isEqualTo(3);
        assertThat(rows.get(0).meanMs).isEqualTo(300.0);
        assertThat(rows.get(0).maxMs).isEqualTo(600.0);
    }

    @Test
    void trafficRowIsUpdatedByALatePartialAndCleanedUpAfterwards() throws Exception {
        traffic = trafficHarness(Duration.ofMinutes(1));
        traffic.processElement(trafficPartial(InferenceStatus.OK, InferenceStatus.OK, InferenceStatus.ERROR), W_MAX);
        traffic.processWatermark(W_MAX);

        List<TrafficRow> onTime = traffic.extractOutputValues();
        traffic.getOutput().clear();
        assertThat(onTime).hasSize(1);
        TrafficRow row = onTime.get(0);
        assertThat(row.windowStart).isEqualTo(W);
        assertThat(row.windowEnd).isEqualTo(W_END);
        assertThat(row.route).isEqualTo("/analyze");
        assertThat(row.endpoint).isEmpty();
        assertThat(row.requests).isEqualTo(3);
        assertThat(row.ok).isEqualTo(2);
        assertThat(row.errors).isEqualTo(1);
        assertThat(row.clientErrors).isZero();
        assertThat(row.errorRate).isEqualTo(1.0 / 3.0);
        assertThat(row.asyncRequests).isEqualTo(1);
        assertThat(row.images).isEqualTo(6);

        traffic.processWatermark(W_MAX + 2 * MINUTE);
        traffic.processElement(trafficPartial(InferenceStatus.CLIENT_ERROR), W + 30_000);
        assertThat(traffic.extractOutputValues()).as("fired at the next watermark").isEmpty();
        traffic.processWatermark(W_MAX + 2 * MINUTE + 1);

        List<TrafficRow> late = traffic.extractOutputValues();
        traffic.getOutput().clear();
        assertThat(late).hasSize(1);
        assertThat(late.get(0).windowStart).isEqualTo(W);
        assertThat(late.get(0).requests).isEqualTo(4);
        assertThat(late.get(0).clientErrors).isEqualTo(1);
        assertThat(late.get(0).errorRate).isEqualTo(0.25);
        assertThat(late.get(0).images).isEqualTo(8);

        traffic.processWatermark(CLEANUP);
        traffic.processElement(trafficPartial(InferenceStatus.OK), W + 30_000);
        assertThat(traffic.extractOutputValues()).isEmpty();
        assertThat(traffic.numKeyedStateEntries()).isZero();
        assertThat(traffic.numEventTimeTimers()).isZero();
    }
}
