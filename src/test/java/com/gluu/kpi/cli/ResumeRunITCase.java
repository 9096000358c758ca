package com.gluu.kpi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.gluu.kpi.bench.SyntheticEvents;
import com.gluu.kpi.testing.TestDatabase;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run} as a real process, killed with SIGKILL in the middle of a replay after a checkpoint
 * completed: the same command with {@code --resume} ends with every {@code kpi} table and the
 * printed counts of an uninterrupted replay of the file, and takes less time than that replay.
 *
 * <p>The oracle is the uninterrupted run of the same command on the same file and database; the
 * records read are also the file's non-blank lines and the dead letters its broken lines, counted
 * here. The input is the bench's production-shaped synthetic trace (feedback, producer retries)
 * with a line that is not JSON every 2 000; the kill lands on the first checkpoint (1 s interval)
 * to complete once half the file's dead letters are written.
 */
class ResumeRunITCase {
    private static final List<String> TABLES = List.of("latency", "traffic", "accuracy", "cost", "endpoint_health",
            "alerts", "alert_evidence", "alert_notifications", "dead_letters");
    private static final int EVENTS = 100_000; // several checkpoints before the kill, also as replays get faster
    private static final int BROKEN_EVERY = 2_000;

    @TempDir
    Path dir;

    @Test
    void aKilledReplayResumedFromItsLatestCheckpointEndsWithTheRowsAndCountsOfAnUninterruptedOne() throws Exception {
        Path events = dir.resolve("replay.jsonl");
        long[] expected = writeTrace(events); // records, dead letters
        Path checkpoints = dir.resolve("checkpoints");
        Path config = writeConfig(checkpoints);
        List<String> leftOut = new ArrayList<>(TestDatabase.WRITE_TIMES);
        leftOut.addAll(TestDatabase.OUTBOX_COLUMNS);
        leftOut.add("created_at"); // when kpi.alert_notifications got the row: the write's wall clock, not a result
        try (TestDatabase db = TestDatabase.startMigrated()) {
            List<String> run = List.of("run", "--config", config.toString(), "--events", events.toString(),
                    "--jdbc-url", db.jdbc().url());

            Child clean = Child.start(run, dir.resolve("clean")).awaitExit();
            assertThat(clean.exit).as(clean.stderr()).isZero();
            String cleanCounts = countsLine(clean);
            assertThat(cleanCounts).contains(String.format("%,d records read", expected[0]))
                    .contains(String.format("%,d dead letters", expected[1]));
            Map<String, List<String>> uninterrupted = TestDatabase.tablesAsJson(db.jdbc(), TABLES, leftOut);
            for (String table : List.of("latency", "traffic", "accuracy", "dead_letters")) {
                assertThat(uninterrupted.get(table)).as("kpi.%s of the uninterrupted replay", table).isNotEmpty();
            }
            // A replay that completed leaves nothing to resume, and says so instead of starting over.
            Child nothing = Child.start(concat(run, "--resume"), dir.resolve("nothing")).awaitExit();
            assertThat(nothing.exit).isEqualTo(2);
            assertThat(nothing.stderr()).contains("--resume: no replay of").contains("run without --resume");

            db.truncateKpiTables();
            Child killed = Child.start(run, dir.resolve("killed"));
            // Past the middle of the file (half its dead letters, one per 2 000 lines, are in the
            // table), then the next checkpoint to complete: most of the file is behind the restore
            // point, so the resumed part must be quicker than a rerun. Progress, not wall time:
            // the JVM's and Flink's start-up take from 5 s to a minute on a busy machine.
            awaitRows(db, killed, "dead_letters", expected[1] / 2);
            Path restorePoint = awaitCheckpointAfter(killed, checkpoints, Instant.now());
            killed.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            Duration killedAfter = Duration.between(killed.started, Instant.now());
            assertThat(killed.stdout()).as("killed before it printed its counts").doesNotContain("records read");

            Child resumed = Child.start(concat(run, "--resume"), dir.resolve("resumed")).awaitExit();
            assertThat(resumed.exit).as(resumed.stderr()).isZero();
            assertThat(resumed.stdout()).contains("resuming from ");
            Map<String, List<String>> afterResume = TestDatabase.tablesAsJson(db.jdbc(), TABLES, leftOut);
            for (String table : TABLES) {
                assertThat(afterResume.get(table)).as("kpi.%s after the resume", table)
                        .containsExactlyElementsOf(uninterrupted.get(table));
            }
            assertThat(countsLine(resumed)).as("counts of the whole file, not of the part after the restore")
                    .isEqualTo(cleanCounts);
            System.out.printf("ResumeRunITCase: %,d lines; uninterrupted %.1f s; killed after %.1f s (latest "
                            + "checkpoint %s); resumed part %.1f s%n", expected[0], seconds(clean.took()),
                    seconds(killedAfter), restorePoint.getFileName(), seconds(resumed.took()));
            // No timed assertion (figures only, printed above): that it continued rather than started
            // over is the "resuming from" line and the counts that cover the whole file.
            assertThat(Files.exists(checkpoints.resolve("replays")) ? list(checkpoints.resolve("replays")) : List.of())
                    .as("a completed replay leaves no checkpoints behind").isEmpty();
        }
    }

