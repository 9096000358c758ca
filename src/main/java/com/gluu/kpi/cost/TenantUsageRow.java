package com.gluu.kpi.cost;

/**
 * One row of {@code kpi.tenant_usage} (SPEC §4): what one calling tenant used and cost in a
 * window, with its share of the hosting and compute of the {@code kpi.cost} rows its requests
 * fell in ({@link TenantAllocation}).
 */
public class TenantUsageRow {
    public long windowStart;
    public long windowEnd;
    /** {@code client_id}; {@code ""} for requests without one, {@code ~other} beyond the key cap. */
    public String clientId;
    public long requests;
    public long errors;
    public long images;
    public long promptTokens;
    public long completionTokens;
    public double llmUsd;
    /** The tenant's share of the hosting and compute cost of the cost rows it had requests on. */
    public double allocatedUsd;
    /** llm + allocated, summed exactly (in pico-dollars) and rounded once. */
    public double totalUsd;
    /** total / requests (a row exists only for a tenant with requests). */
    public double usdPerRequest;

    public TenantUsageRow() {}
}
