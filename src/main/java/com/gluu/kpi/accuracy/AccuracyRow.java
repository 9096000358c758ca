package com.gluu.kpi.accuracy;

/** One row of {@code kpi.accuracy} (SPEC §4): feedback in a window of its own {@code ts}. */
public class AccuracyRow {
    public long windowStart;
    public long windowEnd;
    /** The joined inference's model, or {@code unmatched}. */
    public String model;
    /** The joined inference's model version, {@code ""} when unmatched or absent. */
    public String modelVersion;
    public long feedback;
    public long correct;
    public long partial;
    public long incorrect;
    /** Mean score: {@code score} if given, else correct 1, partial 0.5, incorrect 0. */
    public double accuracy;

    public AccuracyRow() {}
}
