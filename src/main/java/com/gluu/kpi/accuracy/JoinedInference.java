package com.gluu.kpi.accuracy;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * What {@link FeedbackJoin} keeps per request: of its inference the model, its version and the
 * inference's {@code ts}, and any feedback that arrived first and waits for it. Deliberately
 * small: one of these lives in keyed state for every request of the last
 * {@code accuracy.horizon} (7 days), with or without feedback. One value rather than two states,
 * so that an inference costs one state read and one write. Serialized by
 * {@link JoinedInferenceSerializer} (heap checkpoints write every one of them).
 */
@TypeInfo(JoinedInferenceSerializer.TypeInfoFactory.class)
public class JoinedInference {
    /** null while only waiting feedback is known. */
    public String model;
    /** {@code ""} when the inference gave none. */
    public String modelVersion;
    /** The inference's {@code ts}, epoch ms. */
    public long ts;
    /** Feedback waiting for the inference; null when none waits. */
    public PendingFeedback[] waiting;

    public JoinedInference() {}

    public JoinedInference(String model, String modelVersion, long ts) {
        this.model = model;
        this.modelVersion = modelVersion;
        this.ts = ts;
    }

    /** Whether the inference itself has been seen (not just feedback waiting for it). */
    public boolean hasInference() {
        return model != null;
    }
}
