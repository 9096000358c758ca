package com.gluu.kpi.slo;

import com.gluu.kpi.config.Slo;
import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.events.InferenceStatus;
import com.gluu.kpi.pipeline.KeyCap;
import com.gluu.kpi.pipeline.PartialAggregation;
import java.util.List;

/**
 * The requests of one service over one accrual slot, and how many of them were bad for each SLO
 * ({@link #bad}, in the order of {@code AlertRules.slos()}). Totals and bad counts come from the
 * same deduplicated requests and cross the same key cap, so a service's bad count never exceeds its
 * requests and both are exact (no sketch estimate).
 */
public class SloPartial {
    public String service;
    public long requests;
    /** Per SLO (index in the rules file's {@code slos:}): requests bad for it. */
    public long[] bad;

    public SloPartial() {}

    /** Whether request {@code e} is bad for {@code slo} (see {@link Slo}). */
    static boolean bad(Slo slo, InferenceEvent e) {
        return slo.kind() == Slo.Kind.AVAILABILITY ? e.status == InferenceStatus.ERROR : e.totalLatencyMs > slo.thresholdMs();
    }

    /** Pre-aggregation of requests per service. */
    public static final class Aggregation implements PartialAggregation<InferenceEvent, SloPartial> {
        private static final long serialVersionUID = 1L;
        private final List<Slo> slos;

        public Aggregation(List<Slo> slos) {
            this.slos = List.copyOf(slos);
        }

        @Override
        public Object key(InferenceEvent e) {
            return e.service;
        }

        @Override
        public SloPartial create(InferenceEvent first) {
            SloPartial p = new SloPartial();
            p.service = first.service;
            p.bad = new long[slos.size()];
            return p;
        }

        @Override
        public void add(SloPartial p, InferenceEvent e) {
            p.requests++;
            for (int k = 0; k < slos.size(); k++) {
                if (bad(slos.get(k), e)) {
                    p.bad[k]++;
                }
            }
        }
    }

    /** The {@code kpi.slo} key cap: services, free text. */
    public static final class CapPolicy implements KeyCap.Policy<SloPartial> {
        private static final long serialVersionUID = 1L;

        @Override
        public String[] key(SloPartial p) {
            return new String[] {p.service};
        }

        @Override
        public SloPartial overflow(SloPartial p) {
            SloPartial o = new SloPartial();
            o.service = KeyCap.OTHER;
            o.requests = p.requests;
            o.bad = p.bad;
            return o;
        }

        @Override
        public long events(SloPartial p) {
            return p.requests;
        }
    }
}
