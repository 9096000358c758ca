package com.gluu.kpi.latency;

/** One row of {@code kpi.latency} (SPEC §4). */
public class LatencyRow {
    public long windowStart;
    public long windowEnd;
    public String service;
    public String model;
    public String endpoint;
    public String stage;
    public long count;
    public double p50Ms;
    public double p90Ms;
    public double p95Ms;
    public double p99Ms;
    public double maxMs;
    public double meanMs;
    public byte[] sketch;

    public LatencyRow() {}
}
