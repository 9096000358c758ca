package com.gluu.kpi.alerts;

import com.gluu.kpi.accuracy.AccuracyObservation;
import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.health.EndpointSlot;
import com.gluu.kpi.latency.LatencyPartial;
import com.gluu.kpi.traffic.TrafficPartial;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;

/** The alert evaluation of SPEC §5 as a piece of the job: partials and slots in, alert transitions out. */
public final class AlertKpis {
    private AlertKpis() {}

    /**
     * Every rule evaluated once per minute of event time over the job's latency and traffic
     * partials, accuracy observations and endpoint slots; one {@link AlertRecord} per transition
     * (fired, repeated, resolved), timestamped with the last millisecond of the evaluated minute.
     */
    public static DataStream<AlertRecord> records(DataStream<LatencyPartial> latency, DataStream<TrafficPartial> traffic,
            DataStream<AccuracyObservation> accuracy, DataStream<EndpointSlot> slots, AlertRules rules,
            JobConfig config) {
        TypeInformation<RuleInput> type = TypeInformation.of(RuleInput.class);
        DataStream<RuleInput> inputs = latency.process(new RuleInputs.Latency(rules)).returns(type)
                .uid("alert-inputs-latency").name("Alert inputs: latency")
                .union(traffic.process(new RuleInputs.Traffic(rules)).returns(type)
                                .uid("alert-inputs-traffic").name("Alert inputs: traffic"),
                        accuracy.process(new RuleInputs.Accuracy(rules)).returns(type)
                                .uid("alert-inputs-accuracy").name("Alert inputs: accuracy"),
                        slots.process(new RuleInputs.Endpoints(rules)).returns(type)
                                .uid("alert-inputs-endpoints").name("Alert inputs: endpoints"));
        return inputs.keyBy(in -> in.rule, TypeInformation.of(String.class))
                .process(new AlertEvaluator(rules)).returns(TypeInformation.of(AlertRecord.class))
                .uid("alert-evaluator").name("Alert evaluator");
    }
}
