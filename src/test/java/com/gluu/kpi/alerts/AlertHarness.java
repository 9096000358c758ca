package com.gluu.kpi.alerts;

import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.latency.LatencyAccumulator;
import com.gluu.kpi.latency.LatencyObservation;
import com.gluu.kpi.latency.LatencyPartial;
import com.gluu.kpi.traffic.TrafficPartial;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;

/** The alert evaluator in a keyed harness, and a way to feed it through the job's input mappers. */
final class AlertHarness {
    private AlertHarness() {}

    static KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord> evaluator(AlertRules rules)
            throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedProcessFunction(new AlertEvaluator(rules), in -> in.rule, Types.STRING);
    }

    /** With accuracy rules evaluated {@code accuracyDelay} after each minute, as in the job. */
    static KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord> evaluator(AlertRules rules,
            java.time.Duration accuracyDelay) throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedProcessFunction(new AlertEvaluator(rules, accuracyDelay),
                in -> in.rule, Types.STRING);
    }

    /** Maps {@code value} with the job's {@code f} (one of {@link RuleInputs}) and feeds the result to {@code h}. */
    static <T> void send(KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertRecord> h,
            ProcessFunction<T, RuleInput> f, T value, long ts) throws Exception {
        try (OneInputStreamOperatorTestHarness<T, RuleInput> map = ProcessFunctionTestHarnesses.forProcessFunction(f)) {
            map.processElement(value, ts);
            for (RuleInput in : map.extractOutputValues()) {
                h.processElement(in, ts);
            }
        }
    }

    /** A latency partial of {@code n} requests of {@code ms} total latency (no model or LLM stage). */
    static LatencyPartial latency(String service, String model, String endpoint, int n, double ms) {
        LatencyPartial p = new LatencyPartial();
        p.service = service;
        p.model = model;
        p.endpoint = endpoint;
        p.stats = new LatencyAccumulator();
        for (int i = 0; i < n; i++) {
            LatencyObservation o = new LatencyObservation();
            o.totalMs = ms;
            o.modelMs = Double.NaN;
            o.llmMs = Double.NaN;
            p.stats.add(o);
        }
        return p;
    }

    /** A traffic partial of {@code requests} requests, {@code errors} of them failed. */
    static TrafficPartial traffic(String service, String route, String model, String endpoint, long requests,
            long errors) {
        TrafficPartial p = new TrafficPartial();
        p.service = service;
        p.route = route;
        p.model = model;
        p.endpoint = endpoint;
        p.counts = new com.gluu.kpi.traffic.TrafficCounts();
        p.counts.requests = requests;
        p.counts.errors = errors;
        p.counts.ok = requests - errors;
        return p;
    }
}
