package com.gluu.kpi.accuracy;

/**
 * One feedback joined to its inference (or not): what the accuracy windows count. Emitted by
 * {@link FeedbackJoin} with the feedback's {@code ts} as its record timestamp, so it lands in
 * the window of its own time however long it waited for its inference.
 */
public class AccuracyObservation {
    /** The joined inference's model, or {@value FeedbackJoin#UNMATCHED}. */
    public String model;
    /** The joined inference's model version; {@code ""} when absent or unmatched. */
    public String modelVersion;
    /** {@code correct}, {@code incorrect} or {@code partial}. */
    public String verdict;
    /** The score as counted: the feedback's {@code score} if given, else 1, 0.5 or 0 by verdict. */
    public double score;
    /** The feedback's {@code ts} (epoch ms), not the inference's. */
    public long ts;

    public AccuracyObservation() {}

    public AccuracyObservation(String model, String modelVersion, String verdict, double score, long ts) {
        this.model = model;
        this.modelVersion = modelVersion;
        this.verdict = verdict;
        this.score = score;
        this.ts = ts;
    }

    /**
     * The score a feedback counts with (SPEC §4): its own {@code score} if given (not NaN), else
     * correct 1, partial 0.5, incorrect 0.
     */
    public static double scoreOf(String verdict, double score) {
        if (!Double.isNaN(score)) {
            return score;
        }
        switch (verdict) {
            case "correct":
                return 1.0;
            case "partial":
                return 0.5;
            case "incorrect":
                return 0.0;
            default:
                throw new IllegalArgumentException("unknown verdict " + verdict);
        }
    }

    @Override
    public String toString() {
        return model + "/" + modelVersion + " " + verdict + " " + score + " @" + ts;
    }
}
