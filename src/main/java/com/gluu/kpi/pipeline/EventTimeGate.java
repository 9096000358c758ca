package com.gluu.kpi.pipeline;

import com.gluu.kpi.events.DeadLetterReason;
import java.time.Duration;

/**
 * Decides, before any window sees an event, whether its time is acceptable (SPEC §3).
 *
 * <p>The gate keeps its own watermark — the highest accepted event time minus the allowed
 * disorder, exactly the formula of Flink's bounded-out-of-orderness generator — but advances it
 * with every record instead of every 200 ms of processing time. That makes the verdicts depend
 * only on the order of the input, so a replay rejects exactly the same records. Flink's real
 * watermark downstream is never ahead of this one, so a window never drops an event the gate let
 * through: {@code too_late} is decided here, once, for every window size alike, and an hourly
 * row always equals the sum of its minutes.
 */
public final class EventTimeGate {
    private final long maxOutOfOrdernessMs;
    private final long allowedLatenessMs;
    private final long maxFutureMs;
    private long maxAcceptedTs = Long.MIN_VALUE;

    public EventTimeGate(Duration maxOutOfOrderness, Duration allowedLateness, Duration maxFuture) {
        this.maxOutOfOrdernessMs = maxOutOfOrderness.toMillis();
        this.allowedLatenessMs = allowedLateness.toMillis();
        this.maxFutureMs = maxFuture.toMillis();
    }

    /** The watermark the gate judges by, or {@code Long.MIN_VALUE} before any event. */
    public long watermark() {
        return maxAcceptedTs == Long.MIN_VALUE ? Long.MIN_VALUE : maxAcceptedTs - maxOutOfOrdernessMs - 1;
    }

    /**
     * Returns null if the event is accepted (and advances the watermark), else the reason it is
     * rejected. {@code nowMs} is the wall clock: before the first event there is no watermark, and
     * no event can come from more than {@code maxFuture} ahead of now either.
     */
    public DeadLetterReason admit(long ts, long nowMs) {
        DeadLetterReason problem = judge(ts, watermark(), nowMs);
        if (problem == null) {
            maxAcceptedTs = Math.max(maxAcceptedTs, ts);
        }
        return problem;
    }

    /**
     * The same verdicts against a watermark that comes from upstream instead of the gate's own:
     * used when the source generates watermarks per partition (Kinesis shards), where the gate's
     * own maximum would mix shards and call a lagging shard's events late. Flink's watermark
     * downstream is again never ahead of the one judged by, so no window drops what passes.
     */
    public DeadLetterReason judge(long ts, long watermark, long nowMs) {
        long reference = Math.max(nowMs, watermark);
        if (ts > reference + maxFutureMs) {
            return DeadLetterReason.BAD_VALUE;
        }
        if (watermark != Long.MIN_VALUE && ts + allowedLatenessMs <= watermark) {
            return DeadLetterReason.TOO_LATE;
        }
        return null;
    }

    public long maxAcceptedTs() {
        return maxAcceptedTs;
    }

    public void restore(long maxAcceptedTs) {
        this.maxAcceptedTs = Math.max(this.maxAcceptedTs, maxAcceptedTs);
    }
}
