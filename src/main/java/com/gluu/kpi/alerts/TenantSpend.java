package com.gluu.kpi.alerts;

/**
 * One tenant's spend in one window: the {@code total_usd} of its {@code kpi.tenant_usage} row of
 * the job's smallest window size (a Flink POJO). A window that fires again for late input sends
 * its row again, replacing the earlier value.
 */
public class TenantSpend {
    public String clientId;
    /** The window (epoch ms). */
    public long windowStart;
    public long windowEnd;
    public double totalUsd;

    public TenantSpend() {}

    public TenantSpend(String clientId, long windowStart, long windowEnd, double totalUsd) {
        this.clientId = clientId;
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
        this.totalUsd = totalUsd;
    }
}
