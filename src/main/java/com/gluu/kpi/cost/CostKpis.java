package com.gluu.kpi.cost;

import com.gluu.kpi.config.Durations;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.health.EndpointSlot;
import com.gluu.kpi.traffic.TrafficPartial;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;

/**
 * The {@code kpi.cost} part of the dataflow: requests and their token cost from the traffic
 * partials, hosting cost from the endpoints' accrual slots, Fargate cost from the services'
 * task slots, all of one window brought together and allocated by {@link CostAllocation}.
 */
public final class CostKpis {
    /** Every input of a window goes to one key: the Fargate split needs the whole window. */
    private static final String WHOLE_WINDOW = "window";

    private CostKpis() {}

    /**
     * @param requests the traffic partials (per slot and service, route, model, endpoint), which
     *     carry the requests' LLM cost priced by {@link RequestCosts}
     */
    public static DataStream<CostRow> rows(DataStream<TrafficPartial> requests, DataStream<EndpointSlot> endpointSlots,
            DataStream<ComputeSlot> computeSlots, JobConfig config) {
        DataStream<CostInput> requestCosts = requests
                .map(CostInput::requests).name("request cost");
        DataStream<CostInput> hosting = endpointSlots
                .filter(slot -> slot.billedMs > 0).name("billed slots")
                .map(slot -> CostInput.hosting(slot.model, slot.endpoint, slot.hostingUsd)).name("hosting cost");
        DataStream<CostInput> compute = computeSlots
                .map(slot -> CostInput.compute(slot.service, slot.usd)).name("compute cost");

        DataStream<CostInput> inputs = requestCosts.union(hosting, compute);

        DataStream<CostRow> rows = null;
        for (Duration size : config.get(JobConfig.WINDOWS)) {
            String label = Durations.format(size);
            DataStream<CostRow> window = inputs
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
