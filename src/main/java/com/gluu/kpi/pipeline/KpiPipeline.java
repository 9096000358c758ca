package com.gluu.kpi.pipeline;

import com.gluu.kpi.config.Durations;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventType;
import com.gluu.kpi.events.RawRecord;
import com.gluu.kpi.latency.LatencyAggregate;
import com.gluu.kpi.latency.LatencyObservation;
import com.gluu.kpi.latency.LatencyPartial;
import com.gluu.kpi.latency.LatencyRow;
import com.gluu.kpi.latency.LatencyWindowRows;
import com.gluu.kpi.traffic.TrafficAggregate;
import com.gluu.kpi.traffic.TrafficObservation;
import com.gluu.kpi.traffic.TrafficPartial;
import com.gluu.kpi.traffic.TrafficRow;
import com.gluu.kpi.traffic.TrafficWindowRows;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;

/**
 * The gluu-kpi dataflow, from raw records to KPI rows (the README's diagram, in code):
 *
 * <pre>
 * source ─▶ parse + validate + event-time gate ─▶ watermarks ─▶ dedup (by request_id / event_id)
 *              │ dead letters                                       │
 *              ▼                                                    ├─▶ pre-aggregate ─▶ latency windows (per size) ─▶ kpi.latency
 *          kpi.dead_letters                                         └─▶ pre-aggregate ─▶ traffic windows (per size) ─▶ kpi.traffic
 * </pre>
 *
 * <p>It takes its source and sinks as arguments: {@code run} passes the real ones, tests theirs.
 */
public final class KpiPipeline {
    private static final TypeInformation<Tuple3<String, String, String>> LATENCY_KEY =
            Types.TUPLE(Types.STRING, Types.STRING, Types.STRING);
    private static final TypeInformation<Tuple4<String, String, String, String>> TRAFFIC_KEY =
            Types.TUPLE(Types.STRING, Types.STRING, Types.STRING, Types.STRING);

    /** Open partials per pre-aggregator before it flushes early (bounds its memory). */
    private static final int MAX_OPEN_PARTIALS = 50_000;

    private KpiPipeline() {}

    /**
     * Event time of validated events: bounded out-of-orderness, and a parse subtask whose input
     * has been silent for the idleness timeout stops holding the watermark back.
     */
    static WatermarkStrategy<Event> watermarks(JobConfig config) {
        return WatermarkStrategy
                .<Event>forBoundedOutOfOrderness(config.get(JobConfig.MAX_OUT_OF_ORDERNESS))
                .withTimestampAssigner((event, previous) -> event.ts)
                .withIdleness(config.get(JobConfig.SOURCE_IDLENESS));
    }

    /** Adds the whole dataflow to {@code env}. */
    public static void build(StreamExecutionEnvironment env, Source<RawRecord, ?, ?> source, KpiSinks sinks, JobConfig config) {
        Duration allowedLateness = config.get(JobConfig.ALLOWED_LATENESS);

        SingleOutputStreamOperator<Event> parsed = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "events")
                .uid("source")
                .process(new ParseEvents(config.get(JobConfig.MAX_OUT_OF_ORDERNESS), allowedLateness,
                        config.get(JobConfig.MAX_FUTURE)))
                .uid("parse").name("parse + validate");
        DataStream<DeadLetter> deadLetters = parsed.getSideOutput(ParseEvents.DEAD_LETTERS);

        DataStream<Event> events = parsed
                .assignTimestampsAndWatermarks(watermarks(config))
                .uid("watermarks").name("watermarks")
                .keyBy(Event::routingKey, Types.STRING)
                .transform("dedup by event_id", TypeInformation.of(Event.class),
                        new Deduplicate(config.get(JobConfig.DEDUP_WINDOW), allowedLateness))
                .uid("dedup");

        DataStream<Event> inferences = events
                .filter(event -> event.type == EventType.INFERENCE).name("inferences");

        DataStream<LatencyObservation> latencyObservations = inferences
                .map(event -> LatencyObservation.of(event.inference)).name("latency observations");
        DataStream<TrafficObservation> trafficObservations = inferences
                .map(event -> TrafficObservation.of(event.inference)).name("traffic observations");

        DataStream<LatencyRow> latencyRows = null;
        DataStream<TrafficRow> trafficRows = null;
        for (Duration size : config.get(JobConfig.WINDOWS)) {
            String label = Durations.format(size);
            DataStream<LatencyRow> latency = latencyObservations
                    .transform("latency " + label + " partials", TypeInformation.of(LatencyPartial.class),
                            new WindowPreAggregator<>(size.toMillis(), new LatencyPartial.Aggregation(), MAX_OPEN_PARTIALS))
                    .keyBy(p -> Tuple3.of(p.service, p.model, p.endpoint), LATENCY_KEY)
                    .window(TumblingEventTimeWindows.of(size))
                    .allowedLateness(allowedLateness)
                    .aggregate(new LatencyAggregate(), new LatencyWindowRows())
                    .uid("latency-" + label).name("latency " + label + " windows");
            DataStream<TrafficRow> traffic = trafficObservations
                    .transform("traffic " + label + " partials", TypeInformation.of(TrafficPartial.class),
                            new WindowPreAggregator<>(size.toMillis(), new TrafficPartial.Aggregation(), MAX_OPEN_PARTIALS))
                    .keyBy(p -> Tuple4.of(p.service, p.route, p.model, p.endpoint), TRAFFIC_KEY)
                    .window(TumblingEventTimeWindows.of(size))
                    .allowedLateness(allowedLateness)
                    .aggregate(new TrafficAggregate(), new TrafficWindowRows())
                    .uid("traffic-" + label).name("traffic " + label + " windows");
            latencyRows = latencyRows == null ? latency : latencyRows.union(latency);
            trafficRows = trafficRows == null ? traffic : trafficRows.union(traffic);
        }

        latencyRows.sinkTo(sinks.latency()).uid("sink-latency").name("kpi.latency");
        trafficRows.sinkTo(sinks.traffic()).uid("sink-traffic").name("kpi.traffic");
        deadLetters.sinkTo(sinks.deadLetters()).uid("sink-dead-letters").name("kpi.dead_letters");
    }
}
