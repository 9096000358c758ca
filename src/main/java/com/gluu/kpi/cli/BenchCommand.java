package com.gluu.kpi.cli;

import com.gluu.kpi.bench.SyntheticEvents;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.db.EmbeddedDatabase;
import com.gluu.kpi.db.Migrations;
import com.gluu.kpi.pipeline.JobCounts;
import com.gluu.kpi.sinks.JdbcSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.JobExecutionResult;

/**
 * {@code bench}: replays a generated file through the whole job (parse → validate → dedup →
 * latency + traffic windows → Postgres upserts) and prints the sustained rate in events/s.
 * Uses an embedded PostgreSQL unless {@code --jdbc-url} names another one.
 */
final class BenchCommand {
    private BenchCommand() {}

    static int run(List<String> argv) throws Exception {
        Args args = Args.parse(argv, Set.of("events", "jdbc-url", "parallelism"));
        int count = Integer.parseInt(args.get("events", "2000000"));
        String parallelism = args.get("parallelism", "2");
        Path file = Files.createTempFile("gluu-kpi-bench", ".jsonl");
        try {
            long t = System.nanoTime();
            SyntheticEvents.write(file, count, 1000, Instant.parse("2026-11-22T00:00:00Z"), 7);
            System.out.printf("bench: generated %,d events (%,d MB) in %.1f s%n", count, Files.size(file) >> 20,
                    (System.nanoTime() - t) / 1e9);
            if (args.get("jdbc-url") != null) {
                return measure(file, count, JdbcSettings.fromEnvironment(args.get("jdbc-url")), parallelism);
            }
            try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
                return measure(file, count, new JdbcSettings(db.jdbcUrl(), null, null), parallelism);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static int measure(Path file, int count, JdbcSettings jdbc, String parallelism) throws Exception {
        Migrations.ensureCurrent(jdbc);
        JobConfig config = JobConfig.defaults().with(Map.of(JobConfig.PARALLELISM.key(), parallelism));
        long start = System.nanoTime();
        JobExecutionResult result = KpiJob.replayFile(config, file, jdbc);
        double wallSeconds = (System.nanoTime() - start) / 1e9;
        double jobSeconds = result.getNetRuntime() / 1000.0;
        JobCounts counts = JobCounts.of(result);
        System.out.println(counts.describe(file.getFileName().toString()));
        System.out.printf("bench: %,d events in %.1f s of job runtime (%.1f s wall, including start-up): %,.0f events/s"
                        + " (parallelism %s, %d cores)%n",
                count, jobSeconds, wallSeconds, count / jobSeconds, parallelism, Runtime.getRuntime().availableProcessors());
        return 0;
    }
}
