package com.gluu.kpi.events;

/** A verdict on an earlier inference's output (SPEC §2, type {@code feedback}). */
public class FeedbackEvent {
    public String requestId;
    /** {@code correct}, {@code incorrect} or {@code partial}. */
    public String verdict;
    /** 0..1, or NaN when the event gives none. */
    public double score = Double.NaN;
    /** {@code reviewer}, {@code client} or "". */
    public String source = "";

    public FeedbackEvent() {}
}
