package com.gluu.kpi.slo;

/** One hour of one service and SLO in {@link SloBudget}'s state (a Flink POJO). */
public class SloHour {
    public long requests;
    public long bad;

    public SloHour() {}
}
