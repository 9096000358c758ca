package com.gluu.kpi.cli;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.RawRecord;
import com.gluu.kpi.ingest.JsonLinesFormat;
import com.gluu.kpi.ingest.LineRanges;
import com.gluu.kpi.ingest.kinesis.KinesisSettings;
import com.gluu.kpi.ingest.kinesis.KinesisWatermarks;
import com.gluu.kpi.pipeline.KpiMetricSinks;
import com.gluu.kpi.pipeline.KpiPipeline;
import com.gluu.kpi.sinks.JdbcSettings;
import com.gluu.kpi.sinks.PostgresSinks;
import com.gluu.kpi.sinks.SinkOptions;
import com.gluu.kpi.sinks.cloudwatch.CloudWatchLogging;
import com.gluu.kpi.sinks.cloudwatch.CloudWatchMetricSinks;
import com.gluu.kpi.sinks.cloudwatch.CloudWatchSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the real source and sinks to {@link KpiPipeline} and runs it: in-process when started
 * with {@code java -jar}, on the cluster when submitted with {@code flink run}.
 */
public final class KpiJob {
    private static final Logger LOG = LoggerFactory.getLogger(KpiJob.class);
    private static final AtomicBoolean CLOUDWATCH_OFF_LOGGED = new AtomicBoolean();

    private KpiJob() {}

    /**
     * Replays a JSON Lines file into Postgres (and, with {@code CLOUDWATCH_LOG_GROUP} set, its logs
     * and KPI metrics to CloudWatch); returns when every window has been written.
     */
    public static JobExecutionResult replayFile(JobConfig config, Path events, JdbcSettings jdbc) throws Exception {
        return replayFile(config, events, jdbc, false);
    }

    /**
     * As above; with {@code deliverAlerts} the job itself runs the alert outbox (one writer of the
     * kpi.alerts sink, {@code InJobAlertDelivery}) — on a cluster, where no client process stays
     * behind to do it.
     */
    public static JobExecutionResult replayFile(JobConfig config, Path events, JdbcSettings jdbc, boolean deliverAlerts)
            throws Exception {
        return replay(environment(config), config, events, jdbc, deliverAlerts,
                CloudWatchSettings.fromEnvironment(System.getenv()));
    }

    /**
     * As the first, on {@code cluster}, started with {@link #flinkSettings} of {@code config}
     * (the {@code run} command's replay: the cluster starts while the database is migrated).
     */
    static JobExecutionResult replayFile(JobConfig config, Path events, JdbcSettings jdbc, InProcessCluster cluster)
            throws Exception {
        return replay(configure(cluster.environment(), config), config, events, jdbc, false,
                CloudWatchSettings.fromEnvironment(System.getenv()));
    }

    /** As the first, with CloudWatch from {@code cloudWatch} (null: off). */
    public static JobExecutionResult replayFile(JobConfig config, Path events, JdbcSettings jdbc,
            CloudWatchSettings cloudWatch) throws Exception {
        return replay(environment(config), config, events, jdbc, false, cloudWatch);
    }

    /** The replay of {@code events} on {@code env}: its source and whether it reads in ranges both follow {@code config}. */
    private static JobExecutionResult replay(StreamExecutionEnvironment env, JobConfig config, Path events,
            JdbcSettings jdbc, boolean deliverAlerts, CloudWatchSettings cloudWatch) throws Exception {
        return execute(env, config, replaySource(events, config), null, readsInRanges(config), jdbc, deliverAlerts,
                cloudWatch);
    }

    /**
     * Runs the pipeline from {@code source} into Postgres (and CloudWatch unless {@code cloudWatch}
     * is null), with watermarks from {@code sourceWatermarks} at the source, or after parsing if null.
     */
    static JobExecutionResult execute(JobConfig config, Source<RawRecord, ?, ?> source,
            WatermarkStrategy<RawRecord> sourceWatermarks, JdbcSettings jdbc, boolean deliverAlerts,
            CloudWatchSettings cloudWatch) throws Exception {
        return execute(environment(config), config, source, sourceWatermarks, false, jdbc, deliverAlerts, cloudWatch);
    }

    private static JobExecutionResult execute(StreamExecutionEnvironment env, JobConfig config,
            Source<RawRecord, ?, ?> source, WatermarkStrategy<RawRecord> sourceWatermarks, boolean inRanges,
            JdbcSettings jdbc, boolean deliverAlerts, CloudWatchSettings cloudWatch) throws Exception {
        String job = config.get(JobConfig.JOB_NAME);
        PostgresSinks sinks = new PostgresSinks(jdbc, SinkOptions.from(config), cloudWatch(cloudWatch, job));
        KpiPipeline.build(env, source, sourceWatermarks, inRanges, deliverAlerts ? sinks.withAlertDelivery() : sinks, config);
        return env.execute(job);
    }

    /** Ships this JVM's logs to CloudWatch and returns the EMF metric sinks; null, said once, when off. */
    static KpiMetricSinks cloudWatch(CloudWatchSettings settings, String job) {
        CloudWatchLogging.jobName(job);
        if (settings == null) {
            if (CLOUDWATCH_OFF_LOGGED.compareAndSet(false, true)) {
                LOG.info("CloudWatch logs and metrics off: CLOUDWATCH_LOG_GROUP is not set");
            }
            return null;
        }
        CloudWatchLogging.install(settings, job);
        return new CloudWatchMetricSinks(settings, job);
    }

    /**
     * Reads the Kinesis stream of {@code config} into Postgres until the job is cancelled or
     * stopped (stop-with-savepoint with drain writes every open window, like the end of a file).
     * Watermarks are generated per shard at the source ({@link KinesisWatermarks}).
     */
    public static JobExecutionResult readKinesis(JobConfig config, KinesisSettings kinesis, JdbcSettings jdbc,
            boolean deliverAlerts) throws Exception {
        return execute(config, kinesis.source(com.gluu.kpi.events.InputLimits.from(config)), KinesisWatermarks.perShard(config), jdbc, deliverAlerts,
                CloudWatchSettings.fromEnvironment(System.getenv()));
    }

