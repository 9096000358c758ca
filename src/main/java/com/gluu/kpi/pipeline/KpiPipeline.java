package com.gluu.kpi.pipeline;

import com.gluu.kpi.accuracy.AccuracyKpis;
import com.gluu.kpi.accuracy.AccuracyObservation;
import com.gluu.kpi.accuracy.AccuracyRow;
import com.gluu.kpi.alerts.AlertKpis;
import com.gluu.kpi.alerts.TenantSpend;
import com.gluu.kpi.config.AlertRule;
import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.config.ConfigException;
import com.gluu.kpi.config.Durations;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.config.PricingTable;
import com.gluu.kpi.config.TenantBudgets;
import com.gluu.kpi.cost.ComputeSlot;
import com.gluu.kpi.cost.CostKpis;
import com.gluu.kpi.cost.CostRow;
import com.gluu.kpi.cost.RequestCosts;
import com.gluu.kpi.cost.TaskTimeline;
import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventType;
import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.events.RawRecord;
import com.gluu.kpi.health.EndpointHealthRow;
import com.gluu.kpi.health.EndpointHealthRows;
import com.gluu.kpi.health.EndpointSlot;
import com.gluu.kpi.health.EndpointTimeline;
import com.gluu.kpi.jobs.JobSignal;
import com.gluu.kpi.jobs.JobsKpis;
import com.gluu.kpi.latency.LatencyKpis;
import com.gluu.kpi.latency.LatencyPartial;
import com.gluu.kpi.latency.LatencyRow;
import com.gluu.kpi.slo.SloKpis;
import com.gluu.kpi.slo.SloPartial;
import com.gluu.kpi.traffic.TrafficKpis;
import com.gluu.kpi.traffic.TrafficObservation;
import com.gluu.kpi.traffic.TrafficPartial;
import com.gluu.kpi.traffic.TrafficRow;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The gluu-kpi dataflow, from raw records to KPI rows (the README's "Dataflow" diagram, in
 * code): parse and validate (dead letters aside), event time, one shuffle by request for dedup
 * and the feedback join, then one builder per KPI family, each ending in its table's sink
 * ({@code kpi.tenant_usage} comes out of the cost windows beside {@code kpi.cost}).
 *
 * <p>It takes its source and sinks as arguments: {@code run} passes the real ones, tests theirs.
 */
public final class KpiPipeline {

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

    /** The events of the two branches after dedup: every event is in exactly one. */
    private static boolean isRequestOrFeedback(Event event) {
        return event.type == EventType.INFERENCE || event.type == EventType.FEEDBACK;
    }

    /** Adds the whole dataflow to {@code env}; watermarks per parse subtask, after parsing. */
    public static void build(StreamExecutionEnvironment env, Source<RawRecord, ?, ?> source, KpiSinks sinks, JobConfig config) {
        build(env, source, null, sinks, config);
    }

    /**
     * Adds the whole dataflow to {@code env}, with the watermarks generated at the source by
     * {@code sourceWatermarks} (per split, e.g. per Kinesis shard), or after parsing if null.
     */
    public static void build(StreamExecutionEnvironment env, Source<RawRecord, ?, ?> source,
            WatermarkStrategy<RawRecord> sourceWatermarks, KpiSinks sinks, JobConfig config) {
        build(env, source, sourceWatermarks, false, sinks, config);
    }

