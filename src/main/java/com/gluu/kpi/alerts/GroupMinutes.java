package com.gluu.kpi.alerts;

/**
 * One group of one rule in {@link AlertEvaluator}: its alert state and a small set of per-minute
 * aggregates, the "ring" (parallel arrays; {@link #minute} says which minute a slot holds,
 * {@code Long.MIN_VALUE} for none; slots are reused once their minute is no longer needed). A
 * Flink POJO: arrays, no collections.
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
    /** Per slot: deploy ms of the endpoint (null in state from before the field existed). */
    public long[] deployMs;
    public long[] billedMs;
    public long[] requests;
    /** Per slot, up to {@link #EVIDENCE} candidate requests: ids, event times, values (parallel arrays). */
    public String[][] evidenceId;
    public long[][] evidenceTs;
    public double[][] evidenceValue;
    /** Latest minute any input arrived for (also minutes not evaluated yet). */
    public long lastInputMinute = Long.MIN_VALUE;
    /**
     * Earliest minute any input arrived for: the group is not evaluated before it (an input that
     * runs ahead of the watermark must not make a group exist earlier than its data).
     * {@code Long.MAX_VALUE} in state written before the field existed: evaluated as before.
     */
    public long firstInputMinute = Long.MAX_VALUE;
    /**
     * Latest minute evaluated so far that had input; {@code Long.MIN_VALUE} if none. The idle
     * timeout counts from it, so inputs that arrive ahead of their minute do not change when a
     * group is forgotten.
     */
    public long lastSeenMinute = Long.MIN_VALUE;
    /**
     * Latest minute evaluated so far with requests (no_data); {@code Long.MIN_VALUE} if none. Traffic
     * of minutes not evaluated yet stays in the ring until their evaluation.
     */
    public long lastTrafficMinute = Long.MIN_VALUE;
    /**
     * The earliest distinct minutes with requests, at most the rule's min_sample of them: no_data
     * watches a group from the minute it has had that many ({@link #established}). The minutes
     * themselves, not a count, so several inputs of one minute (or a late one) count it once and
     * inputs that arrive ahead of the evaluation do not count before their minute.
     */
    public long[] trafficMinutes = new long[0];

    /** Notes requests in minute {@code m}, for {@link #established}. */
    void noteTraffic(long m, long needed) {
        int max = -1;
        for (int i = 0; i < trafficMinutes.length; i++) {
            if (trafficMinutes[i] == m) {
                return;
            }
            if (max < 0 || trafficMinutes[i] > trafficMinutes[max]) {
                max = i;
            }
        }
        if (trafficMinutes.length < needed) {
            trafficMinutes = java.util.Arrays.copyOf(trafficMinutes, trafficMinutes.length + 1);
            trafficMinutes[trafficMinutes.length - 1] = m;
        } else if (max >= 0 && m < trafficMinutes[max]) {
            trafficMinutes[max] = m; // keep the earliest ones
        }
    }

    /** Whether the group has had requests in at least {@code needed} minutes up to minute {@code m}. */
    boolean established(long needed, long m) {
        if (trafficMinutes.length < needed) {
            return false;
        }
        for (long x : trafficMinutes) {
            if (x > m) {
                return false;
            }
        }
        return true;
    }

    /**
     * Most minutes a group keeps at once: far more than any window needs, so only a flood of
     * distinct far-off minutes (hostile input) reaches it, and then cannot blow the state up.
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
        g.deployMs = new long[size];
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

    /**
     * The slots holding a minute, ordered by minute: slots are taken in arrival order, which a
     * restore changes, so sums over them (doubles) go in this order to give the same bits.
     */
    int[] slotsByMinute() {
        return java.util.stream.IntStream.range(0, minute.length).filter(i -> minute[i] != Long.MIN_VALUE)
                .boxed().sorted(java.util.Comparator.comparingLong(i -> minute[i])).mapToInt(Integer::intValue).toArray();
    }

    /** Adds an endpoint's deploy time to slot {@code i} (the array is absent in state from before it existed). */
    void addDeployMs(int i, long ms) {
        if (deployMs == null) {
            deployMs = new long[minute.length];
        }
        deployMs[i] += ms;
    }

    /** Whether a kept minute in {@code (after, upTo]} has deploy time. */
    boolean deployedIn(long after, long upTo) {
        for (int i = 0; deployMs != null && i < minute.length; i++) {
            if (minute[i] > after && minute[i] <= upTo && deployMs[i] > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * The latest minute with input that an evaluation has seen, which the idle timeout counts
     * from; the latest input minute in state from before {@link #lastSeenMinute} existed.
     */
    long lastSeenOrInputMinute() {
        return lastSeenMinute == Long.MIN_VALUE ? lastInputMinute : lastSeenMinute;
    }

    /** The slot holding {@code m}, or -1. */
    int slotOf(long m) {
        for (int i = 0; i < minute.length; i++) {
            if (minute[i] == m) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The slot for {@code m}; -1 if {@code m} is older than {@code keepFrom} (no evaluation still to
     * come needs it). The slots are a small unordered set of minutes (the window plus a few, found
     * by a scan): a new minute takes a free slot or one holding a minute older than
     * {@code keepFrom}; otherwise the set grows (inputs may run many minutes ahead of the minute
     * being evaluated, and the minutes ahead may be days apart from the ones still needed), so no
     * minute an evaluation still needs is ever overwritten. At {@link #MAX_SLOTS} needed minutes
     * (only hostile input gets there) a further minute is not kept.
     */
    int claim(long m, long keepFrom) {
        if (m < keepFrom) {
            return -1;
        }
        int free = -1;
        for (int i = 0; i < minute.length; i++) {
            if (minute[i] == m) {
                return i;
            }
            if (free < 0 && (minute[i] == Long.MIN_VALUE || minute[i] < keepFrom)) {
                free = i;
            }
        }
        if (free < 0) {
            if (minute.length >= MAX_SLOTS) {
                return -1;
            }
            free = minute.length;
            grow(Math.min(MAX_SLOTS, minute.length * 2));
        }
        clear(free, m);
        return free;
    }

    /** Makes room for {@code size} slots, the new ones free. */
    private void grow(int size) {
        int old = minute.length;
        minute = java.util.Arrays.copyOf(minute, size);
        java.util.Arrays.fill(minute, old, size, Long.MIN_VALUE);
        count = java.util.Arrays.copyOf(count, size);
        errors = java.util.Arrays.copyOf(errors, size);
        sum = java.util.Arrays.copyOf(sum, size);
        max = java.util.Arrays.copyOf(max, size);
        sketch = java.util.Arrays.copyOf(sketch, size);
        restarts = java.util.Arrays.copyOf(restarts, size);
        failures = java.util.Arrays.copyOf(failures, size);
        deployMs = java.util.Arrays.copyOf(deployMs == null ? new long[old] : deployMs, size);
        billedMs = java.util.Arrays.copyOf(billedMs, size);
        requests = java.util.Arrays.copyOf(requests, size);
        evidenceId = java.util.Arrays.copyOf(evidenceId, size);
        evidenceTs = java.util.Arrays.copyOf(evidenceTs, size);
        evidenceValue = java.util.Arrays.copyOf(evidenceValue, size);
        for (int i = old; i < size; i++) {
            clear(i, Long.MIN_VALUE);
        }
    }

    /**
     * Forgets everything up to minute {@code m} (the idle timeout): the minutes after it stay, as
     * if the group had been created by their inputs. True if nothing is left (the group can go).
     */
    boolean forgetUpTo(long m, long trafficNeeded) {
        firstInputMinute = Long.MAX_VALUE;
        lastInputMinute = Long.MIN_VALUE;
        for (int i = 0; i < minute.length; i++) {
            if (minute[i] == Long.MIN_VALUE) {
                continue;
            }
            if (minute[i] <= m) {
                clear(i, Long.MIN_VALUE);
            } else {
                firstInputMinute = Math.min(firstInputMinute, minute[i]);
                lastInputMinute = Math.max(lastInputMinute, minute[i]);
            }
        }
        lastSeenMinute = Long.MIN_VALUE;
        lastTrafficMinute = Long.MIN_VALUE;
        // as if the group had been created by the minutes that stay
        trafficMinutes = new long[0];
        for (int i = 0; i < minute.length; i++) {
            if (minute[i] != Long.MIN_VALUE && requests[i] > 0) {
                noteTraffic(minute[i], trafficNeeded);
            }
        }
        return firstInputMinute == Long.MAX_VALUE;
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
        if (deployMs != null) {
            deployMs[i] = 0;
        }
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