    /** A JSON Lines file as a bounded source of raw records named {@code <file name>:<line>}. */
    public static FileSource<RawRecord> fileSource(Path events) {
        return fileSource(events, (com.gluu.kpi.events.InputLimits) null);
    }

    /** As {@link #fileSource(Path)}, the records parsed ahead under {@code config}'s input limits (see JsonLinesFormat). */
    public static FileSource<RawRecord> fileSource(Path events, JobConfig config) {
        return fileSource(events, com.gluu.kpi.events.InputLimits.from(config));
    }

    private static FileSource<RawRecord> fileSource(Path events, com.gluu.kpi.events.InputLimits parseAheadUnder) {
        return sourceOf(new JsonLinesFormat(events.getFileName().toString(), parseAheadUnder), events).build();
    }

    /** {@code events} read with {@code format}: the one place a replay file becomes a Flink path. */
    private static FileSource.FileSourceBuilder<RawRecord> sourceOf(JsonLinesFormat format, Path events) {
        return FileSource.forRecordStreamFormat(format, new org.apache.flink.core.fs.Path(events.toAbsolutePath().toUri()));
    }

    /**
     * The replay's source for {@code config}: the whole file as one split, or, with {@code
     * source.range_bytes} set at parallelism above 1, line-aligned byte ranges that every source subtask reads
     * and parses ({@link LineRanges}), put back in file order by the pipeline (see {@link
     * KpiPipeline#build}'s {@code inRanges}).
     */
    public static FileSource<RawRecord> replaySource(Path events, JobConfig config) {
        if (!readsInRanges(config)) {
            return fileSource(events, config);
        }
        long rangeBytes = config.get(JobConfig.SOURCE_RANGE_BYTES);
        return sourceOf(JsonLinesFormat.inRanges(events.getFileName().toString(), com.gluu.kpi.events.InputLimits.from(config)),
                        events)
                .setFileEnumerator(() -> new LineRanges(rangeBytes))
                .setSplitAssigner(LineRanges::inFileOrder)
                .build();
    }

    /** Whether a replay under {@code config} reads its file in byte ranges (parallelism above 1, ranges set). */
    public static boolean readsInRanges(JobConfig config) {
        return config.get(JobConfig.PARALLELISM) > 1 && config.get(JobConfig.SOURCE_RANGE_BYTES) > 0;
    }

    /** The execution environment with the job's settings; usable by tests with their own sinks. */
    public static StreamExecutionEnvironment environment(JobConfig config) {
        return configure(StreamExecutionEnvironment.getExecutionEnvironment(flinkSettings(config, new Configuration())),
                config);
    }

    /** The Flink settings of the job (and of the in-process cluster), with {@code overrides} set last. */
    static Configuration flinkSettings(JobConfig config, Configuration overrides) {
        Configuration flink = new Configuration();
        // Any type that would fall back to Kryo fails at job build time instead of running slowly.
        flink.set(PipelineOptions.GENERIC_TYPES, false);
        // Checkpoints go to a file system (the JobManager's memory holds only 5 MB of state). On a
        // cluster, an empty job.checkpoint_dir leaves it to the cluster's own state.checkpoints.dir
        // (docker/flink-deployment.yaml: s3://…), instead of a temp folder of one machine.
        String checkpointDir = config.get(JobConfig.CHECKPOINT_DIR);
        if (!checkpointDir.isEmpty() || !Main.insideFlink()) {
            flink.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDirectory(config));
        }
        flink.set(StateBackendOptions.STATE_BACKEND, config.get(JobConfig.STATE_BACKEND));
        // RocksDB uploads only the files that changed since the last checkpoint.
        flink.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, config.get(JobConfig.STATE_BACKEND).equals("rocksdb"));
        if (!Main.insideFlink()) {
            // The in-process cluster's one TaskManager: RocksDB instances of a slot share its managed
            // memory, and Flink's local default (128 MB over some twenty stateful operators) made a
            // replay 2.5 times slower than with 512 MB (README "Performance"). Heap state never touches it.
            flink.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, new MemorySize(config.get(JobConfig.LOCAL_MANAGED_MEMORY)));
        }
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, config.get(JobConfig.RESTART_ATTEMPTS));
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, config.get(JobConfig.RESTART_DELAY));
        flink.addAll(overrides);
        return flink;
    }

    private static StreamExecutionEnvironment configure(StreamExecutionEnvironment env, JobConfig config) {
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING); // event-time windows with lateness, also for files
        env.setParallelism(config.get(JobConfig.PARALLELISM));
        // No operator keeps a reference to an input record after it returns, and the sink copies
        // what it buffers; so chained operators may pass records without a defensive copy.
        env.getConfig().enableObjectReuse();
        Duration checkpoints = config.get(JobConfig.CHECKPOINT_INTERVAL);
        if (!checkpoints.isZero()) {
            env.enableCheckpointing(checkpoints.toMillis());
        }
        return env;
    }

    /** The job's checkpoint directory as a URI ({@code job.checkpoint_dir}, or a folder under the temp dir). */
    static String checkpointDirectory(JobConfig config) {
        String dir = config.get(JobConfig.CHECKPOINT_DIR);
        if (dir.contains("://")) {
            return dir;
        }
        if (!dir.isEmpty()) {
            return Path.of(dir).toAbsolutePath().toUri().toString(); // Flink wants a URI; a plain path means this machine
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "gluu-kpi-checkpoints").toUri().toString();
    }
}
