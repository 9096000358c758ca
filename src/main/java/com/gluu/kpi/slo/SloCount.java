package com.gluu.kpi.slo;

/** What one {@link SloPartial} contributes to one SLO it covers: the input of {@link SloBudget}. */
public class SloCount {
    public String slo;
    public String service;
    public long requests;
    public long bad;

    public SloCount() {}
}
