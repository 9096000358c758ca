package com.gluu.kpi.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.accuracy.AccuracyObservation;
import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.health.EndpointSlot;
import com.gluu.kpi.latency.LatencyPartial;
import com.gluu.kpi.traffic.TrafficCounts;
import com.gluu.kpi.traffic.TrafficPartial;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link AlertKpis#records} as a job (generic types off, parallelism 2, bounded input): the four
 * inputs reach the evaluator, and the end of input stops evaluation at the last minute with input.
 */
class AlertKpisITCase {
    private static final long MIN = 60_000L;
    private static final long T = 1_767_225_600_000L;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static <E> DataStream<E> source(StreamExecutionEnvironment env, List<E> data, Class<E> type,
            org.apache.flink.api.common.eventtime.SerializableTimestampAssigner<E> ts) {
        return env.fromData(data, TypeInformation.of(type))
                .assignTimestampsAndWatermarks(WatermarkStrategy.<E>forMonotonousTimestamps()
                        .withTimestampAssigner(ts));
    }

    private static TrafficPartial traffic(int minute, long requests, long errors) {
        TrafficPartial p = new TrafficPartial();
        p.service = "api";
        p.route = "/a";
        p.model = "blip2";
        p.endpoint = "ep";
        p.counts = new TrafficCounts();
        p.counts.requests = requests;
        p.counts.errors = errors;
        // carried in the (unused) llm cost field so the timestamp assigner knows the minute
        p.counts.llmPicoUsd = minute;
        return p;
    }

    /** Latency no rule here watches (no empty sources: fromData refuses them). */
    private static LatencyPartial latency() {
        LatencyPartial p = new LatencyPartial();
        p.service = "api";
        p.model = "blip2";
        p.endpoint = "ep";
        p.stats = new com.gluu.kpi.latency.LatencyAccumulator();
        return p;
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void errorRateEndpointFailureAndEvidenceThroughTheJob() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n"
                + "  - {name: ecs_error_rate, kpi: traffic, statistic: error_rate, comparison: '>', threshold: 0.01, "
                + "min_sample: 20, group_by: [service], severity: critical}\n"
                + "  - {name: endpoint_failed, kpi: endpoint_event, statistic: failed, group_by: [endpoint, model], "
                + "severity: critical}\n"
                + "  - {name: no_data, kpi: no_data, silent_for: 5m, group_by: [service], severity: warning}\n");
        JobConfig config = JobConfig.defaults().with(Map.of("job.checkpoint_interval", "0s", "job.parallelism", 2));
        StreamExecutionEnvironment env = KpiJob.environment(config);

        // minute 0: 30 requests, 3 errors = 0.1 → fires; minutes 1..6: 100 requests, no error:
        // minute 1: 3 / 130 = 0.023, minute 2: 3 / 230 = 0.013 (firing), minute 3: 3 / 330 = 0.0091 → resolves.
        List<TrafficPartial> traffic = new ArrayList<>();
        traffic.add(traffic(0, 30, 3));
        for (int m = 1; m <= 6; m++) {
            traffic.add(traffic(m, 100, 0));
        }
        // endpoint failure in minute 2 → fires at minute 2, still in the window at minute 6 (the last).
        List<EndpointSlot> slots = new ArrayList<>();
        for (int m = 0; m <= 6; m++) {
            EndpointSlot s = new EndpointSlot();
            s.endpoint = "ep";
            s.model = "blip2";
            s.slotStart = T + m * MIN;
            s.slotEnd = s.slotStart + MIN;
            s.billedMs = MIN;
            s.failures = m == 2 ? 1 : 0;
            slots.add(s);
        }
        // two failed requests in minute 0 (evidence of the error-rate episode) and one in minute 4 (none: later)
        List<InferenceEvent> requests = List.of(failed("e1", T + 1_000), failed("e2", T + 2_000), failed("e3", T + 4 * MIN));
        AlertKpis.AlertStreams alerts = AlertKpis.evaluate(
                source(env, List.of(latency()), LatencyPartial.class, (p, previous) -> T + MIN - 1),
                source(env, traffic, TrafficPartial.class, (p, previous) -> T + (p.counts.llmPicoUsd + 1) * MIN - 1),
                source(env, List.of(new AccuracyObservation("blip2", "", "correct", 1.0, T + 5)), AccuracyObservation.class,
                        (o, previous) -> o.ts),
                source(env, slots, EndpointSlot.class, (s, previous) -> s.slotEnd - 1),
                source(env, requests, InferenceEvent.class, (e, previous) -> e.totalLatencyMs > 0 ? (long) e.totalLatencyMs : 0),
                rules, config);
        CloseableIterator<AlertRecord> out = alerts.records().collectAsync();
        CloseableIterator<AlertEvidence> evidenceOut = alerts.evidence().collectAsync();
        env.execute("alerts");
        List<AlertEvidence> evidence = new ArrayList<>();
        evidenceOut.forEachRemaining(evidence::add);

