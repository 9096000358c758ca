package com.gluu.kpi.alerts;

/**
 * Where one tenant's month stands for the {@code tenant_budget} rule (a Flink POJO in keyed state):
 * the month, the spend of its windows already final, and the rule's episode. The windows still
 * open to late input are kept apart (a map state of {@link TenantBudgetEvaluator}).
 */
public class TenantMonth {
    /** The month's first instant (UTC, epoch ms); {@code Long.MIN_VALUE} before the first row. */
    public long monthStart = Long.MIN_VALUE;
    /** Σ total_usd of the month's final windows, added in window order. */
    public double foldedUsd;
    /** Windows that start before this (epoch ms) are folded into {@link #foldedUsd}. */
    public long foldedBefore = Long.MIN_VALUE;
    /** Whether the firing episode has escalated to critical (the spend alone exceeds the budget). */
    public boolean critical;
    public AlertGroupState alert = new AlertGroupState();

    public TenantMonth() {}
}