    /** The synthetic trace with a broken line every {@link #BROKEN_EVERY}; returns records and dead letters. */
    private static long[] writeTrace(Path events) throws IOException {
        Path synthetic = events.resolveSibling("synthetic.jsonl");
        SyntheticEvents.write(synthetic, EVENTS, 1000, Instant.parse("2026-11-22T00:00:00Z"), 14);
        long records = 0;
        long broken = 0;
        try (Stream<String> lines = Files.lines(synthetic);
                var out = Files.newBufferedWriter(events, StandardCharsets.UTF_8)) {
            for (String line : (Iterable<String>) lines::iterator) {
                out.write(line);
                out.write('\n');
                records++;
                if (records % BROKEN_EVERY == 0) {
                    out.write("{\"event_id\": \"broken-" + records + "\n");
                    broken++;
                }
            }
        }
        Files.delete(synthetic);
        return new long[] {records + broken, broken};
    }

    /** The local job with 1 s checkpoints into {@code checkpoints}, reading the file in 64 KiB ranges. */
    private Path writeConfig(Path checkpoints) throws IOException {
        Path config = dir.resolve("resume.yaml");
        Files.writeString(config, String.join("\n",
                "job:",
                "  name: gluu-kpi-resume-test",
                "  parallelism: 2",
                "  checkpoint_interval: 1s",
                "  checkpoint_dir: " + checkpoints,
                "source:",
                "  kind: file",
                "  range_bytes: 64k",                  // read in ranges: what a resume must continue
                "pricing:",
                "  file: jobs/pricing.yaml",
                "alerts:",
                "  rules_file: jobs/alert-rules.yaml",
                ""));
        return config;
    }

    /**
     * Waits until a checkpoint of the running replay completes after {@code after} (a {@code
     * _metadata} file newer than that), and returns its {@code chk-N} folder.
     */
    private static Path awaitCheckpointAfter(Child child, Path checkpoints, Instant after) throws Exception {
        FileTime since = FileTime.from(after);
        while (true) {
            if (!child.process.isAlive()) {
                fail("the replay ended (exit %d) before a checkpoint after %s: make the trace longer%n%s",
                        child.process.exitValue(), after, child.stdout());
            }
            if (Files.exists(checkpoints)) {
                try (Stream<Path> files = Files.walk(checkpoints)) {
                    var newest = files.filter(f -> f.getFileName().toString().equals("_metadata"))
                            .filter(f -> modified(f).compareTo(since) > 0).findFirst();
                    if (newest.isPresent()) {
                        return newest.get().getParent();
                    }
                } catch (java.io.UncheckedIOException e) {
                    // A subsumed checkpoint was deleted while the walk listed it: look again.
                }
            }
            Thread.sleep(50);
        }
    }

    private static void awaitRows(TestDatabase db, Child child, String table, long atLeast) throws Exception {
        while (((Number) db.rows("SELECT count(*) AS n FROM kpi." + table).get(0).get("n")).longValue() < atLeast) {
            if (!child.process.isAlive()) {
                fail("the replay ended (exit %d) before %d rows were in kpi.%s%n%s", child.process.exitValue(),
                        atLeast, table, child.stdout());
            }
            Thread.sleep(50);
        }
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return FileTime.fromMillis(0); // deleted meanwhile (subsumed)
        }
    }

    private static String countsLine(Child child) throws IOException {
        String stdout = child.stdout();
        return stdout.lines().filter(l -> l.contains("records read")).findFirst()
                .orElseThrow(() -> new AssertionError("no counts in\n" + stdout));
    }

    private static List<String> concat(List<String> args, String more) {
        List<String> all = new ArrayList<>(args);
        all.add(more);
        return all;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.toList();
        }
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    /** {@code Main} in a JVM of its own, with this test JVM's classpath and --add-opens and an empty environment. */
    private static final class Child {
        final Process process;
        final Path out;
        final Instant started;
        Instant ended;
        int exit = -1;

        private Child(Process process, Path out, Instant started) {
            this.process = process;
            this.out = out;
            this.started = started;
        }

        static Child start(List<String> args, Path out) throws IOException {
            Files.createDirectories(out);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(arg -> arg.startsWith("--add-opens=")).forEach(command::add);
            command.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), "com.gluu.kpi.cli.Main"));
            command.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.resolve("stdout").toFile())
                    .redirectError(out.resolve("stderr").toFile());
            // Nothing from the developer's environment: no KPI_JDBC_*, no PostHog, SNS or CloudWatch.
            pb.environment().clear();
            Instant started = Instant.now();
            return new Child(pb.start(), out, started);
        }

        Child awaitExit() throws Exception {
            if (!process.waitFor(240, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("run did not end within 240 s%n%s", stderr());
            }
            ended = Instant.now();
            exit = process.exitValue();
            return this;
        }

        Duration took() {
            return Duration.between(started, ended);
        }

        String stdout() throws IOException {
            return Files.readString(out.resolve("stdout"), StandardCharsets.UTF_8);
        }

        String stderr() throws IOException {
            return Files.readString(out.resolve("stderr"), StandardCharsets.UTF_8);
        }
    }
}
