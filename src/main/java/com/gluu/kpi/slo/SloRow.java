package com.gluu.kpi.slo;

/**
 * A row of {@code kpi.slo}: one service, SLO and hour of event time, with that hour's requests and
 * bad ones, and the figures of the period (the SLO's rolling {@code period}) ending at
 * {@link #windowEnd}.
 */
public class SloRow {
    public long windowStart;
    public long windowEnd;
    public String service;
    public String slo;
    public long requests;
    public long bad;
    public long periodRequests;
    public long periodBad;
    public double objective;
    /** periodBad / ((1 - objective) × periodRequests); may exceed 1 (budget overspent); NaN without requests. */
    public double budgetConsumed;
    /** 1 - budgetConsumed; negative once the budget is overspent. */
    public double budgetRemaining;

    public SloRow() {}
}
