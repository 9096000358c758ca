package com.gluu.kpi.cli;

import com.gluu.kpi.alerts.delivery.AlertOutbox;
import com.gluu.kpi.alerts.delivery.DeliveryPolicy;
import com.gluu.kpi.alerts.delivery.Channels;
import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.config.ConfigException;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.config.PricingTable;
import com.gluu.kpi.db.Migrations;
import com.gluu.kpi.ingest.kinesis.KinesisSettings;
import com.gluu.kpi.pipeline.JobCounts;
import com.gluu.kpi.sinks.JdbcSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.JobExecutionResult;

/** The {@code run} and {@code migrate} commands (SPEC §7). */
final class RunCommand {
    /** The flag that continues a killed replay from its latest retained checkpoint (SPEC §7). */
    static final String RESUME = "resume";

    private RunCommand() {}

    static int run(List<String> argv) throws Exception {
        Args args = Args.parse(argv, Set.of("config", "events", "jdbc-url", "pricing", "rules"), Set.of(RESUME));
        JobConfig config = loadConfig(args);
        // Parsed and validated now, so a bad file fails at start, not hours later.
        PricingTable.forJob(config);
        AlertRules rules = AlertRules.forJob(config);
        boolean resume = args.has(RESUME);
        if (config.get(JobConfig.SOURCE_KIND).equals("kinesis")) {
            if (resume) {
                throw new ConfigException("--resume continues a replay of a file; a Kinesis job restarts from a "
                        + "retained checkpoint or savepoint with flink run -s PATH");
            }
            return runKinesis(config, args, rules);
        }

        String events = config.get(JobConfig.SOURCE_EVENTS);
        if (events.isEmpty()) {
            throw new ConfigException("source.events: no events file; pass --events FILE or set it in the config");
        }
        Path eventsPath = Path.of(events);
        if (!Files.isReadable(eventsPath)) {
            throw new ConfigException("source.events: cannot read " + eventsPath);
        }
        if (Main.insideFlink()) {
            if (resume) {
                throw new ConfigException("--resume continues a replay run in this process (java -jar); on a "
                        + "cluster, submit with flink run -s PATH from the job's retained checkpoint");
            }
            JdbcSettings jdbc = JdbcSettings.fromEnvironment(args.get("jdbc-url"));
            Migrations.ensureCurrent(jdbc);
            return submit(config, eventsPath, jdbc);
        }
        // Found (or refused) before anything else starts, so a resume that cannot be fails at once.
        ReplayCheckpoints checkpoints = ReplayCheckpoints.forFile(KpiJob.checkpointDirectory(config), eventsPath,
                KpiJob.readsInRanges(config));
        String restoreFrom = resume ? checkpoints.resumePoint() : null;
        int parallelism = config.get(JobConfig.PARALLELISM);
        // The cluster starts on a thread of its own while this one migrates and builds the job.
        try (InProcessCluster cluster = InProcessCluster.startInBackground(
                        KpiJob.flinkSettings(config, checkpoints.flinkSettings(restoreFrom, parallelism)), parallelism)) {
            return replayInProcess(config, rules, eventsPath, checkpoints, restoreFrom, cluster,
                    JdbcSettings.fromEnvironment(args.get("jdbc-url")));
        }
    }

    private static int replayInProcess(JobConfig config, AlertRules rules, Path eventsPath,
            ReplayCheckpoints checkpoints, String restoreFrom, InProcessCluster cluster, JdbcSettings jdbc)
            throws Exception {
        Migrations.ensureCurrent(jdbc);
        if (restoreFrom == null) {
            checkpoints.startOver();
        } else {
            System.out.println("resuming from " + restoreFrom);
        }
        // Notifications go out from kpi.alerts (the outbox) while the job runs, and a replay
        // waits for the last of them before it exits; a channel without settings is off.
        try (AlertOutbox outbox = AlertOutbox.withDefaults(jdbc, Channels.fromEnvironment(System.getenv()))
                .applying(DeliveryPolicy.of(config, rules)).start()) {
            JobExecutionResult result = replay(config, eventsPath, jdbc, checkpoints, cluster);
            // The counts cover the whole file on a resume too: ParseEvents and Deduplicate keep them
            // in the checkpoint and add them to the restored attempt's accumulators.
            System.out.println(JobCounts.of(result).describe(eventsPath.getFileName().toString()));
            long behind = outbox.awaitDelivered(AlertOutbox.END_OF_INPUT_WAIT);
            if (behind != 0) {
                System.out.println("alerts: " + AlertOutbox.undelivered(behind));
            }
        }
        return 0;
    }

