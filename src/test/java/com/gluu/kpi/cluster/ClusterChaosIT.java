package com.gluu.kpi.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.pipeline.JobCounts;
import com.gluu.kpi.testing.ExpectedKpis;
import com.gluu.kpi.testing.GeneratedTrace;
import com.gluu.kpi.testing.KinesisStandIn;
import com.gluu.kpi.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * Chaos on the standalone cluster of {@code cluster start} ({@link StandaloneCluster}): a
 * three-hour generated trace goes into kinesalite (4 shards) slice by slice while the job reads
 * it on the cluster (parallelism 2 over two one-slot TaskManagers, 1 s checkpoints, restarts
 * without limit), and a driver kills a random TaskManager with SIGKILL {@code gluu.chaos.kills}
 * times (default 20), each time once the job is running again and has completed a checkpoint
 * since the last kill, and starts a replacement. Then the job is stopped with drain (every window
 * fires) and every kpi table must equal an uninterrupted in-process replay of the same events
 * from a file: the oracle never saw a failure.
 *
 * <p>Behind {@code -Dgluu.chaos=true} (README "Tests"): it takes minutes, too long for every CI
 * run. Not covered here (issue 14 item 2, still open): Postgres restarts and PostHog/SNS/CloudWatch
 * outages during the chaos.
 */
@EnabledIfSystemProperty(named = "gluu.chaos", matches = "true")
class ClusterChaosIT {
    private static final Path JAR = Path.of(System.getProperty("gluu.jar", "target/gluu-kpi.jar"));
    private static final Path DIR = Path.of(System.getProperty("flink.cluster.dir", "target/flink-cluster"));
    private static final int KILLS = Integer.getInteger("gluu.chaos.kills", 20);
    private static final String STREAM = "gluu-chaos";
    private static final int SHARDS = 4;
    private static final long MINUTE = 60_000;
    private static final List<String> TABLES = List.of("latency", "traffic", "accuracy", "cost", "endpoint_health",
            "alerts", "alert_evidence", "dead_letters");