        List<AlertRecord> records = new ArrayList<>();
        out.forEachRemaining(records::add);
        records.sort(Comparator.comparingLong((AlertRecord r) -> r.transitionAt).thenComparing(r -> r.rule));
        // no_data never fires: input ends at minute 6 while traffic is still flowing
        assertThat(records).extracting(r -> r.rule + " " + r.state + " @" + (r.transitionAt - T) / MIN).containsExactly(
                "ecs_error_rate firing @1",
                "endpoint_failed firing @3",
                "ecs_error_rate resolved @4");
        assertThat(records.get(0).value).isEqualTo(0.1);
        assertThat(records.get(2).alertId).isEqualTo(records.get(0).alertId)
                .isEqualTo(AlertStateMachine.alertId("ecs_error_rate", "{\"service\":\"api\"}", T + MIN));
        evidence.sort(Comparator.comparing(e -> e.requestId));
        assertThat(evidence).extracting(e -> e.requestId + " " + e.ts).containsExactly("e1 " + (T + 1_000), "e2 " + (T + 2_000));
        assertThat(evidence).extracting(e -> e.alertId).containsOnly(records.get(0).alertId);
    }

    /**
     * The demo's failure and restart as a job: 21 minutes of slots, all read before the evaluator's
     * watermark (the slowest of its five inputs) passes their minutes, so the per-group ring must keep
     * every minute until it is evaluated. Failure in minute 3: in the windows of minutes 3..7; restart
     * in minute 6: in the windows of minutes 6..10.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void failureAndRestartFarAheadOfTheWatermarkThroughTheJob() throws Exception {
        AlertRules rules = TestRules.rules("rules:\n"
                + "  - {name: endpoint_failed, kpi: endpoint_event, statistic: failed, group_by: [endpoint, model], "
                + "severity: critical}\n"
                + "  - {name: endpoint_restart, kpi: endpoint_event, statistic: restart, group_by: [endpoint, model], "
                + "severity: warning}\n");
        JobConfig config = JobConfig.defaults().with(Map.of("job.checkpoint_interval", "0s", "job.parallelism", 2));
        StreamExecutionEnvironment env = KpiJob.environment(config);
        List<EndpointSlot> slots = new ArrayList<>();
        for (int m = 0; m <= 20; m++) {
            EndpointSlot s = new EndpointSlot();
            s.endpoint = "ep";
            s.model = "blip2";
            s.slotStart = T + m * MIN;
            s.slotEnd = s.slotStart + MIN;
            s.billedMs = m >= 3 && m < 6 ? 0 : MIN;
            s.failures = m == 3 ? 1 : 0;
            s.restarts = m == 6 ? 1 : 0;
            slots.add(s);
        }
        DataStream<AlertRecord> alerts = AlertKpis.records(
                source(env, List.of(latency()), LatencyPartial.class, (p, previous) -> T + MIN - 1),
                source(env, List.of(traffic(0, 1, 0)), TrafficPartial.class, (p, previous) -> T + MIN - 1),
                source(env, List.of(new AccuracyObservation("blip2", "", "correct", 1.0, T + 5)), AccuracyObservation.class,
                        (o, previous) -> o.ts),
                source(env, slots, EndpointSlot.class, (s, previous) -> s.slotEnd - 1),
                rules, config);
        CloseableIterator<AlertRecord> out = alerts.collectAsync();
        env.execute("alerts-ahead");
        List<AlertRecord> records = new ArrayList<>();
        out.forEachRemaining(records::add);
        records.sort(Comparator.comparingLong((AlertRecord r) -> r.transitionAt).thenComparing(r -> r.rule));
        assertThat(records).extracting(r -> r.rule + " " + r.state + " @" + (r.transitionAt - T) / MIN).containsExactly(
                "endpoint_failed firing @4",
                "endpoint_restart firing @7",
                "endpoint_failed resolved @9",
                "endpoint_restart resolved @12");
    }

    /** A failed request; its event time rides in totalLatencyMs (the source's timestamp assigner reads it). */
    private static InferenceEvent failed(String id, long ts) {
        InferenceEvent e = new InferenceEvent();
        e.requestId = id;
        e.service = "api";
        e.model = "blip2";
        e.endpoint = "ep";
        e.status = com.gluu.kpi.events.InferenceStatus.ERROR;
        e.totalLatencyMs = ts;
        return e;
    }
}
