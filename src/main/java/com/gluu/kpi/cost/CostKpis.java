package com.gluu.kpi.cost;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.health.EndpointSlot;
import com.gluu.kpi.operators.KpiWindows;
import com.gluu.kpi.pipeline.KeyCap;
import com.gluu.kpi.pipeline.PartialAggregation;
import com.gluu.kpi.pipeline.WideSum;
import com.gluu.kpi.pipeline.WindowPreAggregator;
import com.gluu.kpi.traffic.TrafficPartial;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The {@code kpi.cost} part of the dataflow: requests and their token cost from the traffic
 * partials, hosting cost from the endpoints' accrual slots, Fargate cost from the services'
 * task slots, all of one window brought together and allocated by {@link CostAllocation}.
 *
 * <p><b>Bounded keys</b> ({@link KeyCap}, SPEC §2). Two caps, one after the other, on the cost
 * inputs before the window:
 *
 * <ol>
 *   <li>{@code kpi.cost}: at most {@code limits.max_keys_per_window} (model, endpoint) rows per
 *       window. Requests and hosting of a (model, endpoint) go through the same cap with the same
 *       key, so they get the same verdict: they stay together on their row or go together to the
 *       row {@code (~other, ~other)}. That is why the cost reads the traffic partials and the
 *       endpoint slots <i>before</i> their own tables' caps: those key on other dimensions
 *       (traffic on service and route too), and a (model, endpoint) whose requests went to the
 *       traffic {@code ~other} row while its hosting stayed would look idle. So the {@code '*'}
 *       row's requests, llm, hosting, compute and total stay exact, and {@code idle_hosting_usd}
 *       stays the hosting of the rows without requests: with nested window sizes a (model,
 *       endpoint) is on its own row for a whole hour or not at all, so no row looks idle because
 *       its requests counted elsewhere; the idle hosting of endpoints inside {@code ~other} is not
 *       told apart (that row has requests as soon as any of them has).
 *   <li>{@code kpi.cost.services}: at most that many (service, model, endpoint) request inputs
 *       per window; the requests of further services count under service {@code ~other} on the
 *       same row. Service is no cost dimension, but the Fargate split keeps requests per service
 *       and the window keeps every input, so a million services would otherwise be a million
 *       inputs in the hour's state. The rows' requests and LLM cost do not change; the compute
 *       cost of a service whose requests all went to {@code ~other} finds no requests and goes to
 *       the unallocated row {@code ''} (the total is unchanged).
 * </ol>
 *
 * Compute inputs (per service, from task timelines) do not go through the caps: they make no rows.
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

        Duration lateness = config.get(JobConfig.ALLOWED_LATENESS);
        DataStream<CostInput> capped = KeyCap.apply(
                KeyCap.apply(requestCosts.union(hosting), "kpi.cost", new RowCap(), lateness, config),
                "kpi.cost.services", new ServiceCap(), lateness, config);
        // The window keeps every input (the Fargate split needs the whole window), and overflow
        // partials keep coming one per key and slot: merged here, a slot holds one input per
        // capped key, not one per original key. Requests add longs (exact); hosting has one input
        // per (model, endpoint) and slot (exact, 0 + x) except under ~other. Compute inputs (one
        // per task and slot, doubles) are not merged: their sum stays in CostAllocation's order.
        DataStream<CostInput> inputs = WindowPreAggregator.perAccrualSlot(capped, "cost inputs per slot", new PerSlot(),
                        CostInput.class, config.get(JobConfig.WINDOWS))
                .setParallelism(1)
                .union(compute);

        return KpiWindows.named("cost")
                .sizes(config.get(JobConfig.WINDOWS))
                .allowedLateness(lateness)
                .keyBy(inputs, c -> WHOLE_WINDOW, Types.STRING)
                .process(new CostWindowRows());
    }

    /** Merges the capped requests and hosting of one (kind, service, model, endpoint) and slot. */
    static final class PerSlot implements PartialAggregation<CostInput, CostInput> {
        private static final long serialVersionUID = 1L;

        @Override
        public Object key(CostInput c) {
            return Tuple4.of(c.kind, c.service, c.model, c.endpoint);
        }

        @Override
        public CostInput create(CostInput first) {
            CostInput p = copy(first);
            p.requests = 0;
            p.llmPicoUsd = 0;
            p.llmPicoUsdHigh = 0;
            p.usd = 0;
            return p;
        }

        @Override
        public void add(CostInput p, CostInput c) {
            p.requests += c.requests;
            // Exact, as everywhere else the pico-dollars are summed (a plain += could wrap).
            p.llmPicoUsdHigh = WideSum.high(p.llmPicoUsdHigh, p.llmPicoUsd, c.llmPicoUsdHigh, c.llmPicoUsd);
            p.llmPicoUsd = WideSum.low(p.llmPicoUsd, c.llmPicoUsd);
            p.usd += c.usd;
        }
    }

    /** {@code kpi.cost} rows: (model, endpoint) of requests and hosting; compute passes. */
    static final class RowCap implements KeyCap.Policy<CostInput> {
        private static final long serialVersionUID = 1L;

        @Override
        public String[] key(CostInput c) {
            return CostInput.COMPUTE.equals(c.kind) ? null : new String[] {c.model, c.endpoint};
        }

        @Override
        public CostInput overflow(CostInput c) {
            CostInput o = copy(c);
            o.model = KeyCap.OTHER;
            o.endpoint = KeyCap.OTHER;
            return o;
        }

        @Override
        public long events(CostInput c) {
            return c.requests;
        }
    }

    /** Services of the Fargate split: (service, model, endpoint) of requests; the rest passes. */
    static final class ServiceCap implements KeyCap.Policy<CostInput> {
        private static final long serialVersionUID = 1L;

        @Override
        public String[] key(CostInput c) {
            return CostInput.REQUESTS.equals(c.kind) ? new String[] {c.service, c.model, c.endpoint} : null;
        }

        @Override
        public CostInput overflow(CostInput c) {
            CostInput o = copy(c);
            o.service = KeyCap.OTHER;
            return o;
        }

        @Override
        public long events(CostInput c) {
            return c.requests;
        }
    }

    private static CostInput copy(CostInput c) {
        CostInput o = new CostInput();
        o.kind = c.kind;
        o.service = c.service;
        o.model = c.model;
        o.endpoint = c.endpoint;
        o.requests = c.requests;
        o.llmPicoUsd = c.llmPicoUsd;
        o.usd = c.usd;
        return o;
    }
}
