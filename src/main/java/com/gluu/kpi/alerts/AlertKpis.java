package com.gluu.kpi.alerts;

import com.gluu.kpi.accuracy.AccuracyObservation;
import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.config.TenantBudgets;
import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.health.EndpointSlot;
import com.gluu.kpi.jobs.JobSignal;
import com.gluu.kpi.latency.LatencyPartial;
import com.gluu.kpi.slo.SloPartial;
import com.gluu.kpi.traffic.TrafficPartial;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The alert evaluation of SPEC §5 as a piece of the job: partials, slots and (for evidence)
 * requests in; alert transitions and evidence out. One operator evaluates every rule
 * ({@link AlertEvaluator}, keyed by rule name), fed by one mapping operator per input
 * ({@link RuleInputs}); the SLO burn-rate rules are ordinary rules among them.
 */
public final class AlertKpis {
    private AlertKpis() {}

    /** The two outputs: transitions ({@code kpi.alerts}) and evidence ({@code kpi.alert_evidence}). */
    public static final class AlertStreams {
        private final SingleOutputStreamOperator<AlertRecord> evaluated;
        private final DataStream<AlertRecord> records;
        private final DataStream<AlertNotification> notifications;

        AlertStreams(SingleOutputStreamOperator<AlertRecord> evaluated, DataStream<AlertRecord> records,
                DataStream<AlertNotification> notifications) {
            this.evaluated = evaluated;
            this.records = records;
            this.notifications = notifications;
        }

        /**
         * The grouped SNS messages ({@code kpi.alert_notifications}, {@link AlertGrouper}); null
         * when the rules file has no {@code grouping:} (every transition is its own SNS message).
         */
        public DataStream<AlertNotification> notifications() {
            return notifications;
        }

        /**
         * One {@link AlertRecord} per transition, timestamped with the last ms of the evaluated
         * minute, marked when inhibited ({@link AlertInhibitor}).
         */
        public DataStream<AlertRecord> records() {
            return records;
        }

        /** Up to 20 requests per new episode of a latency or error-rate rule (same timestamp as its firing record). */
        public DataStream<AlertEvidence> evidence() {
            return evaluated.getSideOutput(AlertEvaluator.EVIDENCE);
        }
    }

    /**
     * What the rules read: the four streams every job has, and the optional ones (null: absent).
     * Built once by the job ({@code KpiPipeline}) and by tests with only what they feed.
     */
    public static final class AlertInputs {
        final DataStream<LatencyPartial> latency;
        final DataStream<TrafficPartial> traffic;
        final DataStream<AccuracyObservation> accuracy;
        final DataStream<EndpointSlot> slots;
        DataStream<InferenceEvent> requests;
        DataStream<SloPartial> sloPartials;
        DataStream<JobSignal> jobSignals;
        DataStream<TenantSpend> tenantSpend;
        TenantBudgets budgets = TenantBudgets.none();
        DataStream<com.gluu.kpi.pipeline.InputEnd> inputEnds;

        public AlertInputs(DataStream<LatencyPartial> latency, DataStream<TrafficPartial> traffic,
                DataStream<AccuracyObservation> accuracy, DataStream<EndpointSlot> slots) {
            this.latency = latency;
            this.traffic = traffic;
            this.accuracy = accuracy;
            this.slots = slots;
        }

        /** The deduplicated requests: evidence of latency and error-rate episodes. */
        public AlertInputs requests(DataStream<InferenceEvent> inferences) {
            this.requests = inferences;
            return this;
        }

        /** The SLO partials the burn-rate rules read. */
        public AlertInputs sloPartials(DataStream<SloPartial> partials) {
            this.sloPartials = partials;
            return this;
        }

        /** The job join's capped signals the jobs rules read. */
        public AlertInputs jobSignals(DataStream<JobSignal> signals) {
            this.jobSignals = signals;
            return this;
        }

        /** The tenants' 1-minute spend and their budgets, for the tenant_budget rule. */
        public AlertInputs tenantSpend(DataStream<TenantSpend> spend, TenantBudgets budgets) {
            this.tenantSpend = spend;
            this.budgets = budgets;
            return this;
        }

        /**
         * The ends of a bounded input: every rule then evaluates up to the input's last event time,
         * not only up to its own last input (see {@link AlertEvaluator}), so whether a silence at
         * the end of the data fires does not depend on how watermarks travelled.
         */
        public AlertInputs inputEnds(DataStream<com.gluu.kpi.pipeline.InputEnd> ends) {
            this.inputEnds = ends;
            return this;
        }
    }