    @Test
    void twentyTaskManagersKilledMidStreamLeaveTheRowsOfAnUninterruptedRun() throws Exception {
        long began = System.nanoTime();
        // kinesalite speaks JSON 1.1 only; this JVM's Kinesis client would send CBOR.
        System.setProperty("aws.cborEnabled", "false");
        List<byte[]> lines = trace();
        Path run = Files.createDirectories(DIR.resolve("chaos-" + System.currentTimeMillis()).toAbsolutePath());
        Path file = run.resolve("chaos.jsonl");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        lines.forEach(l -> bytes.writeBytes((new String(l, java.nio.charset.StandardCharsets.UTF_8) + "\n").getBytes()));
        Files.write(file, bytes.toByteArray());
        Map<String, String> keys = Map.of(
                "job.checkpoint_interval", "1s",
                "job.restart_attempts", "1000",
                "job.restart_delay", "1s",
                // Long enough that a shard is not declared idle while its backlog is fetched after a restart.
                "time.source_idleness", "20s",
                "kinesis.stream", STREAM,
                "kinesis.region", KinesisStandIn.REGION,
                "kinesis.initial_position", "TRIM_HORIZON",
                "kinesis.shard_discovery_interval", "1s");

        try (TestDatabase oracle = TestDatabase.startMigrated(); TestDatabase db = TestDatabase.startMigrated();
                KinesisStandIn kinesis = KinesisStandIn.start()) {
            // The oracle: the same events replayed from a file in this JVM, without any failure.
            JobCounts fileCounts = JobCounts.of(KpiJob.replayFile(JobConfig.defaults().with(new java.util.HashMap<String, Object>(keys)), file, oracle.jdbc()));
            Map<String, List<String>> expected = TestDatabase.tablesAsJson(oracle.jdbc(), TABLES, TestDatabase.WRITE_TIMES);
            assertThat(expected.get("traffic")).hasSizeGreaterThan(100);

            Path config = run.resolve("chaos.yaml");
            // The same keys as a job config file (nested YAML), reading the stream instead of the file.
            Map<String, Map<String, String>> sections = new java.util.TreeMap<>();
            keys.forEach((k, v) -> sections.computeIfAbsent(k.substring(0, k.indexOf('.')), s -> new java.util.TreeMap<>())
                    .put(k.substring(k.indexOf('.') + 1), v));
            sections.put("source", Map.of("kind", "kinesis"));
            StringBuilder yaml = new StringBuilder();
            sections.forEach((section, values) -> {
                yaml.append(section).append(":\n");
                values.forEach((k, v) -> yaml.append("  ").append(k).append(": \"").append(v).append("\"\n"));
            });
            Files.writeString(config, yaml.toString());
            createStream(kinesis);
            Map<String, String> env = Map.of("AWS_ENDPOINT_URL", kinesis.endpoint(), "AWS_REGION", KinesisStandIn.REGION,
                    "AWS_ACCESS_KEY_ID", KinesisStandIn.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", KinesisStandIn.SECRET_KEY,
                    "AWS_CBOR_DISABLED", "true", "JAVA_TOOL_OPTIONS", "-Daws.cborEnabled=false");
            try (StandaloneCluster cluster = StandaloneCluster.start(run.resolve("cluster"), JAR, StandaloneClusterIT.flinkWeb(),
                    StandaloneCluster.Options.of(2).withEnvironment(env, false))) {
                String jobId = cluster.runJar(cluster.uploadJar(JAR), List.of("run", "--config", config.toString(),
                        "--jdbc-url", db.jdbc().url()));
                Random random = new Random(14);
                int slices = KILLS + 1;
                int kills = 0;
                long lastCheckpoint = 0;
                List<Long> downtimesMs = new ArrayList<>();
                for (int slice = 0; slice < slices; slice++) {
                    put(kinesis, lines, slice * lines.size() / slices, (slice + 1) * lines.size() / slices);
                    if (slice == slices - 1) {
                        break;
                    }
                    long down = System.nanoTime();
                    lastCheckpoint = awaitRunningWithNewCheckpoint(cluster, jobId, lastCheckpoint);
                    if (kills > 0) {
                        downtimesMs.add((System.nanoTime() - down) / 1_000_000);
                    }
                    Thread.sleep(random.nextInt(1500));
                    List<String> live = cluster.liveTaskManagers();
                    cluster.killTaskManager(live.get(random.nextInt(live.size())));
                    kills++;
                    cluster.startTaskManager();
                }
                awaitRecordsRead(cluster, jobId, lines.size(), Duration.ofMinutes(5));
                stopWithDrain(cluster, jobId, run.resolve("savepoints"));
                assertThat(cluster.awaitTerminal(jobId, Duration.ofMinutes(3))).isEqualTo("FINISHED");
                JsonNode checkpoints = cluster.get("/jobs/" + jobId + "/checkpoints");
                System.out.printf("ClusterChaosIT: %d SIGKILLs, %d TaskManagers started, %d lines over %d shards, "
                        + "%d checkpoints completed, last restore from checkpoint %s, recovery after a kill (ms) %s, %d s in all%n",
                        kills, cluster.pids().size() - 1, lines.size(), SHARDS,
                        checkpoints.path("counts").path("completed").asLong(),
                        checkpoints.path("latest").path("restored").path("id").asText("none"), downtimesMs,
                        (System.nanoTime() - began) / 1_000_000_000);
                assertThat(kills).isEqualTo(KILLS);
                assertThat(checkpoints.path("latest").path("restored").isMissingNode()).as("the job restored from a checkpoint")
                        .isFalse();
            }
            Map<String, List<String>> actual = TestDatabase.tablesAsJson(db.jdbc(), TABLES, TestDatabase.WRITE_TIMES);
            for (String table : TABLES) {
                List<String> onlyCluster = new ArrayList<>(actual.get(table));
                onlyCluster.removeAll(expected.get(table));
                List<String> onlyOracle = new ArrayList<>(expected.get(table));
                onlyOracle.removeAll(actual.get(table));
                assertThat(onlyCluster).as("kpi.%s rows only after the chaos (only in the uninterrupted run: %s)", table,
                        onlyOracle).isEmpty();
                assertThat(actual.get(table)).as("kpi.%s", table).isEqualTo(expected.get(table));
            }
            assertThat(fileCounts.records).isEqualTo(lines.size());
        }
    }

