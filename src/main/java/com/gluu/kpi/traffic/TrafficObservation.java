package com.gluu.kpi.traffic;

import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.events.InferenceStatus;

/** What the traffic KPIs need of one inference: its key, outcome, mode and image count. */
public class TrafficObservation {
    public String service;
    public String route;
    public String model;
    public String endpoint;
    public InferenceStatus status;
    public boolean async;
    public int images;

    public TrafficObservation() {}

    public static TrafficObservation of(InferenceEvent e) {
        TrafficObservation o = new TrafficObservation();
        o.service = e.service;
        o.route = e.route;
        o.model = e.model;
        o.endpoint = e.endpoint;
        o.status = e.status;
        o.async = e.async;
        o.images = e.images;
        return o;
    }
}
