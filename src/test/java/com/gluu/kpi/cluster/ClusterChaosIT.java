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
import com.gluu.kpi.alerts.delivery.AlertOutbox;
import com.gluu.kpi.alerts.delivery.Channels;
import com.gluu.kpi.alerts.delivery.DeliveryPolicy;
import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.config.AwsEndpoints;
import com.gluu.kpi.testing.CloudWatchLogsStandIn;
import com.gluu.kpi.testing.HttpStandIn;
import com.gluu.kpi.testing.PostHogStandIn;
import com.gluu.kpi.testing.SnsStandIn;
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
 * since the last kill, and starts a replacement. Meanwhile {@link Faults} restarts Postgres twice
 * (down 10 s each: the sinks, the alert outbox and the checkpoints ride it out) and takes
 * PostHog, SNS and CloudWatch Logs down (HTTP 500) for {@code gluu.chaos.outage_seconds} each
 * (default 120), overlapping. Then the job is stopped with drain (every window fires, the job's
 * own alert delivery waits for the channels) and:
 *
 * <ul>
 *   <li>every kpi table equals an uninterrupted in-process replay of the same events from a file
 *       (the oracle never saw a failure); dead letters included, so nothing is there that should
 *       not be;
 *   <li>every alert transition reached each channel: the PostHog events (by uuid) and the SNS
 *       messages (subject and body) are the ones the oracle's rows give when delivered by the
 *       same outbox to stand-ins that never failed; every row's channels caught up;
 *   <li>CloudWatch Logs refused requests during its outage and received lines after it (its
 *       shipping is best-effort by contract: a SIGKILLed TaskManager's buffered lines are gone).
 * </ul>
 *
 * <p>Behind {@code -Dgluu.chaos=true} (README "Tests"): it takes minutes, too long for every CI
 * run.
 */
@EnabledIfSystemProperty(named = "gluu.chaos", matches = "true")
class ClusterChaosIT {
    private static final Path JAR = Path.of(System.getProperty("gluu.jar", "target/gluu-kpi.jar"));
    private static final Path DIR = Path.of(System.getProperty("flink.cluster.dir", "target/flink-cluster"));
    private static final int KILLS = Integer.getInteger("gluu.chaos.kills", 20);
    private static final String STREAM = "gluu-chaos";
    private static final int SHARDS = 4;
    private static final long MINUTE = 60_000;
    private static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("gluu.chaos.outage_seconds", 120));
    private static final String TOPIC = "arn:aws:sns:us-east-1:000000000000:gluu-chaos-alerts";
    private static final String LOG_GROUP = "/gluu/chaos";
    private static final List<String> TABLES = List.of("latency", "traffic", "accuracy", "cost", "endpoint_health",
            "alerts", "alert_evidence", "alert_notifications", "slo");
    /**
     * kpi.dead_letters as a replay from a file and from Kinesis both write it: the id names the
     * record's place (file line, or shard and sequence number), and a too-far-ahead verdict names
     * the watermark of the moment, which on Kinesis depends on how the shards interleaved.
     */
    private static final String DEAD_LETTERS = "SELECT raw, reason, event_id, event_ts::text AS event_ts,"
            + " regexp_replace(detail, 'watermark \\S+', 'watermark (the moment''s)') AS detail"
            + " FROM kpi.dead_letters ORDER BY raw, reason, detail";
    /** Not compared: write times, and the delivery columns (they say when a channel took a row). */
    private static final List<String> LEFT_OUT = concat(concat(TestDatabase.WRITE_TIMES, TestDatabase.OUTBOX_COLUMNS),
            List.of("sns_state", "created_at"));

    @Test
    void twentyTaskManagersKilledMidStreamWithOutagesLeaveTheRowsAndAlertsOfAnUninterruptedRun() throws Exception {
        long began = System.nanoTime();
        // kinesalite speaks JSON 1.1 only; this JVM's Kinesis client would send CBOR.
        KinesisStandIn.useDummyCredentials();
        List<byte[]> lines = trace();
        Path run = Files.createDirectories(DIR.resolve("chaos-" + System.currentTimeMillis()).toAbsolutePath());
        Path file = run.resolve("chaos.jsonl");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (byte[] line : lines) { // the bytes as they go to Kinesis: invalid UTF-8 stays invalid
            bytes.writeBytes(line);
            bytes.write('\n');
        }
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
        JobConfig jobConfig = JobConfig.defaults().with(new java.util.HashMap<String, Object>(keys));

        try (TestDatabase oracle = TestDatabase.startMigrated();
                TestDatabase db = TestDatabase.startRestartable(run.resolve("pgdata"));
                KinesisStandIn kinesis = KinesisStandIn.start();
                PostHogStandIn posthog = new PostHogStandIn(); SnsStandIn sns = new SnsStandIn();
                CloudWatchLogsStandIn cloudwatch = new CloudWatchLogsStandIn();
                PostHogStandIn oraclePosthog = new PostHogStandIn(); SnsStandIn oracleSns = new SnsStandIn()) {
            // The oracle: the same events replayed from a file in this JVM, without any failure,
            // its alerts delivered by the same outbox to stand-ins that never fail.
            JobCounts fileCounts = JobCounts.of(KpiJob.replayFile(jobConfig, file, oracle.jdbc()));
            Map<String, List<String>> expected = TestDatabase.tablesAsJson(oracle.jdbc(), TABLES, LEFT_OUT);
            assertThat(expected.get("traffic")).hasSizeGreaterThan(100);
            try (AlertOutbox outbox = AlertOutbox.withDefaults(oracle.jdbc(), Channels.fromEnvironment(channels(oraclePosthog,
                    oracleSns))).applying(DeliveryPolicy.of(jobConfig, AlertRules.forJob(jobConfig))).start()) {
                assertThat(outbox.awaitDelivered(Duration.ofMinutes(1))).as("oracle's undelivered transitions").isZero();
            }
            assertThat(oraclePosthog.events()).as("the trace fires alerts").isNotEmpty();

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
            // Each AWS service at its own stand-in (AWS_ENDPOINT_URL_<SERVICE>), as the SDKs define it.
            Map<String, String> env = new java.util.HashMap<>(channels(posthog, sns));
            env.putAll(Map.of(AwsEndpoints.variable(AwsEndpoints.KINESIS), kinesis.endpoint(),
                    AwsEndpoints.variable(AwsEndpoints.CLOUDWATCH_LOGS), cloudwatch.url(),
                    "CLOUDWATCH_LOG_GROUP", LOG_GROUP,
                    "AWS_CBOR_DISABLED", "true", "JAVA_TOOL_OPTIONS", "-Daws.cborEnabled=false"));
            Faults faults;
            try (StandaloneCluster cluster = StandaloneCluster.start(run.resolve("cluster"), JAR, StandaloneClusterIT.flinkWeb(),
                    StandaloneCluster.Options.of(2).withEnvironment(env, false))) {
                String jobId = cluster.runJar(cluster.uploadJar(JAR), List.of("run", "--config", config.toString(),
                        "--jdbc-url", db.jdbc().url()));
                Random random = new Random(14);
                int slices = KILLS + 1;
                int kills = 0;
                long lastCheckpoint = 0;
                List<Long> downtimesMs = new ArrayList<>();
                faults = null;
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
                    if (faults == null) {
                        faults = Faults.start(db, posthog, sns, cloudwatch, OUTAGE);
                    }
                    Thread.sleep(random.nextInt(1500));
                    List<String> live = cluster.liveTaskManagers();
                    cluster.killTaskManager(live.get(random.nextInt(live.size())));
                    kills++;
                    cluster.startTaskManager();
                }
                // Every fault is over before the end: the drain waits for the channels to deliver.
                faults.awaitEnd();
                awaitRecordsRead(cluster, jobId, lines.size(), Duration.ofMinutes(5));
                stopWithDrain(cluster, jobId, run.resolve("savepoints"));
                assertThat(cluster.awaitTerminal(jobId, Duration.ofMinutes(3))).isEqualTo("FINISHED");
                JsonNode checkpoints = cluster.get("/jobs/" + jobId + "/checkpoints");
                System.out.printf("ClusterChaosIT: %d SIGKILLs, %d TaskManagers started, %d lines over %d shards, "
                        + "%d checkpoints completed, last restore from checkpoint %s, recovery after a kill (ms) %s; "
                        + "%s; %d s in all%n",
                        kills, cluster.pids().size() - 1, lines.size(), SHARDS,
                        checkpoints.path("counts").path("completed").asLong(),
                        checkpoints.path("latest").path("restored").path("id").asText("none"), downtimesMs,
                        faults.describe(), (System.nanoTime() - began) / 1_000_000_000);
                assertThat(kills).isEqualTo(KILLS);
                assertThat(checkpoints.path("latest").path("restored").isMissingNode()).as("the job restored from a checkpoint")
                        .isFalse();
            }
            Map<String, List<String>> actual = TestDatabase.tablesAsJson(db.jdbc(), TABLES, LEFT_OUT);
            for (String table : TABLES) {
                TestDatabase.assertSameRows("kpi." + table, "after the chaos", actual.get(table), "in the uninterrupted run",
                        expected.get(table));
            }
            TestDatabase.assertSameRows("kpi.dead_letters", "after the chaos", db.rows(DEAD_LETTERS), "in the uninterrupted run",
                    oracle.rows(DEAD_LETTERS));
            assertThat(db.rows(DEAD_LETTERS)).hasSize((int) fileCounts.deadLetters);
            assertThat(fileCounts.records).isEqualTo(lines.size());
            assertDelivered(db, posthog, sns, oraclePosthog, oracleSns);
            // Refused during its outage, shipping again after it (lines stamped after the outage ended).
            assertThat(cloudwatch.failedRequests()).as("CloudWatch calls refused during its outage").isPositive();
            long afterOutage = faults.cloudWatchBackAt().toEpochMilli();
            assertThat(cloudwatch.batches().stream().flatMap(b -> b.events().stream()).filter(e -> e.timestamp() >= afterOutage))
                    .as("CloudWatch lines after its outage").isNotEmpty();
        }
    }

    /** The channel settings of a job (or the oracle's outbox) that delivers to these stand-ins. */
    private static Map<String, String> channels(PostHogStandIn posthog, SnsStandIn sns) {
        return Map.of("POSTHOG_API_KEY", "phc_chaos", "POSTHOG_HOST", posthog.url(), "SNS_TOPIC_ARN", TOPIC,
                "AWS_REGION", KinesisStandIn.REGION, AwsEndpoints.variable(AwsEndpoints.SNS), sns.url(),
                "AWS_ACCESS_KEY_ID", KinesisStandIn.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", KinesisStandIn.SECRET_KEY);
    }

    /**
     * Every transition reached each channel: the distinct PostHog uuids and SNS messages are the
     * oracle's (a TaskManager killed mid-send may send one again: PostHog deduplicates by uuid, a
     * standard SNS topic does not, README "Exactly one sender"), and every row caught up.
     */
    private static void assertDelivered(TestDatabase db, PostHogStandIn posthog, SnsStandIn sns, PostHogStandIn oraclePosthog,
            SnsStandIn oracleSns) throws Exception {
        java.util.TreeSet<String> uuids = new java.util.TreeSet<>();
        posthog.events().forEach(e -> uuids.add(e.uuid()));
        java.util.TreeSet<String> oracleUuids = new java.util.TreeSet<>();
        oraclePosthog.events().forEach(e -> oracleUuids.add(e.uuid()));
        assertThat(uuids).as("PostHog events by uuid").isEqualTo(oracleUuids);
        java.util.TreeSet<String> messages = new java.util.TreeSet<>();
        sns.publishes().forEach(p -> messages.add(p.subject() + "\n" + p.message()));
        java.util.TreeSet<String> oracleMessages = new java.util.TreeSet<>();
        oracleSns.publishes().forEach(p -> oracleMessages.add(p.subject() + "\n" + p.message()));
        assertThat(messages).as("SNS messages").isEqualTo(oracleMessages);
        assertThat(db.rows("SELECT count(*) AS n FROM kpi.alerts WHERE posthog_seq <> notify_seq OR sns_seq <> notify_seq"))
                .as("rows whose channels did not catch up").containsExactly(Map.of("n", 0L));
        assertThat(db.rows("SELECT count(*) AS n FROM kpi.alert_notifications WHERE sns_state = 'pending'"))
                .as("grouped messages still pending").containsExactly(Map.of("n", 0L));
        System.out.printf("ClusterChaosIT: PostHog %d events (%d distinct, %d refused), SNS %d publishes (%d distinct, "
                        + "%d refused)%n", posthog.events().size(), uuids.size(), posthog.failedRequests(),
                sns.publishes().size(), messages.size(), sns.failedRequests());
    }

    /**
     * The outages, on a timeline from the first kill: Postgres restarted at 30 s and at 30 s +
     * the outage (down 10 s each); PostHog down from 15 s, SNS from 45 s, CloudWatch Logs from
     * 75 s, each for {@code outage}.
     */
    private static final class Faults {
        private final Thread thread;
        private final List<String> done = java.util.Collections.synchronizedList(new ArrayList<>());
        private volatile Instant cloudWatchBackAt;
        private volatile Throwable failure;

        private Faults(Runnable timeline) {
            thread = new Thread(timeline, "chaos-faults");
        }

        static Faults start(TestDatabase db, PostHogStandIn posthog, SnsStandIn sns, CloudWatchLogsStandIn cloudwatch,
                Duration outage) {
            long t0 = System.nanoTime();
            long o = outage.toMillis();
            List<Map.Entry<Long, ThrowingStep>> steps = new ArrayList<>(List.of(
                    Map.entry(15_000L, () -> posthog.mode(HttpStandIn.Mode.FAIL)),
                    Map.entry(30_000L, () -> db.restart(Duration.ofSeconds(10))),
                    Map.entry(45_000L, () -> sns.mode(HttpStandIn.Mode.FAIL)),
                    Map.entry(75_000L, () -> cloudwatch.mode(HttpStandIn.Mode.FAIL)),
                    Map.entry(15_000L + o, () -> posthog.mode(HttpStandIn.Mode.OK)),
                    Map.entry(30_000L + o, () -> db.restart(Duration.ofSeconds(10))),
                    Map.entry(45_000L + o, () -> sns.mode(HttpStandIn.Mode.OK)),
                    Map.entry(75_000L + o, () -> cloudwatch.mode(HttpStandIn.Mode.OK))));
            steps.sort(Map.Entry.comparingByKey());
            Faults[] self = new Faults[1];
            self[0] = new Faults(() -> {
                try {
                    for (Map.Entry<Long, ThrowingStep> step : steps) {
                        long wait = step.getKey() - (System.nanoTime() - t0) / 1_000_000;
                        if (wait > 0) {
                            Thread.sleep(wait);
                        }
                        step.getValue().run();
                        self[0].done.add(String.format("%.0f s", (System.nanoTime() - t0) / 1e9));
                    }
                    self[0].cloudWatchBackAt = Instant.now();
                } catch (Throwable e) {
                    self[0].failure = e;
                }
            });
            self[0].thread.start();
            return self[0];
        }

        void awaitEnd() throws InterruptedException {
            thread.join();
            if (failure != null) {
                throw new AssertionError("a fault step failed", failure);
            }
        }

        Instant cloudWatchBackAt() {
            return cloudWatchBackAt;
        }

        String describe() {
            return "faults (PostHog down, Postgres restart, SNS down, CloudWatch down, then each back) at " + done;
        }

        interface ThrowingStep {
            void run() throws Exception;
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

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
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
