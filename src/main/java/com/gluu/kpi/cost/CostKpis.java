package com.gluu.kpi.cost;

import com.gluu.kpi.config.Durations;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.config.PricingTable;
import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.health.EndpointSlot;
import com.gluu.kpi.pipeline.WindowPreAggregator;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;

/**
 * The {@code kpi.cost} part of the dataflow: requests priced by their tokens and pre-aggregated
 * per window, hosting cost from the endpoints' accrual slots, Fargate cost from the services'
 * task slots, all of one window brought together and allocated by {@link CostAllocation}.
 */
public final class CostKpis {
    /** Open partials per pre-aggregator before it flushes early. */
    private static final int MAX_OPEN_PARTIALS = 50_000;
    /** Every input of a window goes to one key: the Fargate split needs the whole window. */
    private static final String WHOLE_WINDOW = "window";

    private CostKpis() {}

    public static DataStream<CostRow> rows(DataStream<InferenceEvent> inferences, DataStream<EndpointSlot> endpointSlots,
            DataStream<ComputeSlot> computeSlots, PricingTable prices, JobConfig config) {
        DataStream<CostInput> requestCosts = inferences
                .map(new RequestCosts(prices)).name("price tokens");
        DataStream<CostInput> hosting = endpointSlots
                .filter(slot -> slot.billedMs > 0).name("billed slots")
                .map(slot -> CostInput.hosting(slot.model, slot.endpoint, slot.hostingUsd)).name("hosting cost");
        DataStream<CostInput> compute = computeSlots
                .map(slot -> CostInput.compute(slot.service, slot.usd)).name("compute cost");

        DataStream<CostRow> rows = null;
        for (Duration size : config.get(JobConfig.WINDOWS)) {
            String label = Durations.format(size);
            DataStream<CostRow> window = requestCosts
                    .transform("cost " + label + " partials", TypeInformation.of(CostInput.class),
                            new WindowPreAggregator<>(size.toMillis(), new CostPreAggregation(), MAX_OPEN_PARTIALS))
                    .union(hosting, compute)
                    .keyBy(c -> WHOLE_WINDOW, Types.STRING)
                    .window(TumblingEventTimeWindows.of(size))
                    .allowedLateness(config.get(JobConfig.ALLOWED_LATENESS))
                    .process(new CostWindowRows())
                    .uid("cost-" + label).name("cost " + label + " windows");
            rows = rows == null ? window : rows.union(window);
        }
        return rows;
    }
}
