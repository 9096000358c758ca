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
    /** Per slot, up to {@link #EVIDENCE} candidate requests: ids, event times, values (parallel arrays). */
    public String[][] evidenceId;
    public long[][] evidenceTs;
    public double[][] evidenceValue;
    /** Latest minute any input arrived for. */
    public long lastInputMinute = Long.MIN_VALUE;
    /**
     * Latest minute evaluated so far with requests (no_data); {@code Long.MIN_VALUE} if none. Traffic
     * of minutes not evaluated yet stays in the ring until their evaluation.
     */
    public long lastTrafficMinute = Long.MIN_VALUE;

    /**
     * Most minutes the ring grows to span (about 2.8 days): beyond it, a far-off minute (a stray
     * timestamp while the watermark is held back) cannot blow the state up; it recycles as a fixed ring.
     */
    static final int MAX_SLOTS = 4096;

    /** Requests kept per minute and emitted per episode (SPEC §4 {@code kpi.alert_evidence}). */
    public static final int EVIDENCE = 20;

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
        g.evidenceId = new String[size][];
        g.evidenceTs = new long[size][];
        g.evidenceValue = new double[size][];
        for (int i = 0; i < size; i++) {
            g.clearEvidence(i);
        }
        return g;
    }

    /** The slot holding {@code m}, or -1. */
    int slotOf(long m) {
        int i = (int) Math.floorMod(m, (long) minute.length);
        return minute[i] == m ? i : -1;
    }

    /**
     * The slot for {@code m}; -1 if {@code m} is older than {@code keepFrom} (no evaluation still to
     * come needs it). A slot holding another minute is cleared for {@code m} only if that minute is
     * older than {@code keepFrom}; otherwise the ring grows (inputs may run many minutes ahead of
     * the minute being evaluated: the evaluator's watermark is its slowest input's), so no minute an
     * evaluation still needs is ever overwritten.
     */
    int claim(long m, long keepFrom) {
        if (m < keepFrom) {
            return -1;
        }
        int i = (int) Math.floorMod(m, (long) minute.length);
        if (minute[i] == m) {
            return i;
        }
        if (minute[i] != Long.MIN_VALUE && minute[i] >= keepFrom) {
            if (grow(m, keepFrom)) {
                i = (int) Math.floorMod(m, (long) minute.length);
                if (minute[i] == m) {
                    return i;
                }
            } else if (minute[i] > m) {
                return -1; // a span beyond MAX_SLOTS (a stray far-off minute): a fixed ring, the newer minute wins
            }
        }
        clear(i, m);
        return i;
    }

    /**
     * Rehashes the ring into one large enough for every kept minute and {@code m}, dropping minutes
     * older than {@code keepFrom}; false (nothing changed) if that would take more than
     * {@link #MAX_SLOTS} slots.
     */
    private boolean grow(long m, long keepFrom) {
        long lo = m;
        long hi = m;
        for (long x : minute) {
            if (x != Long.MIN_VALUE && x >= keepFrom) {
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
        }
        if (hi - lo + 1 > MAX_SLOTS) {
            return false;
        }
        int size = minute.length;
        while (size < hi - lo + 1) {
            size *= 2;
        }
        GroupMinutes bigger = create(labelsJson, size);
        for (int j = 0; j < minute.length; j++) {
            if (minute[j] == Long.MIN_VALUE || minute[j] < keepFrom) {
                continue;
            }
            int k = (int) Math.floorMod(minute[j], (long) size);
            bigger.minute[k] = minute[j];
            bigger.count[k] = count[j];
            bigger.errors[k] = errors[j];
            bigger.sum[k] = sum[j];
            bigger.max[k] = max[j];
            bigger.sketch[k] = sketch[j];
            bigger.restarts[k] = restarts[j];
            bigger.failures[k] = failures[j];
            bigger.billedMs[k] = billedMs[j];
            bigger.requests[k] = requests[j];
            bigger.evidenceId[k] = evidenceId[j];
            bigger.evidenceTs[k] = evidenceTs[j];
            bigger.evidenceValue[k] = evidenceValue[j];
        }
        minute = bigger.minute;
        count = bigger.count;
        errors = bigger.errors;
        sum = bigger.sum;
        max = bigger.max;
        sketch = bigger.sketch;
        restarts = bigger.restarts;
        failures = bigger.failures;
        billedMs = bigger.billedMs;
        requests = bigger.requests;
        evidenceId = bigger.evidenceId;
        evidenceTs = bigger.evidenceTs;
        evidenceValue = bigger.evidenceValue;
        return true;
    }

    private void clear(int i, long m) {
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
        clearEvidence(i);
    }

    private void clearEvidence(int i) {
        evidenceId[i] = new String[0];
        evidenceTs[i] = new long[0];
        evidenceValue[i] = new double[0];
    }

    /**
     * Adds a candidate request to slot {@code i}. When the slot holds {@link #EVIDENCE} already,
     * it replaces the least telling one if the new one is more telling: the fastest when
     * {@code bySlowest} (latency), else the oldest (failed requests: the latest are kept).
     */
    void addEvidence(int i, String id, long ts, double value, boolean bySlowest) {
        int n = evidenceId[i].length;
        if (n < EVIDENCE) {
            evidenceId[i] = java.util.Arrays.copyOf(evidenceId[i], n + 1);
            evidenceTs[i] = java.util.Arrays.copyOf(evidenceTs[i], n + 1);
            evidenceValue[i] = java.util.Arrays.copyOf(evidenceValue[i], n + 1);
            evidenceId[i][n] = id;
            evidenceTs[i][n] = ts;
            evidenceValue[i][n] = value;
            return;
        }
        int worst = 0;
        for (int k = 1; k < n; k++) {
            if (bySlowest ? evidenceValue[i][k] < evidenceValue[i][worst] : evidenceTs[i][k] < evidenceTs[i][worst]) {
                worst = k;
            }
        }
        if (bySlowest ? value > evidenceValue[i][worst] : ts > evidenceTs[i][worst]) {
            evidenceId[i][worst] = id;
            evidenceTs[i][worst] = ts;
            evidenceValue[i][worst] = value;
        }
    }
}
