package com.gluu.kpi.alerts;

/**
 * One tenant's spend in one minute: the {@code total_usd} of its 1-minute {@code kpi.tenant_usage}
 * row (a Flink POJO). A window that fires again for late input sends its minute again, replacing
 * the earlier value.
 */
public class TenantSpend {
    public String clientId;
    /** The minute's start (epoch ms). */
    public long windowStart;
    public double totalUsd;

    public TenantSpend() {}

    public TenantSpend(String clientId, long windowStart, double totalUsd) {
        this.clientId = clientId;
        this.windowStart = windowStart;
        this.totalUsd = totalUsd;
    }
}
