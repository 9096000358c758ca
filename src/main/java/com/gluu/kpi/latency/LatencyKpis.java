package com.gluu.kpi.latency;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.operators.KpiWindows;
import com.gluu.kpi.pipeline.KeyCap;
import com.gluu.kpi.pipeline.WindowPreAggregator;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The {@code kpi.latency} part of the dataflow: inferences folded into
 * per-window partials before the shuffle, merged per (service, model, endpoint) in tumbling
 * event-time windows with allowed lateness, one row per stage.
 */
public final class LatencyKpis {
    private static final TypeInformation<Tuple3<String, String, String>> KEY =
            Types.TUPLE(Types.STRING, Types.STRING, Types.STRING);

    private LatencyKpis() {}

    /**
     * The inferences' latencies folded once per accrual slot (the gcd of the window sizes) per
     * (service, model, endpoint): a slot's partial lies inside one window of every size, so every
     * size merges the same partials. The alert rules read them too.
     */
    public static DataStream<LatencyPartial> partials(DataStream<InferenceEvent> inferences, JobConfig config) {
        return WindowPreAggregator.perAccrualSlot(
                inferences.map(LatencyObservation::of).name("latency observations"), "latency partials",
                new LatencyPartial.Aggregation(), LatencyPartial.class, config.get(JobConfig.WINDOWS));
    }

    /**
     * The partials with at most {@code limits.max_keys_per_window} (service, model, endpoint) per
     * window, the rest under {@code ~other} ({@link KeyCap}); what the windows and alerts read.
     */
    public static DataStream<LatencyPartial> cap(DataStream<LatencyPartial> partials, JobConfig config) {
        return KeyCap.apply(partials, "kpi.latency", new LatencyPartial.CapPolicy(),
                config.get(JobConfig.ALLOWED_LATENESS), config);
    }

    /** One row per window, size, (service, model, endpoint) and stage with latencies. */
    public static DataStream<LatencyRow> rows(DataStream<LatencyPartial> partials, JobConfig config) {
        return KpiWindows.named("latency")
                .sizes(config.get(JobConfig.WINDOWS))
                .allowedLateness(config.get(JobConfig.ALLOWED_LATENESS))
                .keyBy(partials, p -> Tuple3.of(p.service, p.model, p.endpoint), KEY)
                .aggregate(new LatencyAggregate(), new LatencyWindowRows());
    }
}
