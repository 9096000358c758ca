package com.gluu.kpi.bench;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.db.EmbeddedDatabase;
import com.gluu.kpi.db.Migrations;
import com.gluu.kpi.sinks.JdbcSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * Issue 16's freshness figure: how long after a window's end has passed the watermark its row is
 * visible in Postgres, on a live Kinesis run. Run by {@code scripts/freshness.sh}; not part of the
 * stable command line (README "Public surface").
 *
 * <p>Everything is real and in separate processes: kinesalite (the test stand-in that
 * {@code mvn package} installs in {@code target/kinesalite}, started here with {@code node}), an
 * embedded PostgreSQL, and {@code java -jar gluu-kpi.jar run --config CONFIG} as a child process
 * reading the stream. This JVM creates the stream, puts inference events stamped with the wall
 * clock at the moment they are put ({@code ts} = now), and polls {@code kpi.latency} every 50 ms.
 *
 * <p>What is measured. With {@code time.max_out_of_orderness} D, the watermark is the largest
 * {@code ts} read minus D (minus 1 ms), so a window ending at E can close, at the earliest, once an
 * event stamped E + D has been put: at wall time E + D. The freshness of a window is when its
 * first (and its last) 1-minute {@code stage = 'total'} row became visible, minus E + D; it holds
 * everything after the producer: Kinesis, the source's polling, watermark emission, the window,
 * the sink's flush timer and the commit. Windows ending before the first row appeared are not
 * counted (the job may have started reading in their middle).
 */
public final class Freshness {
    private static final String REGION = "us-east-1";
    private static final String DUMMY_KEY = "gluu-bench-access-key";
    private static final String DUMMY_SECRET = "gluu-bench-secret-key";
    private static final long POLL_MS = 50;

    private Freshness() {}

    /** One measured window: its end, and when its first and its last row became visible (epoch ms). */
    record WindowSeen(long windowEnd, long firstVisible, long lastVisible) {
        /** Milliseconds after the watermark could first pass the window's end (E + D). */
        long firstLag(long watermarkDelayMs) {
            return firstVisible - (windowEnd + watermarkDelayMs);
        }

        long lastLag(long watermarkDelayMs) {
            return lastVisible - (windowEnd + watermarkDelayMs);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        Path kinesaliteDir = Path.of(opts.getOrDefault("kinesalite", "target/kinesalite"));
        Path config = Path.of(opts.getOrDefault("config", "jobs/production.yaml"));
        int windows = Integer.parseInt(opts.getOrDefault("windows", "4"));
        int perSecond = Integer.parseInt(opts.getOrDefault("rate", "100"));
        int shards = Integer.parseInt(opts.getOrDefault("shards", "2"));
        List<String> jobJavaOptions = java.util.Arrays.stream(opts.getOrDefault("java-opts", "-Xmx1g").split("\\s+"))
                .filter(o -> !o.isEmpty()).toList();
        Path jar = Path.of(Freshness.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        JobConfig job = JobConfig.load(config, Map.of());
        String stream = job.get(JobConfig.KINESIS_STREAM);
        long delayMs = job.get(JobConfig.MAX_OUT_OF_ORDERNESS).toMillis();
        System.setProperty("aws.cborEnabled", "false"); // kinesalite speaks JSON 1.1 only

        Path work = Files.createTempDirectory("gluu-freshness");
        Path jobLog = work.resolve("job.log");
        Process standIn = null;
        Process jobProcess = null;
        boolean succeeded = false;
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            Migrations.apply(new JdbcSettings(db.jdbcUrl(), null, null));
            standIn = new ProcessBuilder("node", "kinesis-stand-in.js").directory(kinesaliteDir.toFile())
                    .redirectErrorStream(true).start();
            String endpoint = "http://127.0.0.1:" + standInPort(standIn);
            try (KinesisClient kinesis = KinesisClient.builder().endpointOverride(URI.create(endpoint))
                    .region(Region.of(REGION))
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(DUMMY_KEY, DUMMY_SECRET)))
                    .build()) {
                createStream(kinesis, stream, shards);
                jobProcess = startJob(jar, jobJavaOptions, config, db.jdbcUrl(), endpoint, jobLog, work);
                System.out.printf(Locale.ROOT, "freshness: %s, stream %s (%d shards, kinesalite), %d events/s,"
                        + " watermark delay %d ms, job log %s%n", config, stream, shards, perSecond, delayMs, jobLog);
                Producer producer = new Producer(kinesis, stream, perSecond);
                Thread producing = new Thread(producer, "producer");
                producing.setDaemon(true);
                producing.start();
                List<WindowSeen> seen = poll(db.jdbcUrl(), windows, jobProcess, producer);
                producer.stop();
                report(seen, delayMs, producer.sent.get());
            }
            succeeded = true;
        } finally {
            if (jobProcess != null) {
                jobProcess.destroy();
                if (!jobProcess.waitFor(20, TimeUnit.SECONDS)) {
                    jobProcess.destroyForcibly();
                }
            }
            if (standIn != null) {
                standIn.getOutputStream().close(); // the stand-in exits when its stdin closes
                standIn.destroy();
            }
            if (succeeded) {
                deleteTree(work); // checkpoints, RocksDB files and the job's log
            } else {
                System.err.println("kept for a look: " + work);
            }
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> opts = new TreeMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        return opts;
    }

