package com.gluu.kpi.cost;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.InferenceStatus;
import com.gluu.kpi.health.EndpointSlot;
import com.gluu.kpi.operators.KpiWindows;
import com.gluu.kpi.pipeline.KeyCap;
import com.gluu.kpi.pipeline.PartialAggregation;
import com.gluu.kpi.pipeline.WideSum;
import com.gluu.kpi.pipeline.WindowPreAggregator;
import com.gluu.kpi.traffic.TrafficObservation;
import com.gluu.kpi.traffic.TrafficPartial;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.api.java.tuple.Tuple5;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The {@code kpi.cost} part of the dataflow: requests and their token cost from the traffic
 * partials, hosting cost from the endpoints' accrual slots, Fargate cost from the services'
 * task slots, all of one window brought together and allocated by {@link CostAllocation}.
 *
 * <p><b>Bounded keys</b> ({@link KeyCap}, SPEC §2). Two caps, one after the other, on the cost
 * inputs before the window (and a third for the tenants, below):
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
 *
 * <p><b>Tenants</b> ({@code kpi.tenant_usage}). The priced requests are also folded per accrual
 * slot and (client_id, model, endpoint) into tenant inputs, which enter the same windows: the
 * window function that makes a window's cost rows splits each row's hosting and compute over the
 * tenants of its requests ({@link TenantAllocation}) and writes those rows to a side output, so
 * the tenant rows need no window operators of their own (their inputs are in the cost windows'
 * state: one per tenant, cost row and slot). Tenant inputs go through
 * the {@code kpi.cost} cap with the key of their (model, endpoint), so they land on the row that
 * holds their requests (the same key in the same window gets the same verdict), pass the
 * services' cap, and then meet a third:
 *
 * <ol start="3">
 *   <li>{@code kpi.tenant_usage}: at most {@code limits.max_keys_per_window} (client_id, model,
 *       endpoint) tenant inputs per window; further ones count under tenant {@code ~other}, on the
 *       same cost row (so their share of it is still allocated). The table then has at most that
 *       many tenants + {@code ~other} per window, and the window's state at most that many tenant
 *       inputs (+ one {@code ~other} per cost row) per slot. A tenant whose requests reach more
 *       rows after the window is full counts those under {@code ~other}: the sum over a window's
 *       tenant rows still equals its requests and its cost, as SPEC §2 asks.
 * </ol>
 */
public final class CostKpis {
    /** Every input of a window goes to one key: the Fargate split needs the whole window. */
    private static final String WHOLE_WINDOW = "window";

    private CostKpis() {}

    /** The rows the cost windows write: {@code kpi.cost}'s, and {@code kpi.tenant_usage}'s beside them. */
    public record Rows(DataStream<CostRow> cost, DataStream<TenantUsageRow> tenantUsage) {}

    /**
     * @param requests the traffic partials (per slot and service, route, model, endpoint), which
     *     carry the requests' LLM cost priced by {@link RequestCosts}
     * @param pricedRequests the priced requests those partials were folded from, for the tenants
     */
    public static Rows rows(DataStream<TrafficPartial> requests, DataStream<TrafficObservation> pricedRequests,
            DataStream<EndpointSlot> endpointSlots, DataStream<ComputeSlot> computeSlots, JobConfig config) {
        DataStream<CostInput> requestCosts = requests
                .map(CostInput::requests).name("request cost");
        DataStream<CostInput> tenants = WindowPreAggregator.perAccrualSlot(pricedRequests, "tenant partials",
                new PerTenant(), CostInput.class, config.get(JobConfig.WINDOWS));
        DataStream<CostInput> hosting = endpointSlots
                .filter(slot -> slot.billedMs > 0).name("billed slots")
                .map(slot -> CostInput.hosting(slot.model, slot.endpoint, slot.hostingUsd)).name("hosting cost");
        DataStream<CostInput> compute = computeSlots
                .map(slot -> CostInput.compute(slot.service, slot.usd)).name("compute cost");

        Duration lateness = config.get(JobConfig.ALLOWED_LATENESS);
        DataStream<CostInput> capped = KeyCap.apply(
                KeyCap.apply(
                        KeyCap.apply(requestCosts.union(hosting, tenants), "kpi.cost", new RowCap(), lateness, config),
                        "kpi.cost.services", new ServiceCap(), lateness, config),
                "kpi.tenant_usage", new TenantCap(), lateness, config);
        // The window keeps every input (the Fargate split needs the whole window), and overflow
        // partials keep coming one per key and slot: merged here, a slot holds one input per
        // capped key, not one per original key. Requests add longs (exact); hosting has one input
        // per (model, endpoint) and slot (exact, 0 + x) except under ~other. Compute inputs (one
        // per task and slot, doubles) are not merged: their sum stays in CostAllocation's order.
        DataStream<CostInput> inputs = WindowPreAggregator.perAccrualSlot(capped, "cost inputs per slot", new PerSlot(),
                        CostInput.class, config.get(JobConfig.WINDOWS))
                .setParallelism(1)
                .union(compute);

        KpiWindows.Outputs<CostRow, TenantUsageRow> rows = KpiWindows.named("cost")
                .sizes(config.get(JobConfig.WINDOWS))
                .allowedLateness(lateness)
                .keyBy(inputs, c -> WHOLE_WINDOW, Types.STRING)
                .process(new CostWindowRows(), CostWindowRows.TENANT_USAGE);
        return new Rows(rows.rows(), rows.side());
    }

