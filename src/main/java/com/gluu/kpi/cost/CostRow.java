package com.gluu.kpi.cost;

/**
 * One row of {@code kpi.cost} (SPEC §4): the whole cost of serving one model on one endpoint in
 * a window; model and endpoint {@code '*'} for the window's total, {@code ''} for Fargate cost no
 * request can carry.
 */
public class CostRow {
    public long windowStart;
    public long windowEnd;
    public String model;
    public String endpoint;
    public long requests;
    public double llmUsd;
    public double hostingUsd;
    public double computeUsd;
    public double totalUsd;
    /** total / requests; NaN (written as NULL) when requests = 0. */
    public double usdPerInference = Double.NaN;
    /** Only on the '*' row: hosting cost of the rows without requests; NaN (NULL) elsewhere. */
    public double idleHostingUsd = Double.NaN;

    public CostRow() {}
}
