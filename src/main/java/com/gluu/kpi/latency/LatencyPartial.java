package com.gluu.kpi.latency;

/** The latency statistics of one (service, model, endpoint) over part of one window. */
public class LatencyPartial {
    public String service;
    public String model;
    public String endpoint;
    public LatencyAccumulator stats;

    public LatencyPartial() {}

    /** Pre-aggregation of observations into partials, keyed by the row's dimensions. */
    public static final class Aggregation
            implements com.gluu.kpi.pipeline.PartialAggregation<LatencyObservation, LatencyPartial> {
        private static final long serialVersionUID = 1L;

        @Override
        public Object key(LatencyObservation o) {
            return org.apache.flink.api.java.tuple.Tuple3.of(o.service, o.model, o.endpoint);
        }

        @Override
        public LatencyPartial create(LatencyObservation first) {
            LatencyPartial p = new LatencyPartial();
            p.service = first.service;
            p.model = first.model;
            p.endpoint = first.endpoint;
            p.stats = new LatencyAccumulator();
            return p;
        }

        @Override
        public void add(LatencyPartial partial, LatencyObservation o) {
            partial.stats.add(o);
        }
    }
}