    /**
     * Every rule evaluated once per minute of event time over the job's latency and traffic
     * partials, accuracy observations and endpoint slots; one {@link AlertRecord} per transition
     * (fired, repeated, resolved), timestamped with the last millisecond of the evaluated minute.
     * No evidence (see {@link #evaluate}).
     */
    public static DataStream<AlertRecord> records(DataStream<LatencyPartial> latency, DataStream<TrafficPartial> traffic,
            DataStream<AccuracyObservation> accuracy, DataStream<EndpointSlot> slots, AlertRules rules,
            JobConfig config) {
        return evaluate(new AlertInputs(latency, traffic, accuracy, slots), rules, config).records();
    }

    /**
     * As {@link #records}, plus evidence from the deduplicated, event-time-stamped
     * {@code inferences}: the slowest requests of a latency episode, the failed ones of an
     * error-rate episode.
     */
    public static AlertStreams evaluate(DataStream<LatencyPartial> latency, DataStream<TrafficPartial> traffic,
            DataStream<AccuracyObservation> accuracy, DataStream<EndpointSlot> slots,
            DataStream<InferenceEvent> inferences, AlertRules rules, JobConfig config) {
        return evaluate(new AlertInputs(latency, traffic, accuracy, slots).requests(inferences), rules, config);
    }

    /** Every rule over {@code in}: transitions, evidence and (with grouping) the SNS messages. */
    public static AlertStreams evaluate(AlertInputs in, AlertRules rules, JobConfig config) {
        DataStream<LatencyPartial> latency = in.latency;
        DataStream<TrafficPartial> traffic = in.traffic;
        DataStream<AccuracyObservation> accuracy = in.accuracy;
        DataStream<EndpointSlot> slots = in.slots;
        DataStream<InferenceEvent> inferences = in.requests;
        DataStream<SloPartial> sloPartials = in.sloPartials;
        DataStream<JobSignal> jobSignals = in.jobSignals;
        DataStream<com.gluu.kpi.pipeline.InputEnd> inputEnds = in.inputEnds;
        // Accuracy rules wait until the join has decided every feedback of a minute (AlertEvaluator).
        Duration accuracyDelay = config.get(JobConfig.ACCURACY_FEEDBACK_WAIT).plus(config.get(JobConfig.ALLOWED_LATENESS));
        TypeInformation<RuleInput> type = TypeInformation.of(RuleInput.class);
        DataStream<RuleInput> inputs = latency.process(new RuleInputs.Latency(rules)).returns(type)
                .uid("alert-inputs-latency").name("Alert inputs: latency")
                .union(traffic.process(new RuleInputs.Traffic(rules)).returns(type)
                                .uid("alert-inputs-traffic").name("Alert inputs: traffic"),
                        accuracy.process(new RuleInputs.Accuracy(rules)).returns(type)
                                .uid("alert-inputs-accuracy").name("Alert inputs: accuracy"),
                        slots.process(new RuleInputs.Endpoints(rules)).returns(type)
                                .uid("alert-inputs-endpoints").name("Alert inputs: endpoints"));
        if (inferences != null) {
            inputs = inputs.union(inferences.process(new RuleInputs.Requests(rules)).returns(type)
                    .uid("alert-inputs-requests").name("Alert inputs: requests (evidence)"));
        }
        if (sloPartials != null) {
            inputs = inputs.union(sloPartials.process(new RuleInputs.Slos(rules)).returns(type)
                    .uid("alert-inputs-slo").name("Alert inputs: SLOs"));
        }
        if (jobSignals != null) {
            inputs = inputs.union(jobSignals.process(new RuleInputs.Jobs(rules)).returns(type)
                    .uid("alert-inputs-jobs").name("Alert inputs: jobs"));
        }
        if (inputEnds != null) {
            inputs = inputs.union(inputEnds.process(new InputEnds(rules)).returns(type)
                    .uid("alert-inputs-input-end").name("Alert inputs: end of input"));
        }
        SingleOutputStreamOperator<AlertRecord> records = inputs.keyBy(input -> input.rule, TypeInformation.of(String.class))
                .process(new AlertEvaluator(rules, accuracyDelay, config.get(JobConfig.ALERTS_MAX_GROUPS_PER_RULE),
                        config.get(JobConfig.ALERTS_GROUP_IDLE_TIMEOUT))
                        .deploySilences(config.get(JobConfig.ALERTS_DEPLOY_SILENCES))).returns(TypeInformation.of(AlertRecord.class))
                .uid("alert-evaluator").name("Alert evaluator");
        int maxNew = config.get(JobConfig.ALERTS_MAX_NEW_ALERTS_PER_MINUTE);
        DataStream<AlertRecord> all = records;
        java.util.Optional<com.gluu.kpi.config.AlertRule> budgetRule = rules.rules().stream()
                .filter(r -> r.kpi() == com.gluu.kpi.config.AlertRule.Kpi.TENANT_BUDGET).findFirst();
        if (in.tenantSpend != null && budgetRule.isPresent() && !in.budgets.isEmpty()) {
            // its own operator: a month per tenant does not fit the evaluator's ring of minutes
            all = records.union(in.tenantSpend.keyBy(t -> t.clientId, TypeInformation.of(String.class))
                    .process(new TenantBudgetEvaluator(budgetRule.get(), in.budgets,
                            config.get(JobConfig.ALLOWED_LATENESS).toMillis()))
                    .returns(TypeInformation.of(AlertRecord.class))
                    .uid("alert-tenant-budget").name("Alert evaluator: tenant budgets"));
        }
        DataStream<AlertRecord> marked = all;
        if (AlertInhibitor.needed(rules, maxNew)) {
            marked = inhibit(all, traffic, rules, maxNew);
        }
        if (rules.grouping().isEmpty()) {
            return new AlertStreams(records, marked, null);
        }
        // Grouping sees the marks: an inhibited or storm-held transition is in no SNS message.
        com.gluu.kpi.config.AlertGrouping grouping = rules.grouping().get();
        SingleOutputStreamOperator<AlertRecord> grouped = marked
                .keyBy(r -> AlertGrouper.groupKey(grouping, r.labelsJson), TypeInformation.of(String.class))
                .process(new AlertGrouper(grouping)).returns(TypeInformation.of(AlertRecord.class))
                .uid("alert-grouper").name("Alert grouping (SNS messages)");
        return new AlertStreams(records, grouped, grouped.getSideOutput(AlertGrouper.NOTIFICATIONS));
    }

