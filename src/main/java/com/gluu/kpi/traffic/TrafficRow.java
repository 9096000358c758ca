package com.gluu.kpi.traffic;

/** One row of {@code kpi.traffic} (SPEC §4). */
public class TrafficRow {
    public long windowStart;
    public long windowEnd;
    public String service;
    public String route;
    public String model;
    public String endpoint;
    public long requests;
    public long ok;
    public long clientErrors;
    public long errors;
    public double errorRate;
    public long asyncRequests;
    public long images;

    public TrafficRow() {}
}
