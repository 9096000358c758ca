package com.gluu.kpi.alerts;

/**
 * One group of one rule in {@link AlertEvaluator}: its alert state and a ring of per-minute
 * aggregates (slot {@code minute mod size}; {@link #minute} says which minute a slot holds,
 * {@code Long.MIN_VALUE} for none). A Flink POJO: arrays, no collections.
 */
public class GroupMinutes {
    public String labelsJson;
    public AlertGroupState alert = new AlertGroupState();
    public long[] minute;
    public long[] count;
    public long[] errors;
    public double[] sum;
    public double[] max;
    public byte[][] sketch;
    public long[] restarts;
    public long[] failures;
    public long[] billedMs;
    public long[] requests;
    /** Latest minute any input arrived for. */
    public long lastInputMinute = Long.MIN_VALUE;
    /** Latest minute with requests (no_data); {@code Long.MIN_VALUE} if it never had any. */
    public long lastTrafficMinute = Long.MIN_VALUE;

    public GroupMinutes() {}

    public static GroupMinutes create(String labelsJson, int size) {
        GroupMinutes g = new GroupMinutes();
        g.labelsJson = labelsJson;
        g.minute = new long[size];
        java.util.Arrays.fill(g.minute, Long.MIN_VALUE);
        g.count = new long[size];
        g.errors = new long[size];
        g.sum = new double[size];
        g.max = new double[size];
        g.sketch = new byte[size][];
        java.util.Arrays.fill(g.sketch, new byte[0]);
        g.restarts = new long[size];
        g.failures = new long[size];
        g.billedMs = new long[size];
        g.requests = new long[size];
        return g;
    }

    /** The slot holding {@code m}, or -1. */
    int slotOf(long m) {
        int i = (int) Math.floorMod(m, (long) minute.length);
        return minute[i] == m ? i : -1;
    }

    /** The slot for {@code m}, cleared if it held an older minute; -1 if it holds a newer one (too old to keep). */
    int claim(long m) {
        int i = (int) Math.floorMod(m, (long) minute.length);
        if (minute[i] == m) {
            return i;
        }
        if (minute[i] > m) {
            return -1;
        }
        minute[i] = m;
        count[i] = 0;
        errors[i] = 0;
        sum[i] = 0;
        max[i] = 0;
        sketch[i] = new byte[0];
        restarts[i] = 0;
        failures[i] = 0;
        billedMs[i] = 0;
        requests[i] = 0;
        return i;
    }
}
