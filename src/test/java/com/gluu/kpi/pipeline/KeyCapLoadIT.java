package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.gluu.kpi.testing.TestDatabase;
import java.io.BufferedWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load test of the key caps (SPEC §2 "Bounded state"): 1 000 000 inference events, each of its
 * own service, in one hour of event time, through {@code run} in a child JVM with a 1 GiB heap
 * ({@code -Xmx1g}) and the default cap (10 000 keys per window) into an embedded PostgreSQL. It
 * must finish; the {@code ~other} rows must count exactly the events beyond the cap; it prints
 * the child's run time and heap (from its GC log: the most heap in use before a collection, the
 * most still in use after one, and the most live after a full collection, forced every 15 s).
 *
 * <p>Not part of {@code mvn verify} (it takes minutes on 2 cores). Run it with
 *
 * <pre>
 * mvn -o -B test -Dtest=KeyCapLoadIT -Dgluu.loadTest=true [-Dgluu.loadTest.events=1000000] [-Dgluu.loadTest.heap=1g]
 *     [-Dgluu.loadTest.minutes=30] [-Dgluu.loadTest.jar=JAR]
 * </pre>
 *
 * <p>With {@code gluu.loadTest.jar} the child runs {@code java -jar JAR run} instead of this
 * build's classes (e.g. a build from before the caps, to compare).
 */
class KeyCapLoadIT {
    private static final long HOUR = 3_600_000L;
    private static final long H0 = Instant.parse("2026-11-22T05:00:00Z").toEpochMilli();
    private static final int CAP = 10_000;
    private static final Pattern GC = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

