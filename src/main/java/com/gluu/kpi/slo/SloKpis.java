package com.gluu.kpi.slo;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.config.Slo;
import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.pipeline.KeyCap;
import com.gluu.kpi.pipeline.WindowPreAggregator;
import java.util.List;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.util.Collector;

/**
 * The SLO part of the dataflow (SPEC §5 "SLOs"): the deduplicated requests counted per service
 * and accrual slot into {@link SloPartial}s (requests, and bad ones per SLO), capped per window
 * like every KPI table; the burn-rate rules read them (as {@code RuleInputs.Slos}), and
 * {@link SloBudget} turns them into the hourly rows of {@code kpi.slo}.
 */
public final class SloKpis {
    private SloKpis() {}

    public static DataStream<SloPartial> partials(DataStream<InferenceEvent> inferences, List<Slo> slos,
            JobConfig config) {
        DataStream<SloPartial> partials = WindowPreAggregator.perAccrualSlot(inferences, "slo partials",
                new SloPartial.Aggregation(slos), SloPartial.class, config.get(JobConfig.WINDOWS));
        return KeyCap.apply(partials, "kpi.slo", new SloPartial.CapPolicy(), config.get(JobConfig.ALLOWED_LATENESS),
                config);
    }

    /** The rows of {@code kpi.slo}, one per service, SLO and hour with requests. */
    public static DataStream<SloRow> rows(DataStream<SloPartial> partials, List<Slo> slos) {
        return partials.flatMap(new Counts(slos)).returns(TypeInformation.of(SloCount.class)).name("slo counts")
                .keyBy(c -> Tuple2.of(c.slo, c.service), Types.TUPLE(Types.STRING, Types.STRING))
                .process(new SloBudget(slos)).returns(TypeInformation.of(SloRow.class))
                .uid("slo-budget").name("kpi.slo budget");
    }

    /** A partial's counts for each SLO that covers its service. */
    static final class Counts implements FlatMapFunction<SloPartial, SloCount> {
        private static final long serialVersionUID = 1L;
        private final List<Slo> slos;

        Counts(List<Slo> slos) {
            this.slos = List.copyOf(slos);
        }

        @Override
        public void flatMap(SloPartial p, Collector<SloCount> out) {
            for (int k = 0; k < slos.size(); k++) {
                if (slos.get(k).covers(p.service)) {
                    SloCount c = new SloCount();
                    c.slo = slos.get(k).name();
                    c.service = p.service;
                    c.requests = p.requests;
                    c.bad = p.bad[k];
                    out.collect(c);
                }
            }
        }
    }
}
