package com.gluu.kpi.ingest.kinesis;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.RawRecord;
import com.gluu.kpi.pipeline.TrustedEventTime;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.util.clock.RelativeClock;

/**
 * Event time for a Kinesis source, per shard.
 *
 * <p>Given to {@code env.fromSource}, a strategy makes Flink run one generator per split, i.e.
 * per shard, with its own idleness timer, and a reader's watermark is the minimum over its
 * active shards. So a shard that lags in event time (a slow producer, a backlog after a restart)
 * holds the watermark back instead of seeing its events declared late because another shard on
 * the same reader ran ahead; and a shard silent for {@code time.source_idleness} stops holding
 * it back. (The file replay assigns watermarks after parsing instead, per parse subtask: one
 * file has one order.)
 *
 * <p>Each generator keeps the shard's event time with a {@link TrustedEventTime} over the
 * {@code ts} the source read ({@link RawRecord#eventTs}) — the rule of the file replay's gate,
 * so no single record moves it: a record more than {@code time.max_jump} ahead of the shard's
 * event time does not advance the watermark (highest trusted {@code ts} − disorder − 1 ms)
 * until {@code time.jump_confirmations} records agree on the jump and outnumber the records
 * behind it (a shard quiet for hours that resumes); a producer with a wrong clock mixed into a
 * shard never does. Its records are not held at the source: they pass on, are admitted by the
 * parse step (they are not late), and wait in window state until the watermark reaches their
 * windows, as any early event does.
 *
 * <p>A shard's event time starts when 20 records agree, or, on a shard slower than that, half
 * of {@code time.source_idleness} (30 s) of input activity after its first record, with its
 * largest cluster (ties: the first to arrive), as at the end of a file. Until then it holds its
 * reader's watermark back, as a shard without records would (after a restart too: watermark
 * generators are not checkpointed). Without that second way, a reader whose only other shard
 * has few records would emit no watermark at all before it went idle; and in Flink 1.20 a
 * reader idle when the job is stopped with {@code --drain} loses its final watermark and,
 * downstream, records still buffered for it (see {@code ParseEvents#endInput}). Records whose {@code ts} it could not read and records more than
 * {@code time.max_future} ahead of both its watermark and the wall clock are ignored: the
 * parser rejects those as bad values.
 */
public final class KinesisWatermarks {
    private KinesisWatermarks() {}

    public static WatermarkStrategy<RawRecord> perShard(JobConfig config) {
        long disorder = config.get(JobConfig.MAX_OUT_OF_ORDERNESS).toMillis();
        long lateness = config.get(JobConfig.ALLOWED_LATENESS).toMillis();
        long maxFuture = config.get(JobConfig.MAX_FUTURE).toMillis();
        long maxJump = config.get(JobConfig.MAX_JUMP).toMillis();
        int confirmations = config.get(JobConfig.JUMP_CONFIRMATIONS);
        Duration idleness = config.get(JobConfig.SOURCE_IDLENESS);
        long startAfter = idleness.toMillis() / 2;
        return WatermarkStrategy
                .<RawRecord>forGenerator(context -> new ShardEventTime(
                        new TrustedEventTime(disorder, lateness, maxJump, confirmations), maxFuture,
                        System::currentTimeMillis, context.getInputActivityClock(), startAfter))
                // A record without a readable ts keeps the arrival time the connector gives it; it
                // becomes a dead letter, and events are stamped with their parsed ts after parsing.
                .withTimestampAssigner((record, arrival) -> record.eventTs != Long.MIN_VALUE ? record.eventTs : arrival)
                .withIdleness(idleness);
    }

    /** The watermark generator of one shard. */
    static final class ShardEventTime implements WatermarkGenerator<RawRecord> {
        private final TrustedEventTime time;
        private final long maxFutureMs;
        private final LongSupplier wallClock;
        private final RelativeClock activity;
        private final long startAfterMs;
        /** Activity time of the first record while event time has not started, else MIN. */
        private long firstRecordAt = Long.MIN_VALUE;

        ShardEventTime(TrustedEventTime time, long maxFutureMs, LongSupplier wallClock, RelativeClock activity,
                long startAfterMs) {
            this.time = time;
            this.maxFutureMs = maxFutureMs;
            this.wallClock = wallClock;
            this.activity = activity;
            this.startAfterMs = startAfterMs;
        }

        @Override
        public void onEvent(RawRecord record, long timestamp, WatermarkOutput output) {
            long ts = record.eventTs;
            if (ts == Long.MIN_VALUE) {
                return;
            }
            if (ts > Math.max(wallClock.getAsLong(), watermark()) + maxFutureMs) {
                return;
            }
            time.observe(ts);
            if (!time.started() && firstRecordAt == Long.MIN_VALUE) {
                firstRecordAt = activity.relativeTimeMillis();
            }
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            if (!time.started() && firstRecordAt != Long.MIN_VALUE
                    && activity.relativeTimeMillis() - firstRecordAt >= startAfterMs) {
                time.startWithLargestCluster();
            }
            if (time.started()) {
                output.emitWatermark(new Watermark(watermark()));
            }
        }

        long watermark() {
            return time.watermark();
        }
    }
}