    /** Folds priced requests into one tenant input per (client_id, model, endpoint) and slot. */
    static final class PerTenant implements PartialAggregation<TrafficObservation, CostInput> {
        private static final long serialVersionUID = 1L;

        @Override
        public Object key(TrafficObservation o) {
            return Tuple3.of(o.clientId, o.model, o.endpoint);
        }

        @Override
        public CostInput create(TrafficObservation first) {
            return CostInput.tenant(first.clientId, first.model, first.endpoint);
        }

        @Override
        public void add(CostInput p, TrafficObservation o) {
            p.requests++;
            if (o.status == InferenceStatus.ERROR) {
                p.tenant.errors++;
            }
            p.tenant.images += o.images;
            p.tenant.promptTokens += o.promptTokens;
            p.tenant.completionTokens += o.completionTokens;
            p.llmPicoUsdHigh = WideSum.high(p.llmPicoUsdHigh, p.llmPicoUsd, o.llmPicoUsdHigh, o.llmPicoUsd);
            p.llmPicoUsd = WideSum.low(p.llmPicoUsd, o.llmPicoUsd);
        }
    }

    /** Merges the capped requests, hosting and tenants of one (kind, service, model, endpoint, client) and slot. */
    static final class PerSlot implements PartialAggregation<CostInput, CostInput> {
        private static final long serialVersionUID = 1L;

        @Override
        public Object key(CostInput c) {
            return Tuple5.of(c.kind, c.service, c.model, c.endpoint, c.tenant == null ? "" : c.tenant.clientId);
        }

        @Override
        public CostInput create(CostInput first) {
            CostInput p = copy(first);
            p.requests = 0;
            p.llmPicoUsd = 0;
            p.llmPicoUsdHigh = 0;
            p.usd = 0;
            if (p.tenant != null) {
                p.tenant = new TenantCounts();
                p.tenant.clientId = first.tenant.clientId;
            }
            return p;
        }

        @Override
        public void add(CostInput p, CostInput c) {
            p.requests += c.requests;
            // Exact, as everywhere else the pico-dollars are summed (a plain += could wrap).
            p.llmPicoUsdHigh = WideSum.high(p.llmPicoUsdHigh, p.llmPicoUsd, c.llmPicoUsdHigh, c.llmPicoUsd);
            p.llmPicoUsd = WideSum.low(p.llmPicoUsd, c.llmPicoUsd);
            p.usd += c.usd;
            if (p.tenant != null) {
                p.tenant.add(c.tenant);
            }
        }
    }

    /** {@code kpi.cost} rows: (model, endpoint) of requests, hosting and tenants; compute passes. */
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
            return CostInput.TENANT.equals(c.kind) ? 0 : c.requests; // a tenant input counts requests again
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

    /** {@code kpi.tenant_usage}: (client_id, model, endpoint) of tenant inputs; the rest passes. */
    static final class TenantCap implements KeyCap.Policy<CostInput> {
        private static final long serialVersionUID = 1L;

        @Override
        public String[] key(CostInput c) {
            return CostInput.TENANT.equals(c.kind) ? new String[] {c.tenant.clientId, c.model, c.endpoint} : null;
        }

        @Override
        public CostInput overflow(CostInput c) {
            CostInput o = copy(c);
            o.tenant.clientId = KeyCap.OTHER;
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
        o.llmPicoUsdHigh = c.llmPicoUsdHigh;
        o.usd = c.usd;
        o.tenant = c.tenant == null ? null : c.tenant.copy();
        return o;
    }
}
