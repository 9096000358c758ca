package com.gluu.kpi.cost;

import com.gluu.kpi.traffic.TrafficPartial;

/**
 * One contribution to a window's {@code kpi.cost} rows: requests and their LLM cost for a
 * (service, model, endpoint), hosting cost of a (model, endpoint), or Fargate cost of a service;
 * or, for {@code kpi.tenant_usage}, one tenant's requests to a (model, endpoint) with their LLM
 * cost and counts ({@link #tenant}). One POJO for the four kinds, so they can share a stream and
 * a window.
 *
 * <p>The cost windows keep these in their list state, so the fields are a savepoint's layout:
 * fields may be added (Flink's POJO serializer restores older inputs with the new field null or
 * 0, see the cost-window upgrade fixture), never renamed or removed.
 *
 * <p>LLM cost is kept in integer pico-dollars (prices per 1M tokens have at most six decimals, so
 * a token's price is a whole number of pico-dollars): sums are then exact and independent of how
 * the pre-aggregation happened to split them, and a replay writes identical rows.
 */
public class CostInput {
    public static final String REQUESTS = "requests";
    public static final String HOSTING = "hosting";
    public static final String COMPUTE = "compute";
    /** A tenant's requests to a (model, endpoint): rows of {@code kpi.tenant_usage}, none of {@code kpi.cost}. */
    public static final String TENANT = "tenant";

    public String kind;
    /** The ECS service ({@code ""} for hosting). */
    public String service = "";
    /** Model and endpoint of the row ({@code ""} for compute). */
    public String model = "";
    public String endpoint = "";
    public long requests;
    /** LLM cost in pico-dollars, {@code llmPicoUsdHigh} · 2^63 + {@code llmPicoUsd} (a {@link com.gluu.kpi.pipeline.WideSum}). */
    public long llmPicoUsd;
    public long llmPicoUsdHigh;
    /** Hosting or compute cost in USD (exact per accrual slot). */
    public double usd;
    /** For kind {@link #TENANT}: the tenant and its other counts; null for the other kinds. */
    public TenantCounts tenant;

    public CostInput() {}

    /** The requests of one traffic partial (its route is not a cost dimension). */
    public static CostInput requests(TrafficPartial p) {
        CostInput c = new CostInput();
        c.kind = REQUESTS;
        c.service = p.service;
        c.model = p.model;
        c.endpoint = p.endpoint;
        c.requests = p.counts.requests;
        c.llmPicoUsd = p.counts.llmPicoUsd;
        c.llmPicoUsdHigh = p.counts.llmPicoUsdHigh;
        return c;
    }

    /** An empty tenant input of {@code clientId} on (model, endpoint). */
    public static CostInput tenant(String clientId, String model, String endpoint) {
        CostInput c = new CostInput();
        c.kind = TENANT;
        c.model = model;
        c.endpoint = endpoint;
        c.tenant = new TenantCounts();
        c.tenant.clientId = clientId;
        return c;
    }

    public static CostInput hosting(String model, String endpoint, double usd) {
        CostInput c = new CostInput();
        c.kind = HOSTING;
        c.model = model;
        c.endpoint = endpoint;
        c.usd = usd;
        return c;
    }

    public static CostInput compute(String service, double usd) {
        CostInput c = new CostInput();
        c.kind = COMPUTE;
        c.service = service;
        c.usd = usd;
        return c;
    }
}
