package com.gluu.kpi.ingest.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.InputLimits;
import com.gluu.kpi.events.RawRecord;
import com.gluu.kpi.pipeline.ParseEvents;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkOutputMultiplexer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.clock.ManualClock;
import org.apache.flink.util.clock.RelativeClock;
import org.junit.jupiter.api.Test;

/**
 * Per-shard event time for the Kinesis source: the job's {@link KinesisWatermarks} strategy,
 * one generator per shard combined by Flink's own {@link WatermarkOutputMultiplexer} (what the
 * source operator does with its splits), and the parse step judging lateness against that
 * watermark. A shard's event time starts once 20 records agree (time.jump_confirmations), and
 * no single record moves it (time.max_jump, 10 min).
 */
class ShardWatermarksTest {
    private static final long MINUTE = 60_000;
    /** An hour behind the wall clock, as in a live stream. */
    private static final long T = (System.currentTimeMillis() / MINUTE - 120) * MINUTE;
    private static final JobConfig CONFIG = JobConfig.defaults(); // 30 s disorder, 60 s idleness, 5 min lateness

    /** Two shards on one reader, a manual clock for idleness, and the combined watermarks emitted. */
    private static final class Reader {
        final ManualClock clock = new ManualClock();
        final List<Long> combined = new ArrayList<>();
        final List<Boolean> idle = new ArrayList<>();
        final WatermarkOutputMultiplexer multiplexer = new WatermarkOutputMultiplexer(new WatermarkOutput() {
            @Override
            public void emitWatermark(Watermark watermark) {
                combined.add(watermark.getTimestamp());
            }

            @Override
            public void markIdle() {
                idle.add(true);
            }

            @Override
            public void markActive() {
                idle.add(false);
            }
        });
        final WatermarkStrategy<RawRecord> strategy = KinesisWatermarks.perShard(CONFIG);
        final TimestampAssigner<RawRecord> timestamps = strategy.createTimestampAssigner(null);
        final List<WatermarkGenerator<RawRecord>> shards = new ArrayList<>();

        Reader(int shardCount) {
            WatermarkGeneratorSupplier.Context context = new WatermarkGeneratorSupplier.Context() {
                @Override
                public MetricGroup getMetricGroup() {
                    return new UnregisteredMetricsGroup();
                }

                @Override
                public RelativeClock getInputActivityClock() {
                    return clock;
                }
            };
            for (int i = 0; i < shardCount; i++) {
                multiplexer.registerNewOutput("shard-" + i, watermark -> { });
                shards.add(strategy.createWatermarkGenerator(context));
            }
        }

        /** Returns the timestamp the source gives the record. */
        long read(int shard, RawRecord record) {
            long ts = timestamps.extractTimestamp(record, 1_000L);
            shards.get(shard).onEvent(record, ts, multiplexer.getDeferredOutput("shard-" + shard));
            return ts;
        }

        /** Lets {@code ms} pass in 200 ms steps, emitting periodically like the source operator. */
        void pass(long ms) {
            for (long t = 0; t < ms; t += 200) {
                clock.advanceTime(Duration.ofMillis(200));
                for (int i = 0; i < shards.size(); i++) {
                    shards.get(i).onPeriodicEmit(multiplexer.getDeferredOutput("shard-" + i));
                }
                multiplexer.onPeriodicEmit();
            }
        }

        long last() {
            return combined.get(combined.size() - 1);
        }
    }

    /** Twenty records a second apart up to {@code last}: the shard's event time starts at {@code last}. */
    private static void start(Reader reader, int shard, long last) {
        for (int i = 19; i >= 0; i--) {
            reader.read(shard, record(last - i * 1_000L));
        }
    }

    private static RawRecord record(long ts) {
        RawRecord r = RawRecord.of("events/shardId-0", "1", new byte[0]);
        r.eventTs = ts;
        return r;
    }

    @Test
    void readerWatermarkIsTheMinimumOverItsShardsSoALaggingShardHoldsItBack() {
        Reader reader = new Reader(2);
        start(reader, 0, T + 60 * MINUTE);
        start(reader, 1, T);
        reader.pass(200);
        // T − 30 s − 1 ms: the lagging shard's bound, not the leading shard's.
        assertThat(reader.last()).isEqualTo(T - 30_000 - 1);
    }

