package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.RawRecord;
import com.gluu.kpi.sinks.JdbcSettings;
import com.gluu.kpi.sinks.PostgresSinks;
import com.gluu.kpi.sinks.SinkOptions;
import com.gluu.kpi.testing.OperationsTrace;
import com.gluu.kpi.testing.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A TaskManager dies in the middle of a replay: the job restarts from its last checkpoint (every
 * operator's state, the feedback join's raw keyed state among them, and the source's position)
 * and finishes with exactly the rows of a run without failure, in all KPI and alert tables.
 *
 * <p>The input is the three-hour operations trace of {@link OperationsReplayITCase} (endpoint
 * failures, tasks, feedback early, late and unmatched) with a broken line and a producer retry
 * (the same line again) every 300 lines, fed by a rate-limited source so the job is still
 * running when the TaskManager is terminated; 1 s checkpoints. Once with the heap state backend
 * of the demo and tests, once with RocksDB (incremental checkpoints) as in production.
 *
 * <p>The job's counts (records read, dead letters, duplicates: {@link JobCounts}) are the
 * input's after the failover too, not those read since the restart: each is counted from the
 * file here, independently of the job.
 */
class TaskManagerFailoverITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static final List<String> TABLES = List.of("latency", "traffic", "accuracy", "cost", "endpoint_health",
            "alerts", "alert_evidence", "dead_letters");

    static TestDatabase db;
    /** The index of the MiniCluster's running TaskManager: each test replaces it with a new one. */
    static int liveTaskManager;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startDatabase() {
        db = TestDatabase.startMigrated();
    }

    @AfterAll
    static void stopDatabase() {
        db.close();
    }

    @ParameterizedTest(name = "state backend {0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aTaskManagerLostMidReplayLeavesExactlyTheRowsOfARunWithoutFailure(String stateBackend,
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        OperationsTrace trace = OperationsTrace.generate(23, Instant.parse("2026-11-21T21:00:00Z"), 3_000);
        Path events = tmp.resolve("operations.jsonl");
        trace.writeTo(events);
        List<String> lines = withRetriesAndBrokenLines(Files.readAllLines(events, StandardCharsets.UTF_8));
        long[] expected = counts(lines); // records, dead letters, duplicates
        Path pricing = tmp.resolve("pricing.yaml");
        Files.writeString(pricing, OperationsTrace.PRICING_YAML);
        JobConfig config = JobConfig.defaults().with(Map.of(
                JobConfig.PRICING_FILE.key(), pricing.toString(),
                JobConfig.ACCURACY_HORIZON.key(), "2h",
                JobConfig.CHECKPOINT_INTERVAL.key(), "1s",
                JobConfig.STATE_BACKEND.key(), stateBackend,
                JobConfig.CHECKPOINT_DIR.key(), tmp.resolve("checkpoints-" + stateBackend).toString()));

        db.truncateKpiTables();
        JobClient clean = start(config, lines, RateLimiterStrategy.noOp());
        JobCounts cleanCounts = JobCounts.of(clean.getJobExecutionResult().get());
        assertThat(new long[] {cleanCounts.records, cleanCounts.deadLetters, cleanCounts.duplicates})
                .as("records, dead letters, duplicates without failure").containsExactly(expected);
        assertThat(expected[1]).isPositive();
        assertThat(expected[2]).isPositive();
        Map<String, List<String>> withoutFailure = db.tablesAsJson(TABLES);
        assertThat(withoutFailure.get("accuracy")).isNotEmpty();
        assertThat(withoutFailure.get("cost")).isNotEmpty();

        db.truncateKpiTables();
        // About 8 s of input in all; the TaskManager goes once two checkpoints are complete, while
        // most of the input is still to come.
        JobClient failing = start(config, lines, RateLimiterStrategy.perSecond(lines.size() / 8.0));
        JobID job = failing.getJobID();
        awaitCompletedCheckpoints(cluster, job, 2);
        // The only TaskManager, so every task of the job is lost; the restart runs on a new one.
        // (The MiniCluster numbers TaskManagers in start order and keeps terminated ones listed.)
        cluster.terminateTaskManager(liveTaskManager).get();
        cluster.startTaskManager();
        liveTaskManager++;
        JobCounts afterFailoverCounts = JobCounts.of(failing.getJobExecutionResult().get());

        CheckpointStatsSnapshot stats = cluster.getArchivedExecutionGraph(job).get().getCheckpointStatsSnapshot();
        assertThat(stats.getLatestRestoredCheckpoint()).as("the job restarted from a checkpoint").isNotNull();
        long restoredAt = stats.getLatestRestoredCheckpoint().getCheckpointId();
        assertThat(restoredAt).isGreaterThanOrEqualTo(2);
        Map<String, List<String>> afterFailover = db.tablesAsJson(TABLES);
        for (String table : TABLES) {
            assertThat(afterFailover.get(table)).as("kpi.%s after the failover", table)
                    .containsExactlyElementsOf(withoutFailure.get(table));
        }
        assertThat(new long[] {afterFailoverCounts.records, afterFailoverCounts.deadLetters,
                afterFailoverCounts.duplicates}).as("records, dead letters, duplicates after the failover")
                .containsExactly(expected);
        assertThat(afterFailoverCounts.events()).isEqualTo(expected[0] - expected[1] - expected[2]);
    }

    /** Every 300th line is followed by a line that is not JSON and by a copy of itself (a producer retry). */
    static List<String> withRetriesAndBrokenLines(List<String> trace) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < trace.size(); i++) {
            lines.add(trace.get(i));
            if (i % 300 == 150) {
                lines.add("{\"event_id\": \"broken-" + i);
                lines.add(trace.get(i));
            }
        }
        return lines;
    }

    /**
     * Records, dead letters and duplicates of {@code lines}, by the SPEC's words: a line that is
     * not a JSON object is a dead letter, a repeat of an earlier {@code event_id} (all within
     * seconds of event time here) a duplicate. (Every event of the trace itself is valid and in
     * time: {@link OperationsReplayITCase}.)
     */
    static long[] counts(List<String> lines) {
        ObjectMapper json = new ObjectMapper();
        Set<String> seen = new HashSet<>();
        long deadLetters = 0;
        long duplicates = 0;
        for (String line : lines) {
            JsonNode event;
            try {
                event = json.readTree(line);
            } catch (IOException e) {
                deadLetters++;
                continue;
            }
            if (!seen.add(event.get("event_id").asText())) {
                duplicates++;
            }
        }
        return new long[] {lines.size(), deadLetters, duplicates};
    }

    /**
     * Runs the whole pipeline (Postgres sinks, no alert delivery) on the trace's lines, read by a
     * checkpointed sequence source at the given rate; the lines are named like the file source
     * names them, so dead letters would be too.
     */
    private static JobClient start(JobConfig config, List<String> lines, RateLimiterStrategy rate) throws Exception {
        return start(config, lines, rate, db.jdbc(), null);
    }

    /** As above, into the database of {@code jdbc}, restored from {@code savepoint} unless it is null. */
    static JobClient start(JobConfig config, List<String> lines, RateLimiterStrategy rate, JdbcSettings jdbc,
            String savepoint) throws Exception {
        StreamExecutionEnvironment env = KpiJob.environment(config);
        ArrayList<String> input = new ArrayList<>(lines); // serializable, inside the generator
        GeneratorFunction<Long, RawRecord> line = index -> RawRecord.of("operations.jsonl", Long.toString(index + 1),
                input.get(index.intValue()).getBytes(StandardCharsets.UTF_8));
        DataGeneratorSource<RawRecord> source = new DataGeneratorSource<>(line, input.size(),
                rate, TypeInformation.of(RawRecord.class));
        KpiPipeline.build(env, source, null, new PostgresSinks(jdbc, SinkOptions.from(config)), config);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(config.get(JobConfig.JOB_NAME));
        if (savepoint != null) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        }
        return env.executeAsync(graph);
    }

    static void awaitCompletedCheckpoints(MiniCluster cluster, JobID job, int atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            long completed = cluster.getArchivedExecutionGraph(job).get().getCheckpointStatsSnapshot().getCounts()
                    .getNumberOfCompletedCheckpoints();
            if (completed >= atLeast) {
                return;
            }
            assertThat(System.nanoTime()).as("%d checkpoints within 60 s, have %d", atLeast, completed).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