    private static int standInPort(Process standIn) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(standIn.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("port=")) {
            throw new IllegalStateException("kinesalite did not start (node and `mvn package`'s target/kinesalite"
                    + " needed); it said: " + line);
        }
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "stand-in-output");
        drain.setDaemon(true);
        drain.start();
        return Integer.parseInt(line.substring("port=".length()).trim());
    }

    private static void createStream(KinesisClient kinesis, String stream, int shards) throws InterruptedException {
        kinesis.createStream(b -> b.streamName(stream).shardCount(shards));
        for (int i = 0; i < 100; i++) {
            if (kinesis.describeStreamSummary(b -> b.streamName(stream)).streamDescriptionSummary().streamStatus()
                    == StreamStatus.ACTIVE) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("stream " + stream + " did not become ACTIVE");
    }

    /**
     * The job as an operator would start it, in its own JVM. Only what it needs is passed: the
     * database, the stand-in's endpoint and dummy keys; channels and CloudWatch stay off.
     */
    private static Process startJob(Path jar, List<String> javaOptions, Path config, String jdbcUrl, String endpoint,
            Path log, Path work) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(javaOptions);
        command.add("-Daws.cborEnabled=false");
        command.add("-Djava.io.tmpdir=" + work); // its checkpoints go with the rest of this run
        command.addAll(List.of("-jar", jar.toString(), "run", "--config", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("KPI_") || k.startsWith("POSTHOG_")
                || k.startsWith("SNS_") || k.startsWith("CLOUDWATCH_"));
        env.putAll(Map.of("KPI_JDBC_URL", jdbcUrl, "AWS_ENDPOINT_URL", endpoint, "AWS_REGION", REGION,
                "AWS_ACCESS_KEY_ID", DUMMY_KEY, "AWS_SECRET_ACCESS_KEY", DUMMY_SECRET));
        return pb.start();
    }

    /** Puts inference events stamped "now", in batches every 100 ms, until stopped. */
    static final class Producer implements Runnable {
        private final KinesisClient kinesis;
        private final String stream;
        private final int perSecond;
        private final AtomicLong sent = new AtomicLong();
        private volatile boolean running = true;

        Producer(KinesisClient kinesis, String stream, int perSecond) {
            this.kinesis = kinesis;
            this.stream = stream;
            this.perSecond = perSecond;
        }

        @Override
        public void run() {
            Random random = new Random(16);
            StringBuilder line = new StringBuilder(512);
            int id = 0;
            long next = System.currentTimeMillis();
            while (running) {
                List<PutRecordsRequestEntry> batch = new ArrayList<>();
                for (int i = 0; i < Math.max(1, perSecond / 10); i++) {
                    line.setLength(0);
                    SyntheticEvents.inference(line, id, System.currentTimeMillis(), random);
                    line.replace(0, "{\"event_id\":\"ev-".length(), "{\"event_id\":\"live-"); // unique across runs of a stream
                    batch.add(PutRecordsRequestEntry.builder().partitionKey("r-" + id)
                            .data(SdkBytes.fromString(line.toString(), StandardCharsets.UTF_8)).build());
                    id++;
                }
                try {
                    kinesis.putRecords(b -> b.streamName(stream).records(batch));
                    sent.addAndGet(batch.size());
                } catch (RuntimeException e) {
                    System.err.println("put failed (retrying with the next batch): " + e.getClass().getSimpleName());
                }
                next += 100;
                long sleep = next - System.currentTimeMillis();
                if (sleep > 0) {
                    try {
                        Thread.sleep(sleep);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }

        void stop() {
            running = false;
        }
    }

    /**
     * Polls the 1-minute total-latency rows until {@code windows} windows that ended after the
     * first row appeared have been seen whole (their next window has closed too, so no more rows of
     * theirs are coming).
     */
    private static List<WindowSeen> poll(String jdbcUrl, int windows, Process job, Producer producer)
            throws SQLException, InterruptedException {
        String sql = "SELECT (extract(epoch FROM window_end) * 1000)::bigint, count(*) FROM kpi.latency"
                + " WHERE stage = 'total' AND window_end - window_start = interval '1 minute' GROUP BY window_end";
        TreeMap<Long, long[]> byEnd = new TreeMap<>(); // window end -> {first seen, last change, row count}
        long firstRowAt = -1;
        long deadline = System.currentTimeMillis() + (windows + 4) * 60_000L + 60_000L;
        try (Connection c = DriverManager.getConnection(jdbcUrl); PreparedStatement ps = c.prepareStatement(sql)) {
            while (System.currentTimeMillis() < deadline) {
                if (!job.isAlive()) {
                    throw new IllegalStateException("the job exited with " + job.exitValue() + "; see its log");
                }
                long now = System.currentTimeMillis();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long end = rs.getLong(1);
                        long rows = rs.getLong(2);
                        long[] w = byEnd.computeIfAbsent(end, e -> new long[] {now, now, 0});
                        if (rows != w[2]) {
                            w[1] = now;
                            w[2] = rows;
                        }
                        if (firstRowAt < 0) {
                            firstRowAt = now;
                            System.out.printf(Locale.ROOT, "first row visible %.1f s after the start (%,d events put)%n",
                                    (now - ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli()) / 1e3,
                                    producer.sent.get());
                        }
                    }
                }
                List<WindowSeen> measured = measured(byEnd, firstRowAt);
                if (measured.size() >= windows) {
                    return measured.subList(0, windows);
                }
                Thread.sleep(POLL_MS);
            }
        }
        throw new IllegalStateException("fewer than " + windows + " windows seen before the deadline: " + byEnd.keySet());
    }

    /** Windows that ended after the first row appeared and are followed by a visible window. */
    static List<WindowSeen> measured(TreeMap<Long, long[]> byEnd, long firstRowAt) {
        List<WindowSeen> out = new ArrayList<>();
        for (Map.Entry<Long, long[]> e : byEnd.entrySet()) {
            if (e.getKey() > firstRowAt && byEnd.higherKey(e.getKey()) != null) {
                out.add(new WindowSeen(e.getKey(), e.getValue()[0], e.getValue()[1]));
            }
        }
        return out;
    }

    private static void report(List<WindowSeen> seen, long delayMs, long sent) {
        List<Long> first = new ArrayList<>();
        List<Long> last = new ArrayList<>();
        for (WindowSeen w : seen) {
            first.add(w.firstLag(delayMs));
            last.add(w.lastLag(delayMs));
            System.out.printf(Locale.ROOT, "window ending %s: first row %+.2f s, last row %+.2f s after end + %d s%n",
                    java.time.Instant.ofEpochMilli(w.windowEnd()), w.firstLag(delayMs) / 1e3, w.lastLag(delayMs) / 1e3,
                    delayMs / 1000);
        }
        first.sort(null);
        last.sort(null);
        System.out.printf(Locale.ROOT, "freshness over %d windows (%,d events put): first row median %.2f s, max %.2f s;"
                + " last row median %.2f s, max %.2f s (beyond the watermark's own %d s; poll every %d ms)%n",
                seen.size(), sent, median(first) / 1e3, first.get(first.size() - 1) / 1e3, median(last) / 1e3,
                last.get(last.size() - 1) / 1e3, delayMs / 1000, POLL_MS);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static double median(List<Long> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    }
}