    /**
     * Three generated hours without the records whose verdict depends on read speed (too late in
     * file order) and without those over Kinesis's 1 MiB limit, as in KinesisSourceITCase.
     */
    private static List<byte[]> trace() {
        GeneratedTrace trace = GeneratedTrace.generate(14, Instant.parse("2026-11-21T21:00:00Z"), 3, 6_000);
        ExpectedKpis expected = ExpectedKpis.of(trace, new long[] {MINUTE, 60 * MINUTE}, 30_000, 5 * MINUTE, 10 * MINUTE);
        List<byte[]> lines = new ArrayList<>();
        for (GeneratedTrace.Line line : trace.lines) {
            String reason = expected.deadLetters.get(line.number);
            if (!"too_late".equals(reason) && !"too_large".equals(reason)) {
                lines.add(line.bytes);
            }
        }
        return lines;
    }

    private static void createStream(KinesisStandIn kinesis) throws InterruptedException {
        try (KinesisClient client = kinesis.client()) {
            client.createStream(r -> r.streamName(STREAM).shardCount(SHARDS));
            while (client.describeStreamSummary(r -> r.streamName(STREAM)).streamDescriptionSummary().streamStatus()
                    != StreamStatus.ACTIVE) {
                Thread.sleep(100);
            }
        }
    }

    /** Lines {@code [from, to)}, line i to shard i mod 4, in order (each shard holds its lines in file order). */
    private static void put(KinesisStandIn kinesis, List<byte[]> lines, int from, int to) {
        BigInteger width = BigInteger.TWO.pow(128).divide(BigInteger.valueOf(SHARDS));
        try (KinesisClient client = kinesis.client()) {
            for (int start = from; start < to; start += 400) {
                List<PutRecordsRequestEntry> batch = new ArrayList<>();
                for (int i = start; i < Math.min(to, start + 400); i++) {
                    batch.add(PutRecordsRequestEntry.builder().data(SdkBytes.fromByteArray(lines.get(i)))
                            .partitionKey("p" + i)
                            .explicitHashKey(width.multiply(BigInteger.valueOf(i % SHARDS)).add(BigInteger.TEN).toString())
                            .build());
                }
                assertThat(client.putRecords(r -> r.streamName(STREAM).records(batch)).failedRecordCount()).isZero();
            }
        }
    }

    /** Waits until the job runs and has completed a checkpoint after {@code after}; returns that checkpoint's id. */
    private static long awaitRunningWithNewCheckpoint(StandaloneCluster cluster, String jobId, long after) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            JsonNode job = cluster.get("/jobs/" + jobId);
            assertThat(job.path("state").asText()).as("job state").isNotIn("FAILED", "CANCELED", "FINISHED");
            long latest = cluster.get("/jobs/" + jobId + "/checkpoints").path("latest").path("completed").path("id").asLong(0);
            if (job.path("state").asText().equals("RUNNING") && latest > after) {
                return latest;
            }
            assertThat(System.nanoTime()).as("a new checkpoint within 3 min (job %s)", job.path("state").asText())
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** The job's records-read accumulator (kept in checkpointed state across restarts) reaches {@code total}. */
    private static void awaitRecordsRead(StandaloneCluster cluster, String jobId, long total, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long read = 0;
        while (System.nanoTime() < deadline) {
            for (JsonNode a : cluster.get("/jobs/" + jobId + "/accumulators").path("user-task-accumulators")) {
                if (a.path("name").asText().equals(JobCounts.RECORDS)) {
                    read = Long.parseLong(a.path("value").asText());
                }
            }
            if (read >= total) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(read + " of " + total + " records read within " + timeout);
    }

    /** {@code POST /jobs/:id/stop} with drain: the sources end, the watermark goes to the end of time, every window fires. */
    private static void stopWithDrain(StandaloneCluster cluster, String jobId, Path savepoints) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(cluster.restUrl() + "/jobs/" + jobId + "/stop")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"drain\": true, \"targetDirectory\": \"" + savepoints.toUri() + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("stop: %s", r.body()).isEqualTo(202);
    }
}
