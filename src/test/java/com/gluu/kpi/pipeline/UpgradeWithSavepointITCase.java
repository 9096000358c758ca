package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.testing.OperationsTrace;
import com.gluu.kpi.testing.PostgresExtension;
import com.gluu.kpi.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upgrade procedure of the README ("Upgrades") on a MiniCluster: a replay is stopped with a
 * savepoint halfway through its input (without drain, as {@code flink stop} does: no window is
 * closed early), and a new job, at parallelism 3 instead of 2, starts from that savepoint and
 * finishes the input. Every kpi table then holds exactly the rows of an uninterrupted run, and
 * the counts (records read, dead letters, duplicates) are the input's, counted from the file.
 *
 * <p>The input and the job are {@link TaskManagerFailoverITCase}'s (a three-hour operations
 * trace with a broken line and a producer retry every 300 lines, a checkpointed sequence source,
 * RocksDB as in production), the first job's source held after half of it; the savepoint is in the canonical format, the one the
 * README's procedure takes (it restores into any state backend).
 */
class UpgradeWithSavepointITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(3).build());

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @TempDir
    static Path tmp;

    @Test
    void aReplayStoppedWithASavepointAndStartedFromItAtAnotherParallelismWritesTheRowsOfAnUninterruptedRun(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        TestDatabase db = POSTGRES.db();
        OperationsTrace trace = OperationsTrace.generate(29, Instant.parse("2026-11-21T21:00:00Z"), 3_000);
        Path events = tmp.resolve("operations.jsonl");
        trace.writeTo(events);
        List<String> lines = TaskManagerFailoverITCase.withRetriesAndBrokenLines(
                Files.readAllLines(events, StandardCharsets.UTF_8));
        long[] expected = TaskManagerFailoverITCase.counts(lines); // records, dead letters, duplicates
        Path pricing = tmp.resolve("pricing.yaml");
        Files.writeString(pricing, OperationsTrace.PRICING_YAML);
        JobConfig config = JobConfig.defaults().with(Map.of(
                JobConfig.PRICING_FILE.key(), pricing.toString(),
                JobConfig.ACCURACY_HORIZON.key(), "2h",
                JobConfig.CHECKPOINT_INTERVAL.key(), "1s",
                JobConfig.STATE_BACKEND.key(), "rocksdb",
                JobConfig.PARALLELISM.key(), "2",
                JobConfig.CHECKPOINT_DIR.key(), tmp.resolve("checkpoints").toString()));

        db.truncateKpiTables();
        // The reference run needs neither checkpoints nor RocksDB: the tables do not depend on them.
        JobConfig reference = config.with(Map.of(JobConfig.CHECKPOINT_INTERVAL.key(), "0s",
                JobConfig.STATE_BACKEND.key(), "hashmap"));
        JobClient clean = TaskManagerFailoverITCase.start(reference, lines, RateLimiterStrategy.noOp(), db.jdbc(), null);
        JobCounts cleanCounts = JobCounts.of(clean.getJobExecutionResult().get());
        assertThat(new long[] {cleanCounts.records, cleanCounts.deadLetters, cleanCounts.duplicates})
                .as("records, dead letters, duplicates of the uninterrupted run").containsExactly(expected);
        Map<String, List<String>> uninterrupted = db.tablesAsJson(TaskManagerFailoverITCase.TABLES);
        assertThat(uninterrupted.get("accuracy")).isNotEmpty();
        assertThat(uninterrupted.get("alerts")).isNotEmpty();

        db.truncateKpiTables();
        // Each of the two readers reads a quarter of the lines and then holds (without blocking
        // its thread: checkpoints go on), so the stop comes with exactly half of the input read.
        int perReader = lines.size() / 4;
        JobClient old = TaskManagerFailoverITCase.start(config, lines, new PauseAfter(perReader), db.jdbc(), null);
        awaitRecordsRead(old, 2L * perReader);
        String savepoint = old.stopWithSavepoint(false, tmp.resolve("savepoints").toUri().toString(),
                SavepointFormatType.CANONICAL).get(180, TimeUnit.SECONDS); // a bound, not a measure
        JobCounts beforeStop = JobCounts.of(old.getJobExecutionResult().get());
        assertThat(beforeStop.records).as("records read before the stop, of %d", expected[0]).isEqualTo(2L * perReader);

        // The new job restores from the savepoint; its own checkpoints (1 s on RocksDB cost about
        // half of its time on 2 cores) are not what this test is about.
        JobConfig upgraded = config.with(Map.of(JobConfig.PARALLELISM.key(), "3",
                JobConfig.CHECKPOINT_INTERVAL.key(), "0s"));
        JobClient resumed = TaskManagerFailoverITCase.start(upgraded, lines, RateLimiterStrategy.noOp(), db.jdbc(),
                savepoint);
        JobCounts afterUpgrade = JobCounts.of(resumed.getJobExecutionResult().get());

        RestoredCheckpointStats restored = cluster.getArchivedExecutionGraph(resumed.getJobID()).get()
                .getCheckpointStatsSnapshot().getLatestRestoredCheckpoint();
        assertThat(restored).as("the new job started from a checkpoint").isNotNull();
        assertThat(restored.getProperties().isSavepoint()).as("%s is a savepoint", restored).isTrue();
        assertThat(restored.getExternalPath()).isEqualTo(savepoint);
        Map<String, List<String>> afterRestore = db.tablesAsJson(TaskManagerFailoverITCase.TABLES);
        for (String table : TaskManagerFailoverITCase.TABLES) {
            assertThat(afterRestore.get(table)).as("kpi.%s after the upgrade", table)
                    .containsExactlyElementsOf(uninterrupted.get(table));
        }
        assertThat(new long[] {afterUpgrade.records, afterUpgrade.deadLetters, afterUpgrade.duplicates})
                .as("records, dead letters, duplicates after the upgrade").containsExactly(expected);
    }

    private static void awaitRecordsRead(JobClient job, long records) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180); // a bound for loaded machines
        while (true) {
            Object read = job.getAccumulators().get().get(JobCounts.RECORDS);
            if (read != null && (Long) read >= records) {
                return;
            }
            assertThat(System.nanoTime()).as("%d records read within 180 s, have %s", records, read).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** Lets each source reader emit {@code permits} records, then holds it (a future that never completes). */
    private record PauseAfter(int permits) implements RateLimiterStrategy {
        @Override
        public RateLimiter createRateLimiter(int parallelism) {
            return new RateLimiter() {
                private int granted;

                @Override
                public CompletionStage<Void> acquire() {
                    return granted++ < permits ? CompletableFuture.completedFuture(null) : new CompletableFuture<>();
                }
            };
        }
    }
}