    @Test
    void aShardSilentForTheIdlenessTimeoutNoLongerHoldsTheWatermarkBack() {
        Reader reader = new Reader(2);
        start(reader, 0, T);
        start(reader, 1, T);
        reader.pass(1_000);
        assertThat(reader.last()).isEqualTo(T - 30_001);
        // Shard 0 goes on for two minutes of wall time; shard 1 stays silent.
        for (int s = 1; s <= 120; s++) {
            reader.read(0, record(T + s * 1_000L));
            reader.pass(1_000);
        }
        // Flink's idleness timer starts at the first silent probe and fires after more than 60 s:
        // from then on the watermark follows shard 0 alone.
        assertThat(reader.last()).isEqualTo(T + 120_000 - 30_001);
        // A record on shard 1 makes it active again; its bound is behind, and Flink never moves a
        // watermark back: the combined one stays until shard 1 catches up.
        reader.read(1, record(T + 10_000));
        reader.pass(200);
        assertThat(reader.combined).doesNotHaveDuplicates().isSorted();
        assertThat(reader.last()).isEqualTo(T + 120_000 - 30_001);
        reader.read(0, record(T + 200_000));
        reader.pass(200);
        assertThat(reader.last()).as("shard 1 holds it back again").isEqualTo(T + 120_000 - 30_001);
        reader.read(1, record(T + 180_000));
        reader.pass(200);
        assertThat(reader.last()).isEqualTo(T + 180_000 - 30_001);
    }

    @Test
    void recordsWithoutAReadableTsOrFarInTheFutureDoNotMoveTheWatermark() {
        Reader reader = new Reader(1);
        start(reader, 0, T);
        long stamped = reader.read(0, record(Long.MIN_VALUE));
        reader.read(0, record(System.currentTimeMillis() + Duration.ofDays(3).toMillis()));
        reader.pass(200);
        assertThat(reader.last()).isEqualTo(T - 30_001);
        assertThat(stamped).as("a record without ts keeps the connector's arrival time").isEqualTo(1_000L);
        // Within 24 h ahead of the wall clock is a legitimate (if odd) event time: one record does
        // not move the watermark, twenty that agree (and nothing behind them) do.
        long odd = System.currentTimeMillis() + Duration.ofHours(23).toMillis();
        reader.read(0, record(odd));
        reader.pass(200);
        assertThat(reader.last()).isEqualTo(T - 30_001);
        for (int i = 1; i < 20; i++) {
            reader.read(0, record(odd + i));
        }
        reader.pass(200);
        assertThat(reader.last()).isEqualTo(odd + 19 - 30_001);
    }

    @Test
    void noShardWatermarkBeforeTwentyRecordsStartItsEventTime() {
        Reader reader = new Reader(1);
        for (int i = 0; i < 19; i++) {
            reader.read(0, record(T + i * 1_000L));
        }
        reader.pass(200);
        assertThat(reader.combined).isEmpty();
        reader.read(0, record(T + 19_000));
        reader.pass(200);
        assertThat(reader.last()).isEqualTo(T + 19_000 - 30_001);
    }

    @Test
    void aShardWithFewerThanTwentyRecordsStartsItsEventTimeHalfAnIdlenessTimeoutAfterTheFirst() {
        Reader reader = new Reader(1);
        reader.read(0, record(T));
        reader.read(0, record(T + 3 * 60 * MINUTE)); // an outlier, outnumbered
        reader.read(0, record(T + 2_000));
        reader.pass(29_800);
        assertThat(reader.combined).as("29.8 s after the first record").isEmpty();
        reader.pass(200);
        assertThat(reader.combined).as("30 s: the largest cluster starts it").containsExactly(T + 2_000 - 30_001);
    }

    @Test
    void aFirstRecordHoursAheadDoesNotDecideWhereTheShardsEventTimeStarts() {
        Reader reader = new Reader(1);
        reader.read(0, record(T + 3 * 60 * MINUTE));
        start(reader, 0, T + 19_000);
        reader.pass(200);
        assertThat(reader.combined).containsExactly(T + 19_000 - 30_001);
    }

    @Test
    void aProducerWithAWrongClockSendingFivePercentOfAShardsRecordsThreeHoursAheadNeverMovesItsWatermark() {
        Reader reader = new Reader(1);
        long honestMax = Long.MIN_VALUE;
        for (int n = 0; n < 2_000; n++) {
            long clock = T + n * 1_000L;
            if (n % 20 == 19) {
                reader.read(0, record(clock + 3 * 60 * MINUTE));
            } else {
                reader.read(0, record(clock));
                honestMax = clock;
            }
            reader.pass(200);
            if (!reader.combined.isEmpty()) {
                assertThat(reader.last()).isEqualTo(honestMax - 30_001);
            }
        }
        assertThat(reader.combined).isNotEmpty();
    }

    @Test
    void aShardQuietForHoursFollowsTheJumpOnceTwentyRecordsAgree() {
        Reader reader = new Reader(1);
        start(reader, 0, T);
        long resumed = T + 2 * 60 * MINUTE;
        for (int i = 0; i < 19; i++) {
            reader.read(0, record(resumed + i * 1_000L));
        }
        reader.pass(200);
        assertThat(reader.last()).isEqualTo(T - 30_001);
        reader.read(0, record(resumed + 19_000));
        reader.pass(200);
        assertThat(reader.last()).isEqualTo(resumed + 19_000 - 30_001);
    }

