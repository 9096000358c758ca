package com.gluu.kpi.accuracy;

/** A feedback waiting in {@link FeedbackJoin}'s keyed state for its inference. */
public class PendingFeedback {
    /** {@code correct}, {@code incorrect} or {@code partial}. */
    public String verdict;
    /** The score as counted (see {@link AccuracyObservation#scoreOf}). */
    public double score;
    /** The feedback's {@code ts}, epoch ms. */
    public long ts;

    public PendingFeedback() {}

    public PendingFeedback(String verdict, double score, long ts) {
        this.verdict = verdict;
        this.score = score;
        this.ts = ts;
    }
}