    /**
     * The replay, checkpointed into the file's own folder ({@link ReplayCheckpoints}); a replay that
     * fails keeps its checkpoints and says how to continue, one that completes removes them.
     */
    private static JobExecutionResult replay(JobConfig config, Path eventsPath, JdbcSettings jdbc,
            ReplayCheckpoints checkpoints, InProcessCluster cluster) throws Exception {
        JobExecutionResult result;
        try {
            result = KpiJob.replayFile(config, eventsPath, jdbc, cluster);
        } catch (Exception e) {
            if (checkpoints.latestCompleted() != null) {
                System.err.println("gluu-kpi: the replay failed; its checkpoints are kept in " + checkpoints.directory()
                        + ": the same command with --resume continues from the latest");
            }
            throw e;
        }
        checkpoints.finished();
        return result;
    }

    /**
     * Submitted to a Flink cluster: the job delivers its alerts itself (no client process stays
     * behind to run the outbox), and a detached submission returns at once, without counts.
     */
    private static int submit(JobConfig config, Path eventsPath, JdbcSettings jdbc) throws Exception {
        return report(KpiJob.replayFile(config, eventsPath, jdbc, true), eventsPath.getFileName().toString());
    }

    /** The unbounded job on a Kinesis stream: runs until cancelled or stopped with a savepoint. */
    private static int runKinesis(JobConfig config, Args args, AlertRules rules) throws Exception {
        KinesisSettings kinesis = KinesisSettings.resolve(config, System.getenv());
        JdbcSettings jdbc = JdbcSettings.fromEnvironment(args.get("jdbc-url"));
        Migrations.ensureCurrent(jdbc);
        System.out.println("reading " + kinesis.describe());
        if (Main.insideFlink()) {
            return report(KpiJob.readKinesis(config, kinesis, jdbc, true), kinesis.streamArn);
        }
        try (AlertOutbox outbox = AlertOutbox.withDefaults(jdbc, Channels.fromEnvironment(System.getenv()))
                .applying(DeliveryPolicy.of(config, rules)).start()) {
            return report(KpiJob.readKinesis(config, kinesis, jdbc, false), kinesis.streamArn);
        }
    }

    private static int report(JobExecutionResult result, String input) {
        if (!result.isJobExecutionResult()) {
            System.out.println("submitted job " + result.getJobID() + " (detached); alerts are delivered by the job");
            return 0;
        }
        System.out.println(JobCounts.of(result).describe(input));
        return 0;
    }

    static int migrate(List<String> argv) {
        Args args = Args.parse(argv, Set.of("jdbc-url"));
        JdbcSettings jdbc = JdbcSettings.fromEnvironment(args.get("jdbc-url"));
        var result = Migrations.apply(jdbc);
        System.out.printf("migrated %s: %d migration(s) applied, schema version %s%n",
                JdbcSettings.redact(jdbc.url()), result.migrationsExecuted, result.targetSchemaVersion == null
                        ? result.initialSchemaVersion : result.targetSchemaVersion);
        return 0;
    }

    /** The config file (default jobs/local.yaml) with the command line's overrides on top. */
    static JobConfig loadConfig(Args args) {
        Path file = Path.of(args.get("config", "jobs/local.yaml"));
        // jobs/local.yaml and jobs/production.yaml also ship in the jar (JobConfig.load reads that copy).
        if (!Files.isReadable(file) && !JobConfig.isBundled(file)) {
            throw new ConfigException("--config: cannot read " + file);
        }
        Map<String, Object> overrides = new LinkedHashMap<>();
        if (args.get("events") != null) {
            // "--events FILE (replay this file)", SPEC §7: a replay, whatever source the file names,
            // so jobs/production.yaml (Kinesis) can replay a file with production settings.
            overrides.put(JobConfig.SOURCE_KIND.key(), "file");
            overrides.put(JobConfig.SOURCE_EVENTS.key(), args.get("events"));
        }
        if (args.get("pricing") != null) {
            overrides.put(JobConfig.PRICING_FILE.key(), args.get("pricing"));
        }
        if (args.get("rules") != null) {
            overrides.put(JobConfig.RULES_FILE.key(), args.get("rules"));
        }
        return JobConfig.load(file, overrides);
    }
}
