package com.gluu.kpi.jobs;

/** One row of {@code kpi.jobs} (SPEC §4); a NaN duration is NULL in the table. */
public class JobsRow {
    public long windowStart;
    public long windowEnd;
    public String service;
    public String kind;
    public long submitted;
    public long completed;
    public long failed;
    public long webhooksSent;
    public long webhooksFailed;
    public double queueP95Ms = Double.NaN;
    public double runP95Ms = Double.NaN;
    public double e2eP50Ms = Double.NaN;
    public double e2eP95Ms = Double.NaN;
    public double e2eP99Ms = Double.NaN;
    /** The end-to-end DDSketch as Flink state holds it ({@code LatencySketches.toBytes}); null when none. */
    public byte[] e2eSketch;
    public long openAtEnd;
    public long stuckAtEnd;
    public double oldestOpenSeconds;

    public JobsRow() {}
}