    @Test
    void aMillionServicesInAnHourRunInOneGibibyteOfHeap(@TempDir Path dir) throws Exception {
        assumeTrue(Boolean.getBoolean("gluu.loadTest"), "a load test: -Dgluu.loadTest=true runs it");
        int events = Integer.getInteger("gluu.loadTest.events", 1_000_000);
        String heap = System.getProperty("gluu.loadTest.heap", "1g");
        Path file = dir.resolve("services.jsonl");
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < events; i++) {
                long ts = H0 + (long) i * (HOUR - 1) / events;
                out.write("{\"event_id\":\"e" + i + "\",\"type\":\"inference\",\"ts\":" + ts + ",\"request_id\":\"r" + i
                        + "\",\"service\":\"svc-" + i + "\",\"route\":\"/analyze\",\"model\":\"blip2\","
                        + "\"endpoint\":\"blip2-endpoint\",\"status\":\"" + (i % 20 == 0 ? "error" : "ok")
                        + "\",\"latency_ms\":{\"total\":" + (100 + i % 900) + ",\"model\":" + (50 + i % 400) + "}}\n");
            }
        }
        Path config = dir.resolve("load.yaml");
        Files.writeString(config, "job:\n  name: key-cap-load\n  parallelism: 2\n  checkpoint_interval: 10s\n"
                + "  checkpoint_dir: " + dir.resolve("checkpoints") + "\n");

        try (TestDatabase db = TestDatabase.startMigrated()) {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(arg -> arg.startsWith("--add-opens=")).forEach(command::add);
            command.addAll(List.of("-Xmx" + heap, "-Xlog:gc:file=" + dir.resolve("gc.log"),
                    "-XX:+ExitOnOutOfMemoryError"));
            String jar = System.getProperty("gluu.loadTest.jar");
            if (jar == null) {
                command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                        "-Dlog4j2.configurationFile=log4j2.properties", // the jar's config, not the tests'
                        "com.gluu.kpi.cli.Main"));
            } else {
                command.addAll(List.of("-jar", jar)); // another build, e.g. one without the caps
            }
            command.addAll(List.of("run", "--config", config.toString(), "--events", file.toString(),
                    "--jdbc-url", db.jdbc().url()));
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectOutput(dir.resolve("stdout").toFile()).redirectError(dir.resolve("stderr").toFile());
            pb.environment().remove("CLOUDWATCH_LOG_GROUP");
            long started = System.nanoTime();
            Process process = pb.start();
            // A young collection's "after" still holds old garbage; every 15 s a full collection
            // (jcmd GC.run) measures what is really live. It costs the child about 2 % of its time.
            Thread sampler = new Thread(() -> {
                String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
                try {
                    while (!process.waitFor(15, TimeUnit.SECONDS)) {
                        new ProcessBuilder(jcmd, Long.toString(process.pid()), "GC.run")
                                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                                .start().waitFor(60, TimeUnit.SECONDS);
                    }
                } catch (Exception e) {
                    // the child ended
                }
            });
            sampler.setDaemon(true);
            sampler.start();
            boolean done = process.waitFor(Integer.getInteger("gluu.loadTest.minutes", 30), TimeUnit.MINUTES);
            double seconds = (System.nanoTime() - started) / 1e9;
            if (!done) {
                process.destroyForcibly();
            }
            String stderr = Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8);
            String stdout = Files.readString(dir.resolve("stdout"), StandardCharsets.UTF_8);
            long peakBefore = 0;
            long peakAfter = 0;
            long peakLive = 0;
            int collections = 0;
            int full = 0;
            for (String line : Files.readAllLines(dir.resolve("gc.log"))) {
                Matcher m = GC.matcher(line);
                if (line.contains("Pause") && m.find()) {
                    peakBefore = Math.max(peakBefore, Long.parseLong(m.group(1)));
                    peakAfter = Math.max(peakAfter, Long.parseLong(m.group(2)));
                    collections++;
                    if (line.contains("Pause Full")) {
                        peakLive = Math.max(peakLive, Long.parseLong(m.group(2)));
                        full++;
                    }
                }
            }
            long capLines = stderr.lines().filter(l -> l.contains("counted under '~other'")).count();
            System.out.printf("KeyCapLoadIT: %,d events of distinct services in one hour, -Xmx%s: %.1f s wall in the child;"
                    + " heap in use at most %d MB before a GC, %d MB after one (%d pauses), live at most %d MB"
                    + " (after %d sampled full GCs); %d cap log lines%n%s%n",
                    events, heap, seconds, peakBefore, peakAfter, collections, peakLive, full, capLines,
                    stdout.lines().filter(l -> l.contains("records read")).findFirst().orElse(""));
            assertThat(done).as("finished in time").isTrue();
            assertThat(process.exitValue()).as(tail(stderr)).isZero();
            assertThat(stderr).doesNotContain("OutOfMemoryError");

            // Every event counted once per window size; ~other holds exactly those beyond the cap.
            long[] hourTraffic = sums(db, "SELECT sum(requests) AS all_rows, sum(requests) FILTER (WHERE service = '~other') AS other,"
                    + " count(*) FILTER (WHERE service <> '~other') AS own FROM kpi.traffic"
                    + " WHERE window_end - window_start = interval '1 hour'");
            assertThat(hourTraffic).containsExactly(events, events - CAP, CAP);
            long[] minuteTraffic = sums(db, "SELECT sum(requests) AS all_rows, sum(requests) FILTER (WHERE service = '~other') AS other,"
                    + " count(*) FILTER (WHERE service <> '~other') AS own FROM kpi.traffic"
                    + " WHERE window_end - window_start = interval '1 minute'");
            assertThat(minuteTraffic).containsExactly(events, events - CAP, CAP);
            long[] hourLatency = sums(db, "SELECT sum(count) AS all_rows, sum(count) FILTER (WHERE service = '~other') AS other,"
                    + " count(*) FILTER (WHERE service <> '~other') AS own FROM kpi.latency"
                    + " WHERE window_end - window_start = interval '1 hour' AND stage = 'total'");
            assertThat(hourLatency).containsExactly(events, events - CAP, CAP);
            long[] costTotal = sums(db, "SELECT sum(requests) FILTER (WHERE model = '*') AS total,"
                    + " sum(requests) FILTER (WHERE model <> '*') AS rows, count(*) AS n FROM kpi.cost"
                    + " WHERE window_end - window_start = interval '1 hour'");
            assertThat(costTotal).containsExactly(events, events, 2); // one (model, endpoint) and '*'
            assertThat(capLines).as("one log line per window and table that overflowed").isPositive();
        }
    }

    private static long[] sums(TestDatabase db, String sql) throws Exception {
        Map<String, Object> row = db.rows(sql).get(0);
        return row.values().stream().mapToLong(v -> v == null ? 0 : ((Number) v).longValue()).toArray();
    }

    private static String tail(String text) {
        return text.length() <= 4000 ? text : text.substring(text.length() - 4000);
    }
}
