package com.gluu.kpi.accuracy;

/**
 * The running counts of one (model, model_version) in one window (a Flink POJO accumulator).
 *
 * <p>Scores are summed in integer nano-units (each score rounded to 1e-9), so the sum does not
 * depend on the order feedback arrives in and a replay writes a bit-identical {@code accuracy}
 * (the same choice as the exact latency means). A long holds 9.2e9 feedbacks of score 1.
 */
public class AccuracyCounts {
    static final double NANOS = 1e9;

    public long feedback;
    public long correct;
    public long partial;
    public long incorrect;
    /** Sum of the scores, in units of 1e-9. */
    public long scoreNanos;

    public AccuracyCounts() {}

    public void add(AccuracyObservation o) {
        feedback++;
        switch (o.verdict) {
            case "correct":
                correct++;
                break;
            case "partial":
                partial++;
                break;
            default:
                incorrect++;
        }
        scoreNanos += Math.round(o.score * NANOS);
    }

    public void merge(AccuracyCounts other) {
        feedback += other.feedback;
        correct += other.correct;
        partial += other.partial;
        incorrect += other.incorrect;
        scoreNanos += other.scoreNanos;
    }

    /** Mean score, correctly rounded from the exact nano sum. */
    public double accuracy() {
        return scoreNanos / (NANOS * feedback);
    }
}