    private static DataStream<AlertRecord> inhibit(DataStream<AlertRecord> records, DataStream<TrafficPartial> traffic,
            AlertRules rules, int maxNew) {
        // Inhibition sees every rule's transitions and which services call which endpoint.
        DataStream<ServiceCall> calls = traffic.process(new ServiceCalls()).returns(TypeInformation.of(ServiceCall.class))
                .uid("alert-service-calls").name("Alert inputs: service calls");
        return records.keyBy(r -> (byte) 0, TypeInformation.of(Byte.class))
                .connect(calls.keyBy(c -> (byte) 0, TypeInformation.of(Byte.class)))
                .process(new AlertInhibitor(rules, maxNew)).returns(TypeInformation.of(AlertRecord.class))
                .uid("alert-inhibitor").name("Alert inhibition and storm control");
    }

    /** One end-of-input marker per rule, for {@link AlertEvaluator}. */
    static final class InputEnds extends org.apache.flink.streaming.api.functions.ProcessFunction<
            com.gluu.kpi.pipeline.InputEnd, RuleInput> {
        private static final long serialVersionUID = 1L;
        private final AlertRules rules;

        InputEnds(AlertRules rules) {
            this.rules = rules;
        }

        @Override
        public void processElement(com.gluu.kpi.pipeline.InputEnd end, Context ctx,
                org.apache.flink.util.Collector<RuleInput> out) {
            if (end.maxEventTs == Long.MIN_VALUE) {
                return; // a subtask that admitted nothing
            }
            for (com.gluu.kpi.config.AlertRule rule : rules.rules()) {
                if (rule.kpi() == com.gluu.kpi.config.AlertRule.Kpi.TENANT_BUDGET) {
                    continue; // evaluated by TenantBudgetEvaluator, at its tenants' minutes
                }
                RuleInput in = new RuleInput();
                in.rule = rule.name();
                in.inputEndTs = end.maxEventTs;
                in.minute = Math.floorDiv(end.maxEventTs, RuleInputs.MINUTE_MS);
                out.collect(in);
            }
        }
    }

    /** The (service, endpoint) pairs of traffic partials with requests, for {@link AlertInhibitor}. */
    static final class ServiceCalls extends org.apache.flink.streaming.api.functions.ProcessFunction<TrafficPartial, ServiceCall> {
        private static final long serialVersionUID = 1L;

        @Override
        public void processElement(TrafficPartial p, Context ctx, org.apache.flink.util.Collector<ServiceCall> out) {
            if (p.endpoint != null && !p.endpoint.isEmpty() && p.counts.requests > 0) {
                out.collect(new ServiceCall(p.service, p.endpoint, Math.floorDiv(ctx.timestamp(), RuleInputs.MINUTE_MS)));
            }
        }
    }
}