    @Test
    void eventsOfALaggingShardAreNotLateAgainstTheSourceWatermarkButWouldBeAgainstOneMaximum() throws Exception {
        // One parse subtask reads shard A, an hour ahead, and shard B, which lags: the source's
        // watermark (the minimum) is B's bound.
        RawRecord ahead = event("a-1", T + 60 * MINUTE, "events/shardId-A");
        RawRecord lagging = event("b-1", T, "events/shardId-B");
        try (var parse = harness(ParseEvents.withSourceWatermarks(Duration.ofSeconds(30), Duration.ofMinutes(5),
                Duration.ofHours(24)))) {
            parse.processWatermark(T - 30_001);
            parse.processElement(ahead, ahead.eventTs);
            parse.processElement(lagging, lagging.eventTs);
            assertThat(parse.extractOutputValues()).extracting(e -> e.eventId).containsExactly("a-1", "b-1");
            assertThat(parse.getSideOutput(ParseEvents.DEAD_LETTERS)).isNull();
            // Against the watermark, lateness still applies: B's bound − 5 min is too late.
            RawRecord old = event("b-0", T - 30_001 - 5 * MINUTE, "events/shardId-B");
            parse.processElement(old, old.eventTs);
            assertThat(parse.getSideOutput(ParseEvents.DEAD_LETTERS)).extracting(r -> r.getValue().reason)
                    .containsExactly("too_late");
        }
        // The file replay's gate (one event time per subtask, started here by the first record at
        // the end of the input) would call B's event an hour late.
        try (var parse = harness(new ParseEvents(Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofHours(24)))) {
            parse.processElement(ahead, ahead.eventTs);
            parse.processElement(lagging, lagging.eventTs);
            parse.processWatermark(Long.MAX_VALUE);
            assertThat(parse.getSideOutput(ParseEvents.DEAD_LETTERS)).extracting(r -> r.getValue().reason)
                    .containsExactly("too_late");
        }
    }

    /**
     * Only a record the parser accepts gives the watermark its ts: a rejected one stamped ahead
     * (here: a task without a state, 10 minutes ahead) must not move its shard's event time, or
     * good events behind it would be too late depending on read speed (the file replay counts
     * accepted events only).
     */
    @Test
    void theSchemaGivesTheWatermarkTheTsOfAcceptedRecordsOnly() {
        KinesisRecordSchema schema = new KinesisRecordSchema(InputLimits.from(com.gluu.kpi.config.JobConfig.defaults()));
        String task = "{\"event_id\":\"x\",\"type\":\"task\",\"task_id\":\"t\",\"service\":\"s\",";
        assertThat(schemaTs(schema, task + "\"nested\":{\"ts\":1},\"state\":\"RUNNING\",\"ts\":1795300000000}"))
                .isEqualTo(1795300000000L);
        assertThat(schemaTs(schema, task + "\"state\":\"RUNNING\",\"ts\":\"2026-11-22T05:38:08.123+02:00\"}"))
                .isEqualTo(1795318688123L) /* 03:38:08.123Z, by python's datetime */;
        assertThat(schemaTs(schema, task + "\"ts\":1795300600000}")).as("no state: rejected").isEqualTo(Long.MIN_VALUE);
        assertThat(schemaTs(schema, task + "\"state\":\"RUNNING\",\"ts\":\"yesterday\"}")).isEqualTo(Long.MIN_VALUE);
        assertThat(schemaTs(schema, task + "\"state\":\"RUNNING\",\"ts\":1.5}")).isEqualTo(Long.MIN_VALUE);
        assertThat(schemaTs(schema, "[1]")).isEqualTo(Long.MIN_VALUE);
        assertThat(schemaTs(schema, "{\"ts\":")).isEqualTo(Long.MIN_VALUE);
    }

    private static long schemaTs(KinesisRecordSchema schema, String json) {
        List<RawRecord> out = new java.util.ArrayList<>();
        schema.deserialize(org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.Record.builder()
                        .data(org.apache.flink.kinesis.shaded.software.amazon.awssdk.core.SdkBytes.fromByteArray(bytes(json)))
                        .sequenceNumber("1").partitionKey("p").build(),
                "arn:aws:kinesis:us-east-1:000000000000:stream/events", "shardId-000000000000",
                new org.apache.flink.api.common.functions.util.ListCollector<>(out));
        assertThat(out).hasSize(1);
        return out.get(0).eventTs;
    }

    private static OneInputStreamOperatorTestHarness<RawRecord, Event> harness(ParseEvents parse) throws Exception {
        var harness = new OneInputStreamOperatorTestHarness<>(parse);
        harness.open();
        return harness;
    }

    private static RawRecord event(String id, long ts, String shard) {
        String json = "{\"event_id\":\"" + id + "\",\"type\":\"task\",\"ts\":" + ts
                + ",\"task_id\":\"t\",\"service\":\"analyze-api\",\"state\":\"RUNNING\"}";
        RawRecord r = RawRecord.of(shard, "4959", bytes(json));
        r.eventTs = ts;
        return r;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
