package com.gluu.kpi.latency;

import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * The running statistics of one (service, model, endpoint) in one window: one {@link StageStats}
 * per latency stage. One accumulator per key (rather than one per stage) lets an event travel
 * through the shuffle once, whatever stages it has.
 */
@TypeInfo(LatencyAccumulatorSerializer.TypeInfoFactory.class)
public final class LatencyAccumulator {
    final Map<LatencyStage, StageStats> stages = new EnumMap<>(LatencyStage.class);

    public LatencyAccumulator() {
        for (LatencyStage stage : LatencyStage.values()) {
            stages.put(stage, new StageStats());
        }
    }

    public void add(LatencyObservation o) {
        stages.get(LatencyStage.TOTAL).add(o.totalMs);
        if (!Double.isNaN(o.modelMs)) {
            stages.get(LatencyStage.MODEL).add(o.modelMs);
        }
        if (!Double.isNaN(o.llmMs)) {
            stages.get(LatencyStage.LLM).add(o.llmMs);
        }
    }

    public void merge(LatencyAccumulator other) {
        for (LatencyStage stage : LatencyStage.values()) {
            stages.get(stage).merge(other.stages.get(stage));
        }
    }

    public StageStats stage(LatencyStage stage) {
        return stages.get(stage);
    }
}
