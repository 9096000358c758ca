package com.gluu.kpi.alerts;

import com.gluu.kpi.accuracy.AccuracyObservation;
import com.gluu.kpi.config.AlertRule;
import com.gluu.kpi.config.AlertRule.Kpi;
import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.events.InferenceStatus;
import com.gluu.kpi.health.EndpointSlot;
import com.gluu.kpi.jobs.JobSignal;
import com.gluu.kpi.latency.LatencyPartial;
import com.gluu.kpi.latency.LatencySketches;
import com.gluu.kpi.latency.LatencyStage;
import com.gluu.kpi.latency.StageStats;
import com.gluu.kpi.slo.SloPartial;
import com.gluu.kpi.traffic.TrafficPartial;
import java.util.Locale;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Copies each input record to every rule whose kpi it feeds, as a {@link RuleInput} of the rule's
 * group (its group_by labels) and of the record's minute of event time:
 * <ul>
 *   <li>{@link LatencyPartial} → latency rules (the rule's stage: count, Σ ms, max, sketch);
 *   <li>{@link TrafficPartial} → traffic rules (requests, errors), idle_endpoint (requests of the
 *       endpoint) and no_data (requests);
 *   <li>{@link AccuracyObservation} → accuracy rules (one feedback, its score);
 *   <li>{@link EndpointSlot} → endpoint_event rules (failures, restarts) and idle_endpoint (billed ms);
 *   <li>{@link SloPartial} → slo_burn rules of the SLOs that cover the partial's service
 *       (requests, and the SLO's bad requests as {@code errors});
 *   <li>{@link JobSignal} → jobs rules: a job's gauge at a minute's end to {@code stuck} rules
 *       (its job id the evidence, its age the value), its webhook attempts to
 *       {@code webhook_failure_rate} rules (a failed attempt's job id the evidence);
 *   <li>{@link InferenceEvent} → evidence candidates: to latency rules the requests whose total
 *       latency breaches the threshold (every request for a {@code <} rule), to error-rate rules
 *       the failed ones (status {@code error}, as counted in {@code errors}).
 * </ul>
 */
public abstract class RuleInputs<T> extends ProcessFunction<T, RuleInput> {
    private static final long serialVersionUID = 1L;
    static final long MINUTE_MS = 60_000L;

    protected final AlertRules rules;

    protected RuleInputs(AlertRules rules) {
        this.rules = rules;
    }

    @Override
    public void processElement(T value, Context ctx, Collector<RuleInput> out) {
        long minute = Math.floorDiv(ctx.timestamp(), MINUTE_MS);
        for (AlertRule rule : rules.rules()) {
            RuleInput in = toInput(rule, value);
            if (in != null) {
                in.rule = rule.name();
                in.minute = minute;
                if (in.requestId != null) { // an evidence candidate: its own event time
                    in.requestTs = ctx.timestamp();
                }
                out.collect(in);
            }
        }
    }

    /** The record's contribution to {@code rule}, labels set; null if it does not feed the rule. */
    protected abstract RuleInput toInput(AlertRule rule, T value);

    RuleInput input(AlertRule rule, String service, String route, String model, String endpoint) {
        return input(rule, service, route, model, endpoint, null);
    }

    /** A contribution to the rule's group of these label values (null: ''). */
    RuleInput input(AlertRule rule, String service, String route, String model, String endpoint, String kind) {
        if (groups == null || groups.size() >= MAX_REMEMBERED_GROUPS) {
            groups = new HashMap<>();
        }
        RuleInput in = new RuleInput();
        in.labelsJson = groups.computeIfAbsent(new GroupValues(rule.name(), service, route, model, endpoint, kind),
                values -> labelsJson(rule, service, route, model, endpoint, kind));
        return in;
    }

    /**
     * The label values of an input, with its rule: the key of {@link #groups}. (The same few
     * groups come on every record; building their JSON each time was a visible share of a replay.)
     */
    private record GroupValues(String rule, String service, String route, String model, String endpoint, String kind) {}

    /** Groups whose labels JSON is remembered at most (then forgotten all at once and built again). */
    private static final int MAX_REMEMBERED_GROUPS = 10_000;
    private transient Map<GroupValues, String> groups;

    private static String labelsJson(AlertRule rule, String service, String route, String model, String endpoint, String kind) {
        Map<String, String> labels = new TreeMap<>();
        for (String label : rule.groupBy()) {
            String v;
            switch (label) {
                case "service": v = service; break;
                case "route": v = route; break;
                case "model": v = model; break;
                case "kind": v = kind; break;
                default: v = endpoint;
            }
            labels.put(label, v == null ? "" : v);
        }
        return AlertStateMachine.labelsJson(labels);
    }

    /** Latency partials into latency rules. */
    public static final class Latency extends RuleInputs<LatencyPartial> {
        private static final long serialVersionUID = 1L;

        public Latency(AlertRules rules) {
            super(rules);
        }

        @Override
        protected RuleInput toInput(AlertRule rule, LatencyPartial p) {
            if (rule.kpi() != Kpi.LATENCY) {
                return null;
            }
            StageStats stats = p.stats.stage(LatencyStage.valueOf(rule.stage().toUpperCase(Locale.ROOT)));
            if (stats.count() == 0) {
                return null;
            }
            RuleInput in = input(rule, p.service, null, p.model, p.endpoint);
            in.count = stats.count();
            in.sum = stats.mean() * stats.count();
            in.max = stats.max();
            in.sketch = LatencySketches.toBytes(stats.sketch());
            return in;
        }
    }

    /** Traffic partials into traffic, idle_endpoint and no_data rules. */
    public static final class Traffic extends RuleInputs<TrafficPartial> {
        private static final long serialVersionUID = 1L;

        public Traffic(AlertRules rules) {
            super(rules);
        }

        @Override
        protected RuleInput toInput(AlertRule rule, TrafficPartial p) {
            if (rule.kpi() == Kpi.IDLE_ENDPOINT && (p.endpoint == null || p.endpoint.isEmpty())) {
                return null;
            }
            if (rule.kpi() != Kpi.TRAFFIC && rule.kpi() != Kpi.IDLE_ENDPOINT && rule.kpi() != Kpi.NO_DATA) {
                return null;
            }
            RuleInput in = input(rule, p.service, p.route, p.model, p.endpoint);
            in.requests = p.counts.requests;
            if (rule.kpi() == Kpi.TRAFFIC) {
                in.count = p.counts.requests;
                in.errors = p.counts.errors;
            }
            return in;
        }
    }

    /** Feedback into accuracy rules. */
    public static final class Accuracy extends RuleInputs<AccuracyObservation> {
        private static final long serialVersionUID = 1L;

        public Accuracy(AlertRules rules) {
            super(rules);
        }

        @Override
        protected RuleInput toInput(AlertRule rule, AccuracyObservation o) {
            if (rule.kpi() != Kpi.ACCURACY) {
                return null;
            }
            RuleInput in = input(rule, null, null, o.model, null);
            in.count = 1;
            in.sum = o.score;
            return in;
        }
    }

    /** Endpoint slots into endpoint_event and idle_endpoint rules. */
    public static final class Endpoints extends RuleInputs<EndpointSlot> {
        private static final long serialVersionUID = 1L;

        public Endpoints(AlertRules rules) {
            super(rules);
        }

        @Override
        protected RuleInput toInput(AlertRule rule, EndpointSlot s) {
            if (rule.kpi() != Kpi.ENDPOINT_EVENT && rule.kpi() != Kpi.IDLE_ENDPOINT) {
                return null;
            }
            RuleInput in = input(rule, null, null, s.model, s.endpoint);
            in.count = 1;
            in.restarts = s.restarts;
            in.failures = s.failures;
            in.billedMs = s.billedMs;
            in.deployMs = s.deployMs;
            return in;
        }
    }

    /** Per-service SLO partials into the burn-rate rules of the SLOs that cover the service. */
    public static final class Slos extends RuleInputs<SloPartial> {
        private static final long serialVersionUID = 1L;

        public Slos(AlertRules rules) {
            super(rules);
        }

        @Override
        protected RuleInput toInput(AlertRule rule, SloPartial p) {
            if (rule.kpi() != Kpi.SLO_BURN || !rule.slo().covers(p.service)) {
                return null;
            }
            RuleInput in = input(rule, p.service, null, null, null);
            in.count = p.requests;
            in.errors = p.bad[rules.slos().indexOf(rule.slo())];
            return in;
        }
    }

    /** The job join's signals into jobs rules, with their job ids as evidence candidates. */
    public static final class Jobs extends RuleInputs<JobSignal> {
        private static final long serialVersionUID = 1L;

        public Jobs(AlertRules rules) {
            super(rules);
        }

        @Override
        protected RuleInput toInput(AlertRule rule, JobSignal s) {
            if (rule.kpi() != Kpi.JOBS) {
                return null;
            }
            RuleInput in;
            if (rule.statistic() == AlertRule.Statistic.STUCK) {
                if (s.gaugeAt == Long.MIN_VALUE) {
                    return null;
                }
                in = input(rule, s.service, null, null, null, s.kind);
                in.count = s.stuck; // Σ over the minute's gauges = stuck_at_end (0 stuck is a value too)
                if (s.stuck > 0) {
                    in.requestId = s.jobId;
                    in.requestValue = s.oldestOpenMs; // its age: the oldest are kept as evidence
                }
            } else { // WEBHOOK_FAILURE_RATE
                int attempts = s.webhooksSent + s.webhooksFailed;
                if (attempts == 0) {
                    return null;
                }
                in = input(rule, s.service, null, null, null, s.kind);
                in.count = attempts;
                in.errors = s.webhooksFailed;
                if (s.webhooksFailed > 0) {
                    in.requestId = s.jobId;
                }
            }
            return in;
        }
    }

    /** Requests into latency and error-rate rules, as evidence candidates. */
    public static final class Requests extends RuleInputs<InferenceEvent> {
        private static final long serialVersionUID = 1L;

        public Requests(AlertRules rules) {
            super(rules);
        }

        @Override
        protected RuleInput toInput(AlertRule rule, InferenceEvent e) {
            RuleInput in;
            if (rule.kpi() == Kpi.LATENCY) {
                if (rule.comparison().firesAbove() && !rule.breached(e.totalLatencyMs)) {
                    return null;
                }
                in = input(rule, e.service, e.route, e.model, e.endpoint);
                in.requestValue = e.totalLatencyMs;
            } else if (rule.kpi() == Kpi.TRAFFIC && rule.statistic() == AlertRule.Statistic.ERROR_RATE
                    && e.status == InferenceStatus.ERROR) {
                in = input(rule, e.service, e.route, e.model, e.endpoint);
            } else {
                return null;
            }
            in.requestId = e.requestId;
            return in;
        }
    }
}
