package com.gluu.kpi.ingest.kinesis;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.RawRecord;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

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
 * <p>Each generator follows the bounded-out-of-orderness formula (highest {@code ts} − disorder
 * − 1 ms) over the {@code ts} the source read ({@link RawRecord#eventTs}). It ignores records
 * whose {@code ts} it could not read and records more than {@code time.max_future} ahead of both
 * its watermark and the wall clock: the parser rejects those as bad values, and one of them must
 * not drag a shard's watermark a day ahead.
 */
public final class KinesisWatermarks {
    private KinesisWatermarks() {}

    public static WatermarkStrategy<RawRecord> perShard(JobConfig config) {
        long disorder = config.get(JobConfig.MAX_OUT_OF_ORDERNESS).toMillis();
        long maxFuture = config.get(JobConfig.MAX_FUTURE).toMillis();
        Duration idleness = config.get(JobConfig.SOURCE_IDLENESS);
        return WatermarkStrategy
                .<RawRecord>forGenerator(context -> new ShardEventTime(disorder, maxFuture, System::currentTimeMillis))
                // A record without a readable ts keeps the arrival time the connector gives it; it
                // becomes a dead letter, and events are stamped with their parsed ts after parsing.
                .withTimestampAssigner((record, arrival) -> record.eventTs != Long.MIN_VALUE ? record.eventTs : arrival)
                .withIdleness(idleness);
    }

    /** The watermark generator of one shard. */
    static final class ShardEventTime implements WatermarkGenerator<RawRecord> {
        private final long disorderMs;
        private final long maxFutureMs;
        private final LongSupplier wallClock;
        private long maxTs = Long.MIN_VALUE;

        ShardEventTime(long disorderMs, long maxFutureMs, LongSupplier wallClock) {
            this.disorderMs = disorderMs;
            this.maxFutureMs = maxFutureMs;
            this.wallClock = wallClock;
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
            maxTs = Math.max(maxTs, ts);
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            if (maxTs != Long.MIN_VALUE) {
                output.emitWatermark(new Watermark(watermark()));
            }
        }

        long watermark() {
            return maxTs == Long.MIN_VALUE ? Long.MIN_VALUE : maxTs - disorderMs - 1;
        }
    }
}
