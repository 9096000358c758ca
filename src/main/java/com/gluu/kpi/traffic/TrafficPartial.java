package com.gluu.kpi.traffic;

/** The counts of one (service, route, model, endpoint) over part of one window. */
public class TrafficPartial {
    public String service;
    public String route;
    public String model;
    public String endpoint;
    public TrafficCounts counts;

    public TrafficPartial() {}

    /** The {@code kpi.traffic} key cap: (service, route, model, endpoint), all free text. */
    public static final class CapPolicy implements com.gluu.kpi.pipeline.KeyCap.Policy<TrafficPartial> {
        private static final long serialVersionUID = 1L;

        @Override
        public String[] key(TrafficPartial p) {
            return new String[] {p.service, p.route, p.model, p.endpoint};
        }

        @Override
        public TrafficPartial overflow(TrafficPartial p) {
            TrafficPartial o = new TrafficPartial();
            o.service = com.gluu.kpi.pipeline.KeyCap.OTHER;
            o.route = com.gluu.kpi.pipeline.KeyCap.OTHER;
            o.model = com.gluu.kpi.pipeline.KeyCap.OTHER;
            o.endpoint = com.gluu.kpi.pipeline.KeyCap.OTHER;
            o.counts = p.counts;
            return o;
        }

        @Override
        public long events(TrafficPartial p) {
            return p.counts.requests;
        }
    }

    /** Pre-aggregation of observations into partials, keyed by the row's dimensions. */
    public static final class Aggregation
            implements com.gluu.kpi.pipeline.PartialAggregation<TrafficObservation, TrafficPartial> {
        private static final long serialVersionUID = 1L;

        @Override
        public Object key(TrafficObservation o) {
            return org.apache.flink.api.java.tuple.Tuple4.of(o.service, o.route, o.model, o.endpoint);
        }

        @Override
        public TrafficPartial create(TrafficObservation first) {
            TrafficPartial p = new TrafficPartial();
            p.service = first.service;
            p.route = first.route;
            p.model = first.model;
            p.endpoint = first.endpoint;
            p.counts = new TrafficCounts();
            return p;
        }

        @Override
        public void add(TrafficPartial partial, TrafficObservation o) {
            partial.counts.add(o);
        }
    }
}