    /**
     * As above; with {@code inRanges} the source is a file read in byte ranges by all its subtasks
     * ({@code KpiJob.replaySource}): {@link FileOrder} then puts the records back in file order, and
     * the parse step, event time and the input end run after it at parallelism 1, so they see the
     * file exactly as one reader would (the same verdicts at any parallelism); the shuffle by
     * request spreads the events again.
     */
    public static void build(StreamExecutionEnvironment env, Source<RawRecord, ?, ?> source,
            WatermarkStrategy<RawRecord> sourceWatermarks, boolean inRanges, KpiSinks sinks, JobConfig config) {
        Duration allowedLateness = config.get(JobConfig.ALLOWED_LATENESS);
        PricingTable prices = PricingTable.forJob(config);
        boolean atSource = sourceWatermarks != null;

        if (inRanges && atSource) {
            throw new IllegalArgumentException("a file read in ranges has its watermarks after parsing, not at the source");
        }
        DataStream<RawRecord> raw = env
                // Typed explicitly: KinesisStreamsSource (4.3.0) does not say what it produces.
                .fromSource(source, atSource ? sourceWatermarks : WatermarkStrategy.noWatermarks(), "events",
                        TypeInformation.of(RawRecord.class))
                .uid("source");
        if (inRanges) {
            raw = raw.transform("in file order", TypeInformation.of(RawRecord.class), new FileOrder())
                    .uid("file-order").name("in file order").setParallelism(1);
        }
        SingleOutputStreamOperator<Event> parsed = raw
                .transform("parse + validate", TypeInformation.of(Event.class), ParseEvents.forJob(config, atSource))
                .uid("parse").name("parse + validate");
        if (inRanges) {
            parsed.setParallelism(1);
        }
        DataStream<DeadLetter> deadLetters = parsed.getSideOutput(ParseEvents.DEAD_LETTERS);

        SingleOutputStreamOperator<Event> withTime = atSource
                ? parsed.transform("event time", TypeInformation.of(Event.class), new EventTimestamps())
                        .uid("event-time").name("event time")
                : parsed.assignTimestampsAndWatermarks(watermarks(config))
                        .uid("watermarks").name("watermarks");
        SingleOutputStreamOperator<Event> timed = withTime
                .transform("input end", TypeInformation.of(Event.class), new InputEndMarker())
                .uid("input-end").name("input end");
        if (inRanges) {
            withTime.setParallelism(1);
            timed.setParallelism(1);
        }
        // The ends of input through one operator, which then feeds their four readers: Flink gives
        // each output of a chained operator its own shallow copy of every record it emits, main or
        // side, so with the four readers directly on the side output every event was copied four
        // times for outputs that then dropped it (issue 16).
        DataStream<InputEnd> inputEnds = timed.getSideOutput(InputEndMarker.INPUT_END)
                .map(end -> end, TypeInformation.of(InputEnd.class)).name("ends of input");

        // One shuffle by request_id serves both dedup and the feedback join. At parallelism 1 it
        // would route nothing, only serialize every event between two threads: the stream is then
        // declared keyed as it is (every key's group is in the one subtask), and dedup and all
        // after it chain into the source's task. Its parsing runs in the source's reading thread
        // (JsonLinesFormat), so the replay still keeps two threads busy (issue 16).
        KeyedStream<Event, String> byRequest = env.getParallelism() == 1
                ? DataStreamUtils.reinterpretAsKeyedStream(timed, Event::routingKey, Types.STRING)
                : timed.keyBy(Event::routingKey, Types.STRING);
        DataStream<Event> events = byRequest
                .transform("dedup by event_id", TypeInformation.of(Event.class),
                        new Deduplicate(config.get(JobConfig.DEDUP_WINDOW), allowedLateness))
                .uid("dedup");

        // Two outputs after dedup, not one per reader (see "ends of input" above): requests and
        // their feedback, nearly every event, and the rare infrastructure events (endpoint, task,
        // job), which the timelines and the jobs family then filter for their own type.
        DataStream<Event> requestsAndFeedback = events
                .filter(KpiPipeline::isRequestOrFeedback).name("inferences + feedback");
        DataStream<Event> infrastructure = events
                .filter(event -> !isRequestOrFeedback(event)).name("endpoint, task and job events");
        DataStream<InferenceEvent> inferences = requestsAndFeedback
                .filter(event -> event.type == EventType.INFERENCE).name("inferences")
                .map(event -> event.inference).name("inference bodies");
        KeyedStream<Event, String> inferencesAndFeedback = DataStreamUtils.reinterpretAsKeyedStream(
                requestsAndFeedback, Event::routingKey, Types.STRING);

        DataStream<EndpointSlot> endpointSlots = EndpointTimeline.slots(infrastructure, inputEnds, prices, config);
        DataStream<ComputeSlot> computeSlots = TaskTimeline.slots(infrastructure, inputEnds, prices, config);

        // Every KPI table keeps at most limits.max_keys_per_window keys per window (SPEC §2): a
        // KeyCap per table, at parallelism 1, between the pre-aggregation and the windows' keyBy.
        DataStream<LatencyPartial> latency = LatencyKpis.cap(LatencyKpis.partials(inferences, config), config);
        DataStream<LatencyRow> latencyRows = LatencyKpis.rows(latency, config);
        latencyRows.sinkTo(sinks.latency()).uid("sink-latency").name("kpi.latency");
        DataStream<TrafficObservation> pricedRequests = inferences.map(new RequestCosts(prices)).name("price tokens");
        DataStream<TrafficPartial> requests = TrafficKpis.partials(pricedRequests, config);
        DataStream<TrafficPartial> traffic = TrafficKpis.cap(requests, config);
        DataStream<TrafficRow> trafficRows = TrafficKpis.rows(traffic, config);
        trafficRows.sinkTo(sinks.traffic()).uid("sink-traffic").name("kpi.traffic");
        DataStream<AccuracyObservation> feedback = AccuracyKpis.cap(AccuracyKpis.join(inferencesAndFeedback, config), config);
        DataStream<AccuracyRow> accuracyRows = AccuracyKpis.rows(feedback, config);
        accuracyRows.sinkTo(sinks.accuracy()).uid("sink-accuracy").name("kpi.accuracy");
        // Cost reads the partials and slots before the traffic and health caps and caps (model,
        // endpoint) itself, so a row's requests and hosting share one verdict (see CostKpis). Its
        // windows also split each row's hosting and compute over the tenants of its requests.
        CostKpis.Rows cost = CostKpis.rows(requests, pricedRequests, endpointSlots, computeSlots, config);
        DataStream<CostRow> costRows = cost.cost();
        costRows.sinkTo(sinks.cost()).uid("sink-cost").name("kpi.cost");
        cost.tenantUsage().sinkTo(sinks.tenantUsage()).uid("sink-tenant-usage").name("kpi.tenant_usage");
        DataStream<EndpointSlot> health = EndpointHealthRows.cap(endpointSlots, config);
        DataStream<EndpointHealthRow> healthRows = EndpointHealthRows.rows(health, config);
        healthRows.sinkTo(sinks.endpointHealth()).uid("sink-endpoint-health").name("kpi.endpoint_health");
        KpiMetricSinks metrics = sinks.metrics();
        if (metrics != null) {
            metrics.attach(latencyRows, trafficRows, accuracyRows, costRows, healthRows, config);
        }

        // Alert rules read the same per-minute partials as the KPI windows, after the caps: nothing
        // re-reads events, an alert's labels name rows of the tables, and the keys beyond the cap
        // are still watched, together, as ~other.
        AlertRules rules = AlertRules.forJob(config);
        if (!rules.rules().isEmpty() && AccrualSlots.size(config.get(JobConfig.WINDOWS)) != AlertRules.EVALUATION_INTERVAL.toMillis()) {
            // Rules are evaluated every minute on per-minute inputs; coarser slots would feed them
            // a whole slot in its last minute.
            throw new ConfigException("windows: with alert rules, the window sizes must have 1 minute as their"
                    + " greatest common divisor (e.g. [1m, 1h]); got "
                    + config.get(JobConfig.WINDOWS).stream().map(Durations::format).toList()
                    + " (or turn alerting off with 'rules: []' in " + config.get(JobConfig.RULES_FILE) + ")");
        }
        // SLOs: exact per-service counts of requests and bad ones, for the burn-rate rules and kpi.slo.
        DataStream<SloPartial> sloPartials = null;
        if (!rules.slos().isEmpty()) {
            sloPartials = SloKpis.partials(inferences, rules.slos(), config);
            SloKpis.rows(sloPartials, rules.slos()).sinkTo(sinks.slo()).uid("sink-slo").name("kpi.slo");
        }
        DataStream<JobSignal> jobSignals = JobsKpis.signals(infrastructure, inputEnds, config);
        AlertKpis.AlertInputs alertInputs = new AlertKpis.AlertInputs(latency, traffic, feedback, health)
                .requests(inferences).sloPartials(sloPartials).jobSignals(jobSignals).inputEnds(inputEnds);
        // tenant_budget: the tenants' rows of the smallest window size, against jobs/budgets.yaml
        TenantBudgets budgets = TenantBudgets.forJob(config);
        if (!budgets.isEmpty() && rules.rules().stream().anyMatch(r -> r.kpi() == AlertRule.Kpi.TENANT_BUDGET)) {
            long smallest = config.get(JobConfig.WINDOWS).stream().mapToLong(Duration::toMillis).min().orElseThrow();
            alertInputs.tenantSpend(cost.tenantUsage().filter(r -> r.windowEnd - r.windowStart == smallest)
                    .uid("alert-inputs-tenant-rows").name("Alert inputs: tenant rows")
                    .map(r -> new TenantSpend(r.clientId, r.windowStart, r.windowEnd, r.totalUsd))
                    .returns(TenantSpend.class)
                    .uid("alert-inputs-tenant-spend").name("Alert inputs: tenant spend"), budgets);
        }
        AlertKpis.AlertStreams alerts = AlertKpis.evaluate(alertInputs, rules, config);
        alerts.records().sinkTo(sinks.alerts()).uid("sink-alerts").name("kpi.alerts");
        alerts.evidence().sinkTo(sinks.alertEvidence()).uid("sink-alert-evidence").name("kpi.alert_evidence");
        if (alerts.notifications() != null) {
            alerts.notifications().sinkTo(sinks.alertNotifications()).uid("sink-alert-notifications")
                    .name("kpi.alert_notifications");
        }
        JobsKpis.rows(jobSignals, config).sinkTo(sinks.jobs()).uid("sink-jobs").name("kpi.jobs");
        deadLetters.sinkTo(sinks.deadLetters()).uid("sink-dead-letters").name("kpi.dead_letters");
    }
}
