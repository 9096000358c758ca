package com.gluu.kpi.ingest.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.pipeline.JobCounts;
import com.gluu.kpi.pipeline.KpiPipeline;
import com.gluu.kpi.sinks.PostgresSinks;
import com.gluu.kpi.sinks.SinkOptions;
import com.gluu.kpi.testing.ExpectedKpis;
import com.gluu.kpi.testing.GeneratedTrace;
import com.gluu.kpi.testing.HostileRecords;
import com.gluu.kpi.testing.KinesisStandIn;
import com.gluu.kpi.testing.KplRecords;
import com.gluu.kpi.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntUnaryOperator;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * The job reading a real Kinesis wire protocol (kinesalite, started by the test on 127.0.0.1)
 * must give exactly the rows of the same events replayed from a file, in every KPI table and in
 * kpi.alerts, and read every record once: its records-read and duplicate counts must equal those
 * worked out from what the test put on the stream (the generator's labels, not the job's output).
 * Each stream is generated: plain, gzip and KPL-aggregated records, bad records of every kind and
 * three corrupt ones, over 4 shards.
 *
 * <ul>
 *   <li>One shard goes quiet after its first few records: per-shard idleness lets windows fire
 *       while the job still runs (its reader's watermark, the minimum over its shards, would stay
 *       at the quiet shard's first minutes without it).
 *   <li>A job stopped with a savepoint (no drain) while records are still coming, more records
 *       put while it is down, and a new job from the savepoint: it goes on from the stored shard
 *       positions (a record read twice or skipped changes the counts, whatever dedup hides).
 *   <li>A shard split and two shards merged while the job runs, records going on into the child
 *       shards: the source finds the children and nothing is lost or read twice.
 * </ul>
 *
 * Each job ends with a stop-with-savepoint and drain, which like the end of a file fires every window.
 */
class KinesisSourceITCase {
    private static final Configuration CLUSTER = new Configuration();

    static {
        // Running jobs report their accumulators with each heartbeat: fast ones, to see progress.
        CLUSTER.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofMillis(500));
    }

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(CLUSTER).setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final int SHARDS = 4;
    private static final int QUIET_SHARD = 3;
    private static final long MINUTE = 60_000L;
    private static final List<String> TABLES = List.of("latency", "traffic", "accuracy", "cost", "endpoint_health",
            "alerts", "alert_evidence");
    /** Hash keys per shard of a stream created with {@value #SHARDS} shards: even quarters of 2^128. */
    private static final BigInteger SHARD_WIDTH = BigInteger.TWO.pow(128).divide(BigInteger.valueOf(SHARDS));
    /** Where shard 0 is split: shard 4 takes its lower half, shard 5 its upper half. */
    private static final BigInteger SPLIT_AT = SHARD_WIDTH.divide(BigInteger.TWO);

    static TestDatabase db;
    static KinesisStandIn kinesis;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        kinesis = KinesisStandIn.start(); // skips the class without Node.js
        KinesisStandIn.useDummyCredentials();
        db = TestDatabase.startMigrated();
    }

    @AfterAll
    static void stop() throws Exception {
        if (db != null) {
            db.close();
        }
        if (kinesis != null) {
            kinesis.close();
        }
    }

    /** One record for the stream: its bytes, which of the first 4 shards it is meant for, how many raw records it holds. */
    record Put(byte[] data, int slot, int raw) {}

    /** What goes into the stream, the same events as lines of a file, and what the job must count. */
    static final class Input {
        final List<Put> records = new ArrayList<>();
        final ByteArrayOutputStream file = new ByteArrayOutputStream();
        int fileLines;
        /** Raw records the job reads from the stream: file lines plus the Kinesis-only corrupt ones. */
        int rawRecords;
        int corrupt;
        /** Dead letters of the file lines by reason and duplicates, from the generator's labels. */
        final Map<String, Long> deadLetters = new TreeMap<>();
        int duplicates;

        void line(byte[] bytes, String deadLetterReason) {
            file.writeBytes(bytes);
            file.write('\n');
            fileLines++;
            rawRecords++;
            if (deadLetterReason != null) {
                deadLetters.merge(deadLetterReason, 1L, Long::sum);
            }
        }

        void put(byte[] data, int slot, int raw) {
            records.add(new Put(data, slot, raw));
        }

        /** Raw records in records {@code [from, to)}. */
        long raw(int from, int to) {
            return records.subList(from, to).stream().mapToLong(Put::raw).sum();
        }
    }

    @Test
    void kinesisGivesTheRowsOfTheSameEventsReplayedFromAFile(@InjectMiniCluster MiniCluster cluster) throws Exception {
        String stream = "gluu-events";
        Input input = input(11, 3_000, true, true);
        // Long enough that a shard is not declared idle while its backlog is still being fetched
        // (its events would then be late), short enough to see the quiet shard go idle quickly.
        JobConfig config = config(stream, "5s");
        Reference file = replay(input, config, "same-events");
        assertThat(file.tables.get("traffic")).as("the file gives KPI rows").hasSizeGreaterThan(100);
        assertThat(file.tables.get("alerts")).as("the events fire alerts").isNotEmpty();
        assertThat(file.deadLetters).containsKeys("malformed_json", "missing_field", "bad_value", "too_large",
                "invalid_utf8", "wrong_type", "unknown_type");

        createStream(stream);
        IntUnaryOperator slots = i -> input.records.get(i).slot;
        put(stream, input, 0, input.records.size(), slots);
        JobClient job = start(config, null);
        awaitRecordsRead(job, input.rawRecords);
        // Windows fire while the job runs although one shard has been silent all along.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (count("kpi.traffic") == 0) {
            if (System.nanoTime() > deadline) {
                job.cancel().get();
                throw new AssertionError("no window written within 60 s while the job runs");
            }
            Thread.sleep(200);
        }
        JobCounts counts = stopWithDrain(job, cluster);

        assertSameRows(file, input, stream, "[0-3]");
        assertThat(counts.records).isEqualTo(input.rawRecords);
        assertThat(counts.duplicates).isEqualTo(input.duplicates);
    }

    /**
     * Issue 14 item 5, first half. Half the records are on the stream when the first job starts;
     * once it has read them the next fifth is put and the job is at once stopped with a savepoint
     * (no drain), so the readers stop wherever they are in it and windows are left open. The rest
     * goes in while no job runs; a new job starts from the savepoint (with TRIM_HORIZON as its
     * start position, so a source that ignored the stored positions would read everything again)
     * and is stopped with drain at the end.
     *
     * <p>Read twice or skipped cannot hide behind dedup here: the records-read count is kept in
     * the job's state, so the restored job (which must say it restored that savepoint) goes on from
     * the first job's count, and at the end it must be exactly the raw records put: a record read
     * twice adds one, a record skipped leaves the job waiting short of the total. The duplicates
     * must be the trace's own (a record read again after a restore meets its own id in the
     * restored dedup state).
     */
    @Test
    void aJobRestoredFromASavepointReadsOnFromTheStoredShardPositions(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        long began = System.nanoTime();
        Run run = steadyRun("gluu-restore", 12);
        Input input = run.input;
        int n = input.records.size();
        int half = n / 2;
        int more = n * 7 / 10;
        IntUnaryOperator slots = i -> input.records.get(i).slot;

        createStream(run.stream);
        put(run.stream, input, 0, half, slots);
        JobClient first = start(run.config, null);
        awaitRecordsRead(first, input.raw(0, half));
        put(run.stream, input, half, more, slots);
        String savepoint = first.stopWithSavepoint(false, tmp.resolve("savepoints").toUri().toString(),
                SavepointFormatType.CANONICAL).get();
        JobCounts before = JobCounts.of(first.getJobExecutionResult().get());
        put(run.stream, input, more, n, slots);

        JobClient second = start(run.config, savepoint);
        awaitRecordsRead(second, input.rawRecords);
        JobCounts after = stopWithDrain(second, cluster);
        RestoredCheckpointStats restored = cluster.getArchivedExecutionGraph(second.getJobID()).get()
                .getCheckpointStatsSnapshot().getLatestRestoredCheckpoint();
        System.out.printf("KinesisSourceITCase restore: %,d records (%,d raw) over %d shards; first job read %,d of the"
                        + " %,d raw records put, stopped with savepoint %s; the restored job read %,d more, %,d in all"
                        + " (%,d duplicates, %,d dead letters); %.1f s%n",
                n, input.rawRecords, SHARDS, before.records, input.raw(0, more), savepoint, after.records - before.records,
                after.records, after.duplicates, after.deadLetters, (System.nanoTime() - began) / 1e9);

        assertThat(restored).as("the second job restored a savepoint").isNotNull();
        assertThat(restored.getExternalPath()).as("the savepoint it restored").isEqualTo(savepoint);
        assertThat(before.records).as("the first job read the first half, and at most what was put before its stop")
                .isBetween(input.raw(0, half), input.raw(0, more));
        assertThat(after.records).as("raw records read by both jobs together").isEqualTo(input.rawRecords);
        assertThat(after.duplicates).as("duplicates: the trace's own").isEqualTo(input.duplicates);
        assertSameRows(run.file, input, run.stream, "[0-3]");
    }

    /**
     * Issue 14 item 5, second half. While the job reads the first 45 % of the records from 4
     * shards, shard 0 is split in two (children 4 and 5) and shards 2 and 3 are merged (child 6);
     * the rest goes round-robin to the open shards 1, 4, 5 and 6 by explicit hash key (Kinesis
     * says which shard took each record, and the test checks it).
     *
     * <p>What the connector guarantees, and why the test is deterministic anyway: the job uses the
     * FLIP-27 {@code KinesisStreamsSource} of connector 4.3.0, whose enumerator assigns a shard
     * found by its periodic {@code ListShards} (every {@code kinesis.shard_discovery_interval})
     * at once, from TRIM_HORIZON, whether its parents are finished or not; the legacy
     * {@code FlinkKinesisConsumer} of the same jar does not wait for parents either (its fetcher
     * only carries the parent ids in its shard metadata). Parent-before-child assignment came to
     * the FLIP-27 source with FLINK-32218, in the 5.0 line. Reading a child alongside a parent that
     * still has records does not make events late here: Flink 1.20 creates a split's watermark
     * output when the split is assigned, so every shard a reader has holds its watermark back
     * until that shard's own event time moves (a parent behind its children holds it at the
     * parent's). What could make events late is the time between a reshard and the discovery of
     * the children, while the other shards' event time goes on: the children's first records
     * would then be judged against a watermark that moved without them. So the first record of
     * each child goes in alone, and the rest only once the job has read those three (the children
     * are assigned then). Idleness is longer than the test, so no shard stops holding the
     * watermark back.
     */
    @Test
    void aShardSplitAndAMergeWhileTheJobRunsLoseAndDoubleCountNothing(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        long began = System.nanoTime();
        Run run = steadyRun("gluu-reshard", 13);
        Input input = run.input;
        int n = input.records.size();
        int beforeReshard = n * 45 / 100;
        int[] openAfter = {4, 5, 6, 1};
        IntUnaryOperator route = i -> i < beforeReshard ? input.records.get(i).slot
                : openAfter[(i - beforeReshard) % openAfter.length];

        createStream(run.stream);
        JobClient job = start(run.config, null);
        put(run.stream, input, 0, beforeReshard, route);
        awaitRecordsRead(job, 1);
        long readAtReshard = recordsRead(job);
        reshard(run.stream);
        put(run.stream, input, beforeReshard, beforeReshard + 3, route); // one record into each child
        awaitRecordsRead(job, input.raw(0, beforeReshard + 3));
        put(run.stream, input, beforeReshard + 3, n, route);
        awaitRecordsRead(job, input.rawRecords);
        JobCounts counts = stopWithDrain(job, cluster);
        TreeSet<String> shardsWithDeadLetters = new TreeSet<>();
        for (Map<String, Object> r : db.rows("SELECT id FROM kpi.dead_letters")) {
            String id = (String) r.get("id");
            shardsWithDeadLetters.add(id.substring(id.indexOf('/') + 1, id.indexOf(':')));
        }
        System.out.printf("KinesisSourceITCase reshard: %,d records (%,d raw), %,d on shards 0-3 before shard 0 was"
                        + " split (4, 5) and 2 and 3 merged (6) (the job had reported %,d read then), %,d after on"
                        + " 1, 4, 5, 6; read %,d (%,d duplicates, %,d dead letters, from shards %s); %.1f s%n",
                n, input.rawRecords, beforeReshard, readAtReshard, n - beforeReshard, counts.records, counts.duplicates,
                counts.deadLetters, shardsWithDeadLetters, (System.nanoTime() - began) / 1e9);

        assertThat(counts.records).as("raw records read").isEqualTo(input.rawRecords);
        assertThat(counts.duplicates).as("duplicates: the trace's own").isEqualTo(input.duplicates);
        assertThat(shardsWithDeadLetters).as("records were read from every shard, parents and children")
                .containsExactly(shardId(0), shardId(1), shardId(2), shardId(3), shardId(4), shardId(5), shardId(6));
        assertSameRows(run.file, input, run.stream, "[0-6]");
    }

    /** A stream, the generated hour that goes into it, the job config, and the same events replayed from a file. */
    record Run(String stream, Input input, JobConfig config, Reference file) {}

    /**
     * A run on {@code stream} of the hour generated with {@code seed} over the 4 shards in turn,
     * none quiet: idleness is longer than the test, so no shard stops holding the watermark back
     * and no event's verdict depends on how fast each shard is read.
     */
    private static Run steadyRun(String stream, long seed) throws Exception {
        Input input = input(seed, 2_000, false, false);
        JobConfig config = config(stream, "60s");
        return new Run(stream, input, config, replay(input, config, stream));
    }

    /** The job config for {@code stream}: read from TRIM_HORIZON, find new shards every second, no checkpoints. */
    private static JobConfig config(String stream, String idleness) {
        return JobConfig.defaults().with(Map.of(
                "time.source_idleness", idleness,
                "job.checkpoint_interval", "0s",
                "kinesis.stream", stream,
                "kinesis.region", KinesisStandIn.REGION,
                "kinesis.initial_position", "TRIM_HORIZON",
                "kinesis.shard_discovery_interval", "1s"));
    }

    /** What the same events replayed from a file gave: counts, every row, dead letters by reason. */
    record Reference(JobCounts counts, Map<String, List<String>> tables, Map<String, Long> deadLetters) {}

    /** Replays the input's file into the (emptied) kpi tables, checks its counts, and empties them again. */
    private static Reference replay(Input input, JobConfig config, String name) throws Exception {
        Path file = tmp.resolve(name + ".jsonl");
        Files.write(file, input.file.toByteArray());
        db.truncateKpiTables();
        JobCounts counts = JobCounts.of(KpiJob.replayFile(config, file, db.jdbc()));
        Reference reference = new Reference(counts, db.tablesAsJson(TABLES), deadLettersByReason());
        db.truncateKpiTables();
        assertThat(counts.records).isEqualTo(input.fileLines);
        assertThat(counts.duplicates).isEqualTo(input.duplicates);
        assertThat(reference.deadLetters).as("the file's dead letters: the generator's labels").isEqualTo(input.deadLetters);
        return reference;
    }

    /**
     * The generated hour of {@code inferences} (seed {@code seed}) without the records that are
     * too late in file order (how late they are on a stream depends on how fast each shard is
     * read) and without the file's over-1 MiB records (Kinesis refuses them; a gzip record that
     * inflates past 1 MiB stands in). With {@code quiet}, shards 0–2 take turns and the quiet
     * shard gets the first five records only; else the 4 shards take turns. Every 40th record is
     * gzip, every 97th starts a KPL aggregate of the next 4, and three corrupt records are added.
     * With {@code hostile}, the hostile records of issue 11 are mixed in. Their {@code ts} lies
     * anywhere in the hour, and a shard's watermark generator takes the {@code ts} of a record the
     * parser will reject (the file replay's gate does not): one up to {@code time.max_jump} ahead
     * of its shard moves that shard's event time, so whether the records after it are late
     * depends on how fast the other shard of its reader is read. Only the first test has them.
     */
    private static Input input(long seed, int inferences, boolean quiet, boolean hostile) {
        long start = Instant.parse("2026-11-21T21:00:00Z").toEpochMilli();
        GeneratedTrace trace = GeneratedTrace.generate(seed, Instant.ofEpochMilli(start), 1, inferences);
        ExpectedKpis expected = ExpectedKpis.of(trace, new long[] {MINUTE, 60 * MINUTE}, 30_000, 5 * MINUTE, 10 * MINUTE);
        List<byte[]> lines = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (GeneratedTrace.Line line : trace.lines) {
            String reason = expected.deadLetters.get(line.number);
            if (!"too_late".equals(reason) && !"too_large".equals(reason)) {
                lines.add(line.bytes);
                reasons.add(reason);
            }
        }
        // Hostile records (issue 11) whose verdict does not depend on how fast each shard is read:
        // NUL and lone surrogates, keys of thousands of characters, absurd numbers and times. Once
        // they made the job restart in a loop (Postgres refused the text); now they are dead letters.
        Random place = new Random(5);
        for (HostileRecords.Hostile h : HostileRecords.generate(3, start, start + 60 * MINUTE, 1_000)) {
            if (hostile && h.place == HostileRecords.Place.ANY && !"too_large".equals(h.reason)) {
                int at = 5 + place.nextInt(lines.size() - 5);
                lines.add(at, h.line);
                reasons.add(at, h.reason);
            }
        }
        Input input = new Input();
        input.duplicates = expected.duplicates;
        int i = 0;
        while (i < lines.size()) {
            int shard = !quiet ? i % SHARDS : i < 5 ? QUIET_SHARD : i % 3;
            if (i >= 5 && i % 97 == 0 && i + 4 <= lines.size()) {
                for (int k = i; k < i + 4; k++) {
                    input.line(lines.get(k), reasons.get(k));
                }
                input.put(KplRecords.aggregate("agg-" + i, lines.subList(i, i + 4)), shard, 4);
                i += 4;
                continue;
            }
            byte[] line = lines.get(i);
            input.line(line, reasons.get(i));
            input.put(i % 40 == 0 ? KplRecords.gzip(line) : line, shard, 1);
            i++;
        }
        // A gzip record inflating past 1 MiB: too_large, as the same line in the file.
        byte[] huge = ("{\"event_id\":\"huge\",\"type\":\"inference\",\"ts\":1795288000000,\"pad\":\""
                + "x".repeat(1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        input.line(huge, "too_large");
        input.put(KplRecords.gzip(huge), 1, 1);
        // Kinesis-only corruption: bad_encoding.
        byte[] gzip = KplRecords.gzip(lines.get(7));
        input.put(Arrays.copyOf(gzip, gzip.length / 2), 0, 1);
        byte[] aggregate = KplRecords.aggregate("bad", List.of(lines.get(8), lines.get(9)));
        byte[] badMd5 = aggregate.clone();
        badMd5[badMd5.length - 1] ^= 1;
        input.put(badMd5, 1, 1);
        input.put(Arrays.copyOf(aggregate, aggregate.length - 20), 2, 1);
        input.corrupt = 3;
        input.rawRecords += 3;
        return input;
    }

    private static void createStream(String stream) throws InterruptedException {
        try (KinesisClient client = kinesis.client()) {
            client.createStream(r -> r.streamName(stream).shardCount(SHARDS));
            awaitActive(client, stream);
        }
    }

    /** Splits shard 0 at half its range (children 4 and 5) and merges shards 2 and 3 (child 6), as Kinesis would. */
    private static void reshard(String stream) throws InterruptedException {
        try (KinesisClient client = kinesis.client()) {
            client.splitShard(r -> r.streamName(stream).shardToSplit(shardId(0)).newStartingHashKey(SPLIT_AT.toString()));
            awaitActive(client, stream);
            client.mergeShards(r -> r.streamName(stream).shardToMerge(shardId(2)).adjacentShardToMerge(shardId(3)));
            awaitActive(client, stream);
            List<String> lineage = new ArrayList<>();
            for (Shard shard : client.listShards(r -> r.streamName(stream)).shards()) {
                lineage.add(shard.shardId() + " <- " + shard.parentShardId() + "," + shard.adjacentParentShardId()
                        + (shard.sequenceNumberRange().endingSequenceNumber() == null ? " open" : " closed"));
            }
            assertThat(lineage).containsExactly(
                    shardId(0) + " <- null,null closed", shardId(1) + " <- null,null open",
                    shardId(2) + " <- null,null closed", shardId(3) + " <- null,null closed",
                    shardId(4) + " <- " + shardId(0) + ",null open", shardId(5) + " <- " + shardId(0) + ",null open",
                    shardId(6) + " <- " + shardId(2) + "," + shardId(3) + " open");
        }
    }

    private static void awaitActive(KinesisClient client, String stream) throws InterruptedException {
        while (client.describeStreamSummary(r -> r.streamName(stream)).streamDescriptionSummary().streamStatus()
                != StreamStatus.ACTIVE) {
            Thread.sleep(100);
        }
    }

    /**
     * Puts records {@code [from, to)} in order, so each shard holds its records in file order,
     * record {@code i} into shard {@code shardOf(i)} by explicit hash key; checks that Kinesis put
     * each where it was meant to go.
     */
    private static void put(String stream, Input input, int from, int to, IntUnaryOperator shardOf) {
        try (KinesisClient client = kinesis.client()) {
            for (int first = from; first < to; ) {
                List<PutRecordsRequestEntry> batch = new ArrayList<>();
                List<String> meantFor = new ArrayList<>();
                long bytes = 0;
                int i = first;
                while (i < to && batch.size() < 500 && bytes + input.records.get(i).data.length < 4_000_000) {
                    byte[] data = input.records.get(i).data;
                    bytes += data.length;
                    batch.add(PutRecordsRequestEntry.builder().data(SdkBytes.fromByteArray(data)).partitionKey("p" + i)
                            .explicitHashKey(hashKey(shardOf.applyAsInt(i))).build());
                    meantFor.add(shardId(shardOf.applyAsInt(i)));
                    i++;
                }
                PutRecordsResponse response = client.putRecords(r -> r.streamName(stream).records(batch));
                assertThat(response.failedRecordCount()).isZero();
                assertThat(response.records().stream().map(r -> r.shardId()).toList()).isEqualTo(meantFor);
                first = i;
            }
        }
    }

    /** The Kinesis job into the test database, restored from {@code savepoint} unless it is null. */
    private static JobClient start(JobConfig config, String savepoint) throws Exception {
        StreamExecutionEnvironment env = KpiJob.environment(config);
        KinesisSettings settings = KinesisSettings.resolve(config, Map.of("AWS_ENDPOINT_URL", kinesis.endpoint()));
        assertThat(settings.streamArn).isEqualTo("arn:aws:kinesis:us-east-1:000000000000:stream/"
                + config.get(JobConfig.KINESIS_STREAM));
        KpiPipeline.build(env, settings.source(com.gluu.kpi.events.InputLimits.from(config)), KinesisWatermarks.perShard(config),
                new PostgresSinks(db.jdbc(), SinkOptions.from(config)), config);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(config.get(JobConfig.JOB_NAME));
        if (savepoint != null) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        }
        return env.executeAsync(graph);
    }

    /** Waits up to 60 s until the job's records-read count reaches {@code records}; cancels the job if it does not. */
    private static void awaitRecordsRead(JobClient job, long records) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long read;
        while ((read = recordsRead(job)) < records) {
            if (System.nanoTime() > deadline) {
                JobStatus status = job.getJobStatus().get();
                job.cancel().get();
                throw new AssertionError(String.format("%d records read within 60 s; read %d, job %s", records, read,
                        status));
            }
            Thread.sleep(200);
        }
    }

    /** Stops the job with a savepoint and drain (every window fires) and returns its counts; it must never have restarted. */
    private static JobCounts stopWithDrain(JobClient job, MiniCluster cluster) throws Exception {
        job.stopWithSavepoint(true, tmp.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL).get();
        JobCounts counts = JobCounts.of(job.getJobExecutionResult().get());
        assertThat(cluster.getArchivedExecutionGraph(job.getJobID()).get().getStatusTimestamp(JobStatus.RESTARTING))
                .as("the job never restarted").isZero();
        return counts;
    }

    /**
     * The dead letters are the file's plus the corrupt records, with ids naming the stream's
     * shards ({@code shards}: a regex character class), and every table's rows are the file's.
     */
    private static void assertSameRows(Reference file, Input input, String stream, String shards) throws Exception {
        Map<String, Long> expectedDeadLetters = new TreeMap<>(file.deadLetters);
        expectedDeadLetters.put("bad_encoding", (long) input.corrupt);
        assertThat(deadLettersByReason()).as("dead letters by reason (too_late ones by shard: %s)", db.rows(
                "SELECT split_part(split_part(id, '/', 2), ':', 1) AS shard, count(*) AS n, min(event_ts) AS first,"
                        + " max(event_ts) AS last, min(detail) AS detail FROM kpi.dead_letters WHERE reason = 'too_late'"
                        + " GROUP BY 1 ORDER BY 1")).isEqualTo(expectedDeadLetters);
        assertThat(db.rows("SELECT id FROM kpi.dead_letters")).allSatisfy(row -> assertThat((String) row.get("id"))
                .matches(stream + "/shardId-00000000000" + shards + ":\\d+(#\\d+)?"));
        Map<String, List<String>> fromKinesis = db.tablesAsJson(TABLES);
        for (String table : TABLES) {
            TestDatabase.assertSameRows("kpi." + table, "from Kinesis", fromKinesis.get(table), "from the file",
                    file.tables.get(table));
        }
    }

    private static long recordsRead(JobClient job) throws Exception {
        Object v = job.getAccumulators().get().get(JobCounts.RECORDS);
        return v == null ? 0 : ((Number) v).longValue();
    }

    private static long count(String table) throws Exception {
        return (Long) db.rows("SELECT count(*) AS n FROM " + table).get(0).get("n");
    }

    private static Map<String, Long> deadLettersByReason() throws Exception {
        Map<String, Long> counts = new TreeMap<>();
        for (Map<String, Object> r : db.rows("SELECT reason, count(*) AS n FROM kpi.dead_letters GROUP BY reason")) {
            counts.put((String) r.get("reason"), (Long) r.get("n"));
        }
        return counts;
    }

    private static String shardId(int shard) {
        return String.format("shardId-%012d", shard);
    }

    /**
     * A hash key inside shard {@code shard}: 0–3 as created (even quarters), 4 and 5 the halves
     * of 0 after its split, 6 the merge of 2 and 3.
     */
    private static String hashKey(int shard) {
        BigInteger first = switch (shard) {
            case 0, 1, 2, 3 -> SHARD_WIDTH.multiply(BigInteger.valueOf(shard));
            case 4 -> BigInteger.ZERO;
            case 5 -> SPLIT_AT;
            case 6 -> SHARD_WIDTH.multiply(BigInteger.TWO);
            default -> throw new IllegalArgumentException("no shard " + shard);
        };
        return first.add(BigInteger.TEN).toString();
    }
}
