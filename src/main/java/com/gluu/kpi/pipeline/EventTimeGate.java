package com.gluu.kpi.pipeline;

import com.gluu.kpi.config.Durations;
import com.gluu.kpi.events.DeadLetterReason;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * Decides, before any window sees an event, whether its time is acceptable (SPEC §3), and holds
 * the records that are too far ahead for their time to be trusted yet.
 *
 * <p>The gate judges by a watermark of its own — {@link TrustedEventTime}'s trusted maximum
 * minus the allowed disorder, the formula of Flink's bounded-out-of-orderness generator —
 * advanced per record instead of every 200 ms of processing time, so the verdicts depend only on
 * the order of the input and a replay rejects exactly the same records. Everything it lets
 * through has {@code ts ≤} that maximum, so Flink's watermark downstream (the same formula over
 * the emitted records) is never ahead of the gate's and no window drops an event the gate let
 * through: {@code too_late} is decided here, once, for every window size alike.
 *
 * <p><b>Records ahead are held, not emitted.</b> A record more than {@code time.max_jump}
 * (10 min) ahead of the trusted event time would, emitted, move the watermark downstream; it
 * is kept here instead (at most {@code time.max_held_records} records and {@code maxHeldBytes}
 * of payload per subtask; beyond, a {@code bad_value} dead letter, "… and the hold is full").
 * A held record is released:
 * <ul>
 *   <li>when event time reaches it: just before the in-line record that moves event time past
 *       its {@code ts}, in {@code ts} order, so it is never late (and, being behind that
 *       record, does not move event time further: releases never cascade);
 *   <li>when its cluster is confirmed (a jump of event time, or the start of event time): its
 *       records are judged in the order they came, as if event time had followed the jump at
 *       its first record (so a well-formed stream gets exactly the verdicts of a gate without
 *       the hold; only the first 20 records wait), and held records of clusters now behind are
 *       judged against the new event time (admitted within the allowed lateness, else
 *       {@code too_late});
 *   <li>at the end of a bounded input ({@link #endOfInput}): clusters are decided without the
 *       count threshold (if event time never started, the largest cluster starts it), then
 *       lowest first; one that outnumbers the records behind it is released as above (a sparse tail, such as feedback hours after the last request, is not lost),
 *       the records of any other are {@code bad_value} dead letters ("… and event time never
 *       reached it").
 * </ul>
 * The gate's state (event time, clusters, held records) is checkpointed by its operator:
 * {@link #snapshot} / {@link #restore}, an int format version first.
 *
 * @param <T> what is held: the raw record, so a dead letter can carry it
 */
public final class EventTimeGate<T> {
    public static final int FORMAT_VERSION = 1;

    /** Where the verdicts go, in the order they are reached. */
    public interface Verdicts<T> {
        void admit(T item, long ts);

        void reject(T item, long ts, DeadLetterReason reason, String detail);
    }

    /** Writes and reads a held item in the gate's checkpoint. */
    public interface ItemCodec<T> {
        void write(T item, DataOutputStream out) throws IOException;

        T read(DataInputStream in) throws IOException;
    }

    private static final class Held<T> {
        final long ts;
        final long seq;
        final int bytes;
        final T item;

        Held(long ts, long seq, int bytes, T item) {
            this.ts = ts;
            this.seq = seq;
            this.bytes = bytes;
            this.item = item;
        }
    }

    private static final Comparator<Held<?>> TS_ORDER =
            Comparator.<Held<?>>comparingLong(h -> h.ts).thenComparingLong(h -> h.seq);

    private final long allowedLatenessMs;
    private final Duration allowedLateness;
    private final long maxFutureMs;
    private final Duration maxFuture;
    private final Duration maxJump;
    private final int maxHeldRecords;
    private final long maxHeldBytes;
    private final TrustedEventTime time;
    private final NavigableSet<Held<T>> held = new TreeSet<>(TS_ORDER);
    private long heldBytes;

    public EventTimeGate(Duration maxOutOfOrderness, Duration allowedLateness, Duration maxFuture, Duration maxJump,
            int jumpConfirmations, int maxHeldRecords, long maxHeldBytes) {
        this.allowedLatenessMs = allowedLateness.toMillis();
        this.allowedLateness = allowedLateness;
        this.maxFutureMs = maxFuture.toMillis();
        this.maxFuture = maxFuture;
        this.maxJump = maxJump;
        this.maxHeldRecords = maxHeldRecords;
        this.maxHeldBytes = maxHeldBytes;
        this.time = new TrustedEventTime(maxOutOfOrderness.toMillis(), allowedLatenessMs, maxJump.toMillis(),
                jumpConfirmations);
    }

    /** The watermark the gate judges by, or {@code Long.MIN_VALUE} before event time started. */
    public long watermark() {
        return time.watermark();
    }

    /** The trusted maximum event time, or {@code Long.MIN_VALUE} before event time started. */
    public long maxAcceptedTs() {
        return time.trusted();
    }

    public int heldRecords() {
        return held.size();
    }

    public long heldBytes() {
        return heldBytes;
    }

    /**
     * The verdict against a watermark that comes from upstream instead of the gate's own: used
     * when the source generates watermarks per partition (Kinesis shards), where the gate's own
     * maximum would mix shards and call a lagging shard's events late. Nothing is held then (the
     * shard's generator keeps outliers from moving its watermark; their events wait in window
     * state). Returns null if the event is accepted.
     */
    public DeadLetterReason judge(long ts, long watermark, long nowMs) {
        if (farFuture(ts, watermark, nowMs)) {
            return DeadLetterReason.BAD_VALUE;
        }
        if (time.tooLate(ts, watermark)) {
            return DeadLetterReason.TOO_LATE;
        }
        return null;
    }

    private boolean farFuture(long ts, long watermark, long nowMs) {
        return ts > Math.max(nowMs, watermark) + maxFutureMs;
    }

    /** The dead-letter detail of a {@link #judge} verdict. */
    public String detail(DeadLetterReason reason, long ts, long watermarkMs) {
        if (reason == DeadLetterReason.TOO_LATE) {
            return "ts " + Instant.ofEpochMilli(ts) + " is more than " + allowedLateness.toSeconds()
                    + " s behind the watermark " + instant(watermarkMs);
        }
        return "ts " + Instant.ofEpochMilli(ts) + " is more than " + maxFuture.toHours()
                + " h ahead of the watermark " + instant(watermarkMs) + " and of the wall clock";
    }

    private static String instant(long ms) {
        return ms == Long.MIN_VALUE ? "none" : Instant.ofEpochMilli(ms).toString();
    }

    private String eventTime() {
        return time.started() ? Instant.ofEpochMilli(time.trusted()).toString() : "(none yet)";
    }

    /**
     * One record, in arrival order: its verdicts (and those of held records it releases) go to
     * {@code out}, possibly none yet if it is held. {@code nowMs} is the wall clock: nothing can
     * come from more than {@code time.max_future} ahead of both it and the watermark.
     */
    public void offer(T item, long ts, int bytes, long nowMs, Verdicts<T> out) {
        long seq = time.nextSeq();
        long watermark = time.watermark();
        if (farFuture(ts, watermark, nowMs)) {
            out.reject(item, ts, DeadLetterReason.BAD_VALUE, detail(DeadLetterReason.BAD_VALUE, ts, watermark));
            return;
        }
        place(item, ts, bytes, seq, true, out);
    }

    private void place(T item, long ts, int bytes, long seq, boolean firstTime, Verdicts<T> out) {
        if (time.inLine(ts)) {
            long watermark = time.watermark();
            if (time.tooLate(ts, watermark)) {
                out.reject(item, ts, DeadLetterReason.TOO_LATE, detail(DeadLetterReason.TOO_LATE, ts, watermark));
                return;
            }
            releaseUpTo(Math.max(ts, time.trusted()), out);
            if (firstTime) {
                time.admittedInLine(ts);
            } else {
                time.advanceTo(ts);
            }
            out.admit(item, ts);
            time.dropReached();
            return;
        }
        TrustedEventTime.Cluster cluster = firstTime ? time.vote(ts, seq) : time.revote(ts, seq);
        if (cluster == null) {
            TrustedEventTime.Cluster full = time.pressureCandidate();
            if (full != null) {
                confirm(full, out);
                place(item, ts, bytes, seq, false, out);
                return;
            }
            out.reject(item, ts, DeadLetterReason.BAD_VALUE, aheadDetail(ts) + ", and the hold is full ("
                    + TrustedEventTime.MAX_CLUSTERS + " groups of records ahead at other times wait already)");
            return;
        }
        boolean confirms = time.confirmable(cluster);
        if (!confirms && (held.size() >= maxHeldRecords || heldBytes + bytes > maxHeldBytes)) {
            // Still a vote for its cluster: a jump confirmed while the hold is full loses records, not time.
            out.reject(item, ts, DeadLetterReason.BAD_VALUE, aheadDetail(ts) + ", and the hold is full ("
                    + held.size() + " records, " + heldBytes + " bytes held)");
            return;
        }
        hold(new Held<>(ts, seq, bytes, item)); // the record that confirms its cluster only for its replay
        if (confirms) {
            confirm(cluster, out);
        }
    }

    private String aheadDetail(long ts) {
        return "ts " + Instant.ofEpochMilli(ts) + " is more than " + Durations.format(maxJump)
                + " ahead of the stream's event time " + eventTime();
    }

    private void hold(Held<T> h) {
        held.add(h);
        heldBytes += h.bytes;
    }

    private Held<T> pollFirst() {
        Held<T> h = held.pollFirst();
        heldBytes -= h.bytes;
        return h;
    }

    /** Releases, in ts order, the held records event time reaches ({@code ts ≤ upTo}). */
    private void releaseUpTo(long upTo, Verdicts<T> out) {
        while (!held.isEmpty() && held.first().ts <= upTo) {
            Held<T> h = pollFirst();
            long watermark = time.watermark();
            if (time.tooLate(h.ts, watermark)) { // only after a rescale merged two subtasks' states
                out.reject(h.item, h.ts, DeadLetterReason.TOO_LATE, detail(DeadLetterReason.TOO_LATE, h.ts, watermark));
            } else {
                time.advanceTo(h.ts);
                out.admit(h.item, h.ts);
            }
        }
    }

    /**
     * Event time follows {@code cluster}: its held records are judged in arrival order as if
     * event time had followed the jump at the first of them, then held records behind the new
     * event time are judged against it.
     */
    private void confirm(TrustedEventTime.Cluster cluster, Verdicts<T> out) {
        NavigableSet<Held<T>> range = held.subSet(new Held<>(cluster.min(), Long.MIN_VALUE, 0, null), true,
                new Held<>(cluster.max(), Long.MAX_VALUE, 0, null), true);
        List<Held<T>> members = new ArrayList<>(range);
        range.clear();
        members.sort(Comparator.comparingLong(h -> h.seq));
        boolean first = true;
        for (Held<T> h : members) {
            heldBytes -= h.bytes;
            if (first) {
                time.advanceTo(h.ts);
                first = false;
            }
            long watermark = time.watermark();
            if (time.tooLate(h.ts, watermark)) {
                out.reject(h.item, h.ts, DeadLetterReason.TOO_LATE, detail(DeadLetterReason.TOO_LATE, h.ts, watermark));
            } else {
                time.advanceTo(h.ts);
                out.admit(h.item, h.ts);
            }
        }
        time.confirm(cluster);
        releaseUpTo(time.trusted(), out);
    }

    /**
     * The bounded input ended: every held record gets its verdict now (see the class comment),
     * before the final watermark closes the windows.
     */
    public void endOfInput(Verdicts<T> out) {
        if (!time.started() && time.startCandidate() != null) {
            confirm(time.startCandidate(), out);
        }
        TrustedEventTime.Cluster cluster;
        while ((cluster = time.lowest()) != null) {
            if (time.outnumbersRecordsBehind(cluster)) {
                confirm(cluster, out);
            } else {
                NavigableSet<Held<T>> range = held.subSet(new Held<>(cluster.min(), Long.MIN_VALUE, 0, null), true,
                        new Held<>(cluster.max(), Long.MAX_VALUE, 0, null), true);
                List<Held<T>> members = new ArrayList<>(range);
                range.clear();
                members.sort(Comparator.comparingLong(h -> h.seq));
                for (Held<T> h : members) {
                    heldBytes -= h.bytes;
                    neverReached(h, out);
                }
                time.discard(cluster);
            }
        }
        // Held records outside every cluster exist only after a rescale merged states.
        releaseUpTo(time.trusted(), out);
        while (!held.isEmpty()) {
            neverReached(pollFirst(), out);
        }
    }

    private void neverReached(Held<T> h, Verdicts<T> out) {
        out.reject(h.item, h.ts, DeadLetterReason.BAD_VALUE, "ts " + Instant.ofEpochMilli(h.ts) + " was more than "
                + Durations.format(maxJump) + " ahead of the stream's event time " + eventTime()
                + " and event time never reached it");
    }

    // ---- state ----

    public void snapshot(DataOutputStream out, ItemCodec<T> codec) throws IOException {
        out.writeInt(FORMAT_VERSION);
        time.write(out);
        out.writeInt(held.size());
        for (Held<T> h : held) {
            out.writeLong(h.ts);
            out.writeLong(h.seq);
            out.writeInt(h.bytes);
            codec.write(h.item, out);
        }
    }

    /**
     * Restores a {@link #snapshot}; called once per restored entry. Several entries (a rescale
     * gave this subtask the states of several) are merged: see {@link TrustedEventTime#read}.
     */
    public void restore(DataInputStream in, ItemCodec<T> codec) throws IOException {
        int version = in.readInt();
        if (version != FORMAT_VERSION) {
            throw new IOException("event-time gate state has format version " + version + "; this build reads "
                    + FORMAT_VERSION);
        }
        long offset = time.read(in);
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            long ts = in.readLong();
            long seq = in.readLong() + offset;
            int bytes = in.readInt();
            hold(new Held<>(ts, seq, bytes, codec.read(in)));
        }
    }

    /** The state of a build before the hold: the highest accepted {@code ts} alone. */
    public void restoreMaxAcceptedTs(long maxAcceptedTs) {
        time.advanceTo(maxAcceptedTs);
    }
}
