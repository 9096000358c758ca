package com.gluu.kpi.pipeline;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The event time of one partition that no single record moves (SPEC §3): shared by the file
 * replay's {@link EventTimeGate} and the per-shard Kinesis watermark generator. Pure and
 * deterministic: given the same records in the same order it takes the same decisions, so a
 * replay rejects exactly the same records. Not thread-safe (one instance per subtask or shard).
 *
 * <p><b>The rule.</b> It keeps the trusted maximum event time {@code M} (the watermark is
 * {@code M − disorder − 1 ms}, Flink's bounded-out-of-orderness formula). A record is
 * <em>in line</em> if {@code ts ≤ M + time.max_jump} (10 min): it moves {@code M} as before.
 * A record further ahead is <em>ahead</em>: it does not move {@code M}; it joins a
 * <em>cluster</em> of ahead records (a record within {@code max_jump} of a cluster's
 * {@code [min, max]} joins it; clusters that come within {@code max_jump} of each other merge;
 * at most {@value #MAX_CLUSTERS}). Each cluster counts its members and the records
 * <em>behind</em> it that arrived after its first one (records that are not members and whose
 * {@code ts < max − max_jump}; records too late to be admitted do not count). A cluster is
 * <b>confirmed</b> — event time follows it — when it has at least {@code time.jump_confirmations}
 * (20) members <em>and</em> more members than records behind it. A legitimate jump (a stream
 * quiet for hours that resumes, a replay whose next file starts later) has almost no records
 * behind it and is confirmed after 20 records; a producer with a wrong clock mixed into honest
 * traffic never outnumbers the honest records and never is. A cluster event time reaches on its
 * own (its {@code max ≤ M}) is dropped.
 *
 * <p><b>Start-up.</b> Before any cluster is confirmed there is no {@code M} and every record is
 * ahead: the first records are not trusted blindly. The first cluster to be confirmed starts
 * event time (the caller replays its records in arrival order, so a well-formed stream gets
 * exactly the verdicts it had when its first record set event time, after a delay of 20
 * records); the other clusters are then behind it (too late unless within the allowed lateness)
 * or still ahead. So a first record three hours ahead, or dated 2000-01-01, does not decide
 * where event time starts.
 *
 * <p><b>Full.</b> A record ahead that fits no cluster when {@value #MAX_CLUSTERS} exist first
 * confirms the lowest cluster that has more members than records behind it, without the count
 * threshold (a sparse stream advancing in steps longer than {@code max_jump} thus lags
 * {@value #MAX_CLUSTERS} records instead of stalling); if there is none, the record fits nowhere
 * ({@link #vote} returns null).
 *
 * <p><b>End of a bounded input</b>: the threshold is dropped. If event time has not started,
 * the largest cluster (ties: the first to arrive) starts it ({@link #startCandidate}); then the
 * clusters are decided from the lowest up ({@link #lowest}): one with more members than records
 * behind it is confirmed, any other is not.
 *
 * <p>What happens to the records of a cluster (held and released, or left to wait in window
 * state) is the caller's business; this class only counts them. State: {@link #write} /
 * {@link #read}, an int format version first.
 */
public final class TrustedEventTime {
    public static final int FORMAT_VERSION = 1;
    public static final int MAX_CLUSTERS = 8;

    private final long disorderMs;
    private final long latenessMs;
    private final long maxJumpMs;
    private final int confirmations;

    private long trusted = Long.MIN_VALUE;
    private long arrivals;
    /** Sorted by {@code min}; consecutive clusters are more than {@code maxJump} apart. */
    private final List<Cluster> clusters = new ArrayList<>();

    /** A group of records ahead of event time that agree on a time. */
    public static final class Cluster {
        long min;
        long max;
        long members;
        long behind;
        long firstSeq;

        Cluster(long min, long max, long members, long behind, long firstSeq) {
            this.min = min;
            this.max = max;
            this.members = members;
            this.behind = behind;
            this.firstSeq = firstSeq;
        }

        public long min() {
            return min;
        }

        public long max() {
            return max;
        }

        public long members() {
            return members;
        }

        public long behind() {
            return behind;
        }

        public boolean contains(long ts) {
            return ts >= min && ts <= max;
        }

        boolean hasMajority() {
            return members > behind;
        }

        @Override
        public String toString() {
            return "[" + min + ", " + max + "] members " + members + ", behind " + behind;
        }
    }

    public TrustedEventTime(long disorderMs, long latenessMs, long maxJumpMs, int confirmations) {
        this.disorderMs = disorderMs;
        this.latenessMs = latenessMs;
        this.maxJumpMs = maxJumpMs;
        this.confirmations = confirmations;
    }

    /** The trusted maximum event time, {@code Long.MIN_VALUE} until event time has started. */
    public long trusted() {
        return trusted;
    }

    public boolean started() {
        return trusted != Long.MIN_VALUE;
    }

    /** The watermark judged by: {@code M − disorder − 1}, or {@code Long.MIN_VALUE} before event time started. */
    public long watermark() {
        return watermarkOf(trusted);
    }

    long watermarkOf(long maxTs) {
        return maxTs == Long.MIN_VALUE ? Long.MIN_VALUE : maxTs - disorderMs - 1;
    }

    /** Too late for a watermark: its windows are closed ({@code ts + lateness ≤ watermark}). */
    public boolean tooLate(long ts, long watermark) {
        return watermark != Long.MIN_VALUE && ts + latenessMs <= watermark;
    }

    /** The next arrival's sequence number (arrival order, for replays and the "since" of clusters). */
    public long nextSeq() {
        return arrivals++;
    }

    /** In line: event time has started and {@code ts} is at most {@code max_jump} ahead of it. */
    public boolean inLine(long ts) {
        return trusted != Long.MIN_VALUE && ts <= trusted + maxJumpMs;
    }

    /** An in-line record was admitted: it counts behind the clusters it is behind and moves event time. */
    public void admittedInLine(long ts) {
        countBehind(ts, false);
        advanceTo(ts);
    }

    /** Event time reaches {@code ts} (a released record, a replayed member): no vote. */
    public void advanceTo(long ts) {
        if (ts > trusted) {
            trusted = ts;
        }
    }

    /**
     * A record ahead: counts behind the clusters it is behind, then joins (or creates) its
     * cluster and returns it; null if it fits none and {@value #MAX_CLUSTERS} exist (see
     * {@link #pressureCandidate}).
     */
    public Cluster vote(long ts, long seq) {
        countBehind(ts, true);
        return place(ts, seq, find(ts));
    }

    /** {@link #vote} again for a record already counted (after a confirmation made room). */
    public Cluster revote(long ts, long seq) {
        return place(ts, seq, find(ts));
    }

    private Cluster find(long ts) {
        for (Cluster c : clusters) {
            if (reaches(c, ts)) {
                return c;
            }
        }
        return null;
    }

    private boolean reaches(Cluster c, long ts) {
        return ts >= c.min - maxJumpMs && ts <= c.max + maxJumpMs;
    }

    /**
     * Counts {@code ts} behind every cluster whose maximum it is more than {@code max_jump}
     * behind; a record ahead is not behind the cluster(s) it joins.
     */
    private void countBehind(long ts, boolean ahead) {
        for (int i = 0; i < clusters.size(); i++) {
            Cluster c = clusters.get(i);
            if (ts < c.max - maxJumpMs && !(ahead && reaches(c, ts))) {
                c.behind++;
            }
        }
    }

    private Cluster place(long ts, long seq, Cluster joined) {
        if (joined == null) {
            if (clusters.size() >= MAX_CLUSTERS) {
                return null;
            }
            joined = new Cluster(ts, ts, 1, 0, seq);
            insertSorted(joined);
            return joined;
        }
        joined.members++;
        joined.min = Math.min(joined.min, ts);
        joined.max = Math.max(joined.max, ts);
        return mergeNeighbours(joined);
    }

    private void insertSorted(Cluster c) {
        int i = 0;
        while (i < clusters.size() && clusters.get(i).min < c.min) {
            i++;
        }
        clusters.add(i, c);
    }

    /**
     * Merges {@code c} with the clusters it now comes within {@code max_jump} of. The merged
     * cluster keeps the larger count of records behind (an overcount: the safe side).
     */
    private Cluster mergeNeighbours(Cluster c) {
        int i = clusters.indexOf(c);
        while (i > 0 && clusters.get(i - 1).max + maxJumpMs >= c.min) {
            absorb(c, clusters.remove(i - 1));
            i--;
        }
        while (i + 1 < clusters.size() && clusters.get(i + 1).min - maxJumpMs <= c.max) {
            absorb(c, clusters.remove(i + 1));
        }
        return c;
    }

    private static void absorb(Cluster into, Cluster other) {
        into.min = Math.min(into.min, other.min);
        into.max = Math.max(into.max, other.max);
        into.members += other.members;
        into.behind = Math.max(into.behind, other.behind);
        into.firstSeq = Math.min(into.firstSeq, other.firstSeq);
    }

    /**
     * The whole decision for one record, for a caller that holds nothing (the Kinesis shard
     * generator: its records wait in window state downstream until event time reaches them).
     */
    public void observe(long ts) {
        long seq = nextSeq();
        if (inLine(ts)) {
            if (!tooLate(ts, watermark())) {
                admittedInLine(ts);
                dropReached();
            }
            return;
        }
        Cluster c = vote(ts, seq);
        if (c == null) {
            Cluster full = pressureCandidate();
            if (full == null) {
                return;
            }
            confirm(full);
            if (inLine(ts)) {
                if (!tooLate(ts, watermark())) {
                    advanceTo(ts);
                    dropReached();
                }
                return;
            }
            c = revote(ts, seq);
        }
        if (c != null && confirmable(c)) {
            confirm(c);
        }
    }

    /** Confirmed: enough members, and more than the records behind it. */
    public boolean confirmable(Cluster c) {
        return c.members >= confirmations && c.hasMajority();
    }

    /** With no room for a new cluster: the lowest cluster with a majority, or null. */
    public Cluster pressureCandidate() {
        for (Cluster c : clusters) {
            if (c.hasMajority()) {
                return c;
            }
        }
        return null;
    }

    /**
     * At the end of a bounded input with event time not started yet: the cluster that starts it,
     * the largest (ties: the first to arrive), confirmed without a count or a majority. Null if
     * there is none.
     */
    public Cluster startCandidate() {
        Cluster best = null;
        for (Cluster c : clusters) {
            if (best == null || c.members > best.members || c.members == best.members && c.firstSeq < best.firstSeq) {
                best = c;
            }
        }
        return best;
    }

    /**
     * Starts event time now with the {@link #startCandidate} (the end-of-input rule, for a
     * partition that had fewer records than the threshold for a while); no-op if started.
     */
    public void startWithLargestCluster() {
        if (!started() && startCandidate() != null) {
            confirm(startCandidate());
        }
    }

    /** The lowest cluster, or null if none is left. */
    public Cluster lowest() {
        return clusters.isEmpty() ? null : clusters.get(0);
    }

    /** At the end of input, without the count threshold: does {@code c} outnumber the records behind it? */
    public boolean outnumbersRecordsBehind(Cluster c) {
        return c.hasMajority();
    }

    /**
     * Event time follows {@code c}: it is removed, {@code M} becomes at least its maximum, and
     * clusters event time has now passed are dropped (their records are behind it).
     */
    public void confirm(Cluster c) {
        clusters.remove(c);
        advanceTo(c.max);
        dropReached();
    }

    /** {@code c} is given up (its records are dead letters). */
    public void discard(Cluster c) {
        clusters.remove(c);
    }

    /** Drops the clusters event time has reached entirely ({@code max ≤ M}). */
    public void dropReached() {
        if (!clusters.isEmpty() && trusted != Long.MIN_VALUE) {
            clusters.removeIf(c -> c.max <= trusted);
        }
    }

    // ---- state ----

    public void write(DataOutputStream out) throws IOException {
        out.writeInt(FORMAT_VERSION);
        out.writeLong(trusted);
        out.writeLong(arrivals);
        out.writeInt(clusters.size());
        for (Cluster c : clusters) {
            out.writeLong(c.min);
            out.writeLong(c.max);
            out.writeLong(c.members);
            out.writeLong(c.behind);
            out.writeLong(c.firstSeq);
        }
    }

    /**
     * Restores a state written by {@link #write}. A second call (several subtasks' states
     * after a rescale) merges: event time is the highest, the second state's arrivals come
     * after the first's (its sequence numbers are shifted by the returned offset), and
     * clusters that overlap merge.
     *
     * @return the offset added to the restored state's sequence numbers
     */
    public long read(DataInputStream in) throws IOException {
        int version = in.readInt();
        if (version != FORMAT_VERSION) {
            throw new IOException("event-time state has format version " + version + "; this build reads "
                    + FORMAT_VERSION);
        }
        long offset = arrivals;
        advanceTo(in.readLong());
        arrivals += in.readLong();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            Cluster c = new Cluster(in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readLong() + offset);
            insertSorted(c);
            mergeNeighbours(c);
        }
        return offset;
    }
}
