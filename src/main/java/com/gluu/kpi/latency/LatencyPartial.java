package com.gluu.kpi.latency;

/** The latency statistics of one (service, model, endpoint) over part of one window. */
public class LatencyPartial {
    public String service;
    public String model;
    public String endpoint;
    public LatencyAccumulator stats;

    public LatencyPartial() {}

    /**
     * The {@code kpi.latency} key cap: the key is (service, model, endpoint), all free text, so
     * the overflow row has all three {@code ~other}; {@code stage} is not a partial dimension (each
     * partial carries all three stages), so the overflow row keeps a row per stage.
     */
    public static final class CapPolicy implements com.gluu.kpi.pipeline.KeyCap.Policy<LatencyPartial> {
        private static final long serialVersionUID = 1L;

        @Override
        public String[] key(LatencyPartial p) {
            return new String[] {p.service, p.model, p.endpoint};
        }

        @Override
        public LatencyPartial overflow(LatencyPartial p) {
            LatencyPartial o = new LatencyPartial();
            o.service = com.gluu.kpi.pipeline.KeyCap.OTHER;
            o.model = com.gluu.kpi.pipeline.KeyCap.OTHER;
            o.endpoint = com.gluu.kpi.pipeline.KeyCap.OTHER;
            o.stats = p.stats;
            return o;
        }

        @Override
        public long events(LatencyPartial p) {
            return p.stats.stage(LatencyStage.TOTAL).count();
        }
    }

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
