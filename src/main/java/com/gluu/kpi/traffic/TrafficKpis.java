package com.gluu.kpi.traffic;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.operators.KpiWindows;
import com.gluu.kpi.pipeline.KeyCap;
import com.gluu.kpi.pipeline.WindowPreAggregator;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The {@code kpi.traffic} part of the dataflow: requests counted into per-slot partials before
 * the shuffle, merged per (service, route, model, endpoint) in tumbling event-time windows of
 * every size with allowed lateness.
 */
public final class TrafficKpis {
    private static final TypeInformation<Tuple4<String, String, String, String>> KEY =
            Types.TUPLE(Types.STRING, Types.STRING, Types.STRING, Types.STRING);

    private TrafficKpis() {}

    /**
     * The requests folded once per accrual slot (the gcd of the window sizes) per (service,
     * route, model, endpoint): a slot's partial lies inside one window of every size, so every
     * size merges the same partials. The cost rows read them too.
     */
    public static DataStream<TrafficPartial> partials(DataStream<TrafficObservation> requests, JobConfig config) {
        return WindowPreAggregator.perAccrualSlot(requests, "traffic partials", new TrafficPartial.Aggregation(),
                TrafficPartial.class, config.get(JobConfig.WINDOWS));
    }

    /**
     * The partials with at most {@code limits.max_keys_per_window} (service, route, model,
     * endpoint) per window, the rest under {@code ~other} ({@link KeyCap}); what the traffic
     * windows and alerts read. (The cost rows read the partials before this cap and cap their own
     * key: see {@code CostKpis}.)
     */
    public static DataStream<TrafficPartial> cap(DataStream<TrafficPartial> partials, JobConfig config) {
        return KeyCap.apply(partials, "kpi.traffic", new TrafficPartial.CapPolicy(),
                config.get(JobConfig.ALLOWED_LATENESS), config);
    }

    /** One row per window, size and (service, route, model, endpoint) with requests. */
    public static DataStream<TrafficRow> rows(DataStream<TrafficPartial> partials, JobConfig config) {
        return KpiWindows.named("traffic")
                .sizes(config.get(JobConfig.WINDOWS))
                .allowedLateness(config.get(JobConfig.ALLOWED_LATENESS))
                .keyBy(partials, p -> Tuple4.of(p.service, p.route, p.model, p.endpoint), KEY)
                .aggregate(new TrafficAggregate(), new TrafficWindowRows());
    }
}
