package com.gluu.kpi.alerts;

/**
 * What one input record contributes to one group of one rule in one minute: made by
 * {@link RuleInputs} for every rule whose kpi the record feeds, keyed by {@link #rule} into
 * {@link AlertEvaluator}. Only the fields the rule's kpi uses are set. Written between tasks by
 * {@link RuleInputSerializer}.
 */
@org.apache.flink.api.common.typeinfo.TypeInfo(RuleInputSerializer.TypeInfoFactory.class)
public class RuleInput {
    public String rule;
    /** The group: the rule's group_by labels of the record, as sorted JSON. */
    public String labelsJson;
    /** Minute of event time: {@code floorDiv(timestamp, 60 000)}. */
    public long minute;
    /** Observations: latency events of the rule's stage, requests (traffic), feedback (accuracy). */
    public long count;
    /** Failed requests (traffic). */
    public long errors;
    /** Σ latency ms of the stage, or Σ feedback score. */
    public double sum;
    /** Greatest latency ms of the stage. */
    public double max;
    /** The stage's DDSketch ({@code LatencySketches.toBytes}); empty when none. */
    public byte[] sketch = new byte[0];
    public long restarts;
    public long failures;
    /** Deploy time of an endpoint slot (Creating, Updating): endpoint_event rules are silenced by it. */
    public long deployMs;
    /** Billed ms of an endpoint slot (idle_endpoint). */
    public long billedMs;
    /** Requests of a traffic partial (idle_endpoint, no_data). */
    public long requests;
    /** A request that may become evidence (latency and error-rate rules); null for aggregates. */
    public String requestId;
    /** The request's event time (ms). */
    public long requestTs;
    /** Its total latency in ms (latency rules), NaN for a failed request (error-rate rules). */
    public double requestValue = Double.NaN;
    /**
     * Not a contribution but the end of a bounded input ({@link com.gluu.kpi.pipeline.InputEnd}):
     * the latest event time the job admitted; {@code Long.MIN_VALUE} for ordinary inputs.
     */
    public long inputEndTs = Long.MIN_VALUE;

    public RuleInput() {}
}
