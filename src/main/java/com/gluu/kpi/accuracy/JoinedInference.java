package com.gluu.kpi.accuracy;

/**
 * What {@link FeedbackJoin} keeps of an inference for its feedback: the model, its version and
 * the inference's {@code ts}. Deliberately small: one of these lives in keyed state for every
 * request of the last {@code accuracy.horizon} (7 days), with or without feedback.
 */
public class JoinedInference {
    public String model;
    /** {@code ""} when the inference gave none. */
    public String modelVersion;
    /** The inference's {@code ts}, epoch ms. */
    public long ts;

    public JoinedInference() {}

    public JoinedInference(String model, String modelVersion, long ts) {
        this.model = model;
        this.modelVersion = modelVersion;
        this.ts = ts;
    }
}
