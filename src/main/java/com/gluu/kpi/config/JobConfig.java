package com.gluu.kpi.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The job's settings, read once from a YAML file in {@code jobs/} plus command-line overrides,
 * validated, and immutable afterwards.
 *
 * <p>Every key has a default and a one-line description ({@link #SETTINGS}); an unknown key or a
 * bad value fails at start with a message that names the key. Connection details and secrets
 * (JDBC URL, user, password, API keys) are not here: they come from the command line or the
 * environment and are never logged.
 */
public final class JobConfig {
    public static final Setting<String> JOB_NAME = new Setting<>("job.name", "gluu-kpi",
            "Flink job name, shown in the Flink UI and in logs.", JobConfig::text);
    public static final Setting<Integer> PARALLELISM = new Setting<>("job.parallelism", 2,
            "Parallelism of every operator.", (k, v) -> integer(k, v, 1, 1024));
    public static final Setting<Duration> CHECKPOINT_INTERVAL = new Setting<>("job.checkpoint_interval", "30s",
            "Interval between checkpoints; the Postgres sink flushes at each one. 0s turns checkpoints off.",
            (k, v) -> duration(k, v, Duration.ZERO));
    public static final Setting<String> CHECKPOINT_DIR = new Setting<>("job.checkpoint_dir", "",
            "Where checkpoints are stored (file:// or s3:// URI); empty: the cluster's state.checkpoints.dir when submitted to one, else a folder under the system temp dir.",
            JobConfig::text);
    public static final Setting<String> STATE_BACKEND = new Setting<>("job.state_backend", "hashmap",
            "Where keyed state lives: 'hashmap' (JVM heap; demo, tests) or 'rocksdb' (disk, incremental checkpoints; production).",
            (k, v) -> oneOf(k, v, "hashmap", "rocksdb"));
    public static final Setting<Long> LOCAL_MANAGED_MEMORY = new Setting<>("job.local_managed_memory", "512m",
            "Managed (off-heap) memory of the in-process cluster's TaskManager, which RocksDB's write buffers and block cache share; Flink's local default, 128m, makes RocksDB flush its memtables constantly. Ignored when the job is submitted to a cluster (its taskmanager.memory.* settings decide) and unused by the hashmap backend.",
            (k, v) -> bytes(k, v, 16L << 20));
    public static final Setting<Integer> RESTART_ATTEMPTS = new Setting<>("job.restart_attempts", 3,
            "Restarts (from the latest checkpoint) after a failure, such as a lost TaskManager, before the job fails for good; fixed delay, counted over the job's life.",
            (k, v) -> integer(k, v, 0, 1_000_000));
    public static final Setting<Duration> RESTART_DELAY = new Setting<>("job.restart_delay", "5s",
            "Wait before each restart.",
            (k, v) -> duration(k, v, Duration.ZERO));
    public static final Setting<String> SOURCE_KIND = new Setting<>("source.kind", "file",
            "Where events come from: 'file' (JSON Lines replay, bounded) or 'kinesis' (a Kinesis data stream, unbounded).",
            (k, v) -> oneOf(k, v, "file", "kinesis"));
    public static final Setting<String> SOURCE_EVENTS = new Setting<>("source.events", "",
            "JSON Lines file to replay when source.kind is file (overridden by --events).", JobConfig::text);
    public static final Setting<Long> SOURCE_RANGE_BYTES = new Setting<>("source.range_bytes", "0",
            "0: one source subtask reads a replay file whole. Else (at least 1k), at job.parallelism above 1, the file is cut into line-aligned byte ranges of about this size, read and parsed by all source subtasks and put back in file order before the parse step's verdicts (so the rows do not depend on it). Off by default: on 2 cores it is slower (README, Replays in byte ranges). Unused at parallelism 1 and for Kinesis.",
            (k, v) -> {
                long size = bytes(k, v, 0);
                if (size != 0 && size < 1024) {
                    throw new ConfigException(k + ": " + v + " is below the minimum of 1k (or 0: off)");
                }
                return size;
            });
    public static final Setting<String> KINESIS_STREAM = new Setting<>("kinesis.stream", "",
            "Kinesis stream name or ARN (source.kind kinesis); a name is resolved to its ARN at start (DescribeStreamSummary).",
            JobConfig::text);
    public static final Setting<String> KINESIS_REGION = new Setting<>("kinesis.region", "",
            "AWS region of the stream; empty means AWS_REGION from the environment (AWS_ENDPOINT_URL_KINESIS, else AWS_ENDPOINT_URL, overrides the endpoint).",
            JobConfig::text);
    public static final Setting<String> KINESIS_INITIAL_POSITION = new Setting<>("kinesis.initial_position", "LATEST",
            "Where a job started without a checkpoint or savepoint begins reading: LATEST, TRIM_HORIZON or AT_TIMESTAMP.",
            (k, v) -> oneOf(k, v, "LATEST", "TRIM_HORIZON", "AT_TIMESTAMP"));
    public static final Setting<String> KINESIS_INITIAL_TIMESTAMP = new Setting<>("kinesis.initial_timestamp", "",
            "Start time for AT_TIMESTAMP, ISO-8601 with an offset (2026-11-22T05:00:00Z).", JobConfig::text);
    public static final Setting<String> KINESIS_READER = new Setting<>("kinesis.reader", "polling",
            "How shards are read: 'polling' (GetRecords). Enhanced fan-out is not in the connector version used (4.3.0).",
            JobConfig::kinesisReader);
    public static final Setting<Duration> KINESIS_SHARD_DISCOVERY_INTERVAL = new Setting<>(
            "kinesis.shard_discovery_interval", "10s",
            "How often the source looks for new shards (after a reshard).", (k, v) -> duration(k, v, Duration.ofMillis(100)));
    public static final Setting<Duration> MAX_OUT_OF_ORDERNESS = new Setting<>("time.max_out_of_orderness", "30s",
            "Disorder the watermark allows for: it trails the highest event time seen by this much.",
            (k, v) -> duration(k, v, Duration.ZERO));
    public static final Setting<Duration> SOURCE_IDLENESS = new Setting<>("time.source_idleness", "60s",
            "A source partition silent this long stops holding the watermark back.",
            (k, v) -> duration(k, v, Duration.ofMillis(1)));
    public static final Setting<Duration> ALLOWED_LATENESS = new Setting<>("time.allowed_lateness", "5m",
            "Events this far behind the watermark still update their window's row; older ones are dead letters (too_late).",
            (k, v) -> duration(k, v, Duration.ZERO));
    public static final Setting<Duration> MAX_FUTURE = new Setting<>("time.max_future", "24h",
            "An event whose ts lies further than this ahead of the watermark (or of the wall clock) is a bad_value.",
            (k, v) -> duration(k, v, Duration.ofMinutes(1)));
    public static final Setting<List<Duration>> WINDOWS = new Setting<>("windows", List.of("1m", "1h"),
            "Tumbling window sizes, aligned to the epoch; each KPI gets a row per window of each size.",
            JobConfig::windowSizes);
    public static final Setting<Duration> DEDUP_WINDOW = new Setting<>("dedup.window", "10m",
            "An event whose event_id was seen within this much event time is a duplicate and is counted once.",
            (k, v) -> duration(k, v, Duration.ofSeconds(1)));
    public static final Setting<Duration> ACCURACY_HORIZON = new Setting<>("accuracy.horizon", "7d",
            "Feedback joins an inference with the same request_id seen up to this much event time before it.",
            (k, v) -> duration(k, v, Duration.ofMinutes(1)));
    public static final Setting<Duration> ACCURACY_FEEDBACK_WAIT = new Setting<>("accuracy.feedback_wait", "10m",
            "Feedback that overtook its inference waits this much event time for it; then it counts as model 'unmatched'.",
            (k, v) -> duration(k, v, Duration.ZERO));
    public static final Setting<Duration> JOBS_HORIZON = new Setting<>("jobs.horizon", "1d",
            "The events of one async job are joined by job_id up to this much event time after its first event;"
                    + " then the job is forgotten (no longer open).",
            (k, v) -> duration(k, v, Duration.ofMinutes(1)));
    public static final Setting<Duration> JOBS_STUCK_AFTER = new Setting<>("jobs.stuck_after", "15m",
            "An open job submitted more than this much event time before a window's end is stuck (kpi.jobs stuck_at_end).",
            (k, v) -> duration(k, v, Duration.ofSeconds(1)));
    public static final Setting<Integer> SINK_BATCH_SIZE = new Setting<>("sink.batch_size", 2000,
            "Rows buffered per table before an upsert batch is sent to Postgres.", (k, v) -> integer(k, v, 1, 1_000_000));
    public static final Setting<Duration> SINK_FLUSH_INTERVAL = new Setting<>("sink.flush_interval", "1s",
            "Longest time a row waits in the buffer before it is written.", (k, v) -> duration(k, v, Duration.ofMillis(10)));
    public static final Setting<Integer> SINK_MAX_RETRIES = new Setting<>("sink.max_retries", 8,
            "Attempts to write a batch (reconnecting in between) before the job fails and restarts from its checkpoint.",
            (k, v) -> integer(k, v, 0, 1000));
    public static final Setting<Duration> SINK_RETRY_BACKOFF = new Setting<>("sink.retry_backoff", "200ms",
            "First wait before retrying a failed write; doubles on each attempt up to sink.retry_max_backoff.",
            (k, v) -> duration(k, v, Duration.ofMillis(1)));
    public static final Setting<Duration> SINK_RETRY_MAX_BACKOFF = new Setting<>("sink.retry_max_backoff", "30s",
            "Longest wait between two write attempts.", (k, v) -> duration(k, v, Duration.ofMillis(1)));
    // Limits at the door (SPEC §2 "Limits"): values no real request has are bad_value dead letters.
    public static final Setting<Integer> LIMITS_MAX_ID_CHARS = new Setting<>("limits.max_id_chars", 256,
            "Longest request_id, task_id or job_id, in characters; longer is a bad_value.",
            (k, v) -> integer(k, v, 1, 1_000_000));
    public static final Setting<Integer> LIMITS_MAX_DIMENSION_CHARS = new Setting<>("limits.max_dimension_chars", 256,
            "Longest dimension (service, route, model, model_version, endpoint, client_id, error_type, llm.model,"
                    + " instance_type, kind), in characters; longer is a bad_value.",
            (k, v) -> integer(k, v, 1, 1_000_000));
    public static final Setting<Integer> LIMITS_MAX_LATENCY_MS = new Setting<>("limits.max_latency_ms", 86_400_000,
            "Largest latency_ms.* value (default one day); larger is a bad_value.",
            (k, v) -> integer(k, v, 1, Integer.MAX_VALUE));
    public static final Setting<Integer> LIMITS_MAX_TOKENS = new Setting<>("limits.max_tokens", 100_000_000,
            "Largest llm.prompt_tokens or llm.completion_tokens; larger is a bad_value.",
            (k, v) -> integer(k, v, 1, Integer.MAX_VALUE));
    public static final Setting<Integer> LIMITS_MAX_IMAGES = new Setting<>("limits.max_images", 100_000,
            "Largest images count of one request; larger is a bad_value.", (k, v) -> integer(k, v, 1, Integer.MAX_VALUE));
    public static final Setting<Integer> LIMITS_MAX_INSTANCE_COUNT = new Setting<>("limits.max_instance_count", 10_000,
            "Largest instance_count of an endpoint event; larger is a bad_value.",
            (k, v) -> integer(k, v, 1, Integer.MAX_VALUE));
    public static final Setting<String> LIMITS_MIN_TS = new Setting<>("limits.min_ts", "2000-01-01T00:00:00Z",
            "Earliest accepted ts (ISO-8601 with offset); earlier is a bad_value.", JobConfig::instant);
    public static final Setting<String> LIMITS_MAX_TS = new Setting<>("limits.max_ts", "9999-12-31T23:59:59.999Z",
            "Latest accepted ts (ISO-8601 with offset); later is a bad_value.", JobConfig::instant);
    public static final Setting<Integer> LIMITS_MAX_KEYS_PER_WINDOW = new Setting<>("limits.max_keys_per_window", 10_000,
            "Keys (rows) each KPI table keeps per window; the events of further keys count in one '~other' row.",
            (k, v) -> integer(k, v, 1, 10_000_000));
    // Event time that one record cannot move (SPEC §3).
    public static final Setting<Duration> MAX_JUMP = new Setting<>("time.max_jump", "10m",
            "A record further than this ahead of its partition's event time does not move event time: it is held"
                    + " until event time reaches it or the jump is confirmed (time.jump_confirmations).",
            (k, v) -> duration(k, v, Duration.ofSeconds(1)));
    public static final Setting<Integer> JUMP_CONFIRMATIONS = new Setting<>("time.jump_confirmations", 20,
            "Records that must agree on a jump ahead (and outnumber the records still in line) before event time follows it.",
            (k, v) -> integer(k, v, 1, 1_000_000));
    public static final Setting<Integer> MAX_HELD_RECORDS = new Setting<>("time.max_held_records", 10_000,
            "Records ahead of event time held per parse subtask; further ones are bad_value dead letters.",
            (k, v) -> integer(k, v, 0, 10_000_000));
    public static final Setting<String> PRICING_FILE = new Setting<>("pricing.file", "jobs/pricing.yaml",
            "Price table for cost KPIs (SPEC §7 format; overridden by --pricing).", JobConfig::text);
    public static final Setting<String> RULES_FILE = new Setting<>("alerts.rules_file", "jobs/alert-rules.yaml",
            "Alert rules (overridden by --rules).", JobConfig::text);
    public static final Setting<String> BUDGETS_FILE = new Setting<>("alerts.budgets_file", "jobs/budgets.yaml",
            "Monthly USD budgets per client_id for the tenant_budget rule (SPEC §7 format).", JobConfig::text);
    public static final Setting<String> ALERTS_DASHBOARD_URL = new Setting<>("alerts.dashboard_url", "",
            "Base URL of the dashboard page (the `dashboard` command); every notification links to it at the"
                    + " episode's time range. Empty: no link.", JobConfig::text);
    public static final Setting<Integer> ALERTS_MAX_NEW_ALERTS_PER_MINUTE = new Setting<>(
            "alerts.max_new_alerts_per_minute", 20,
            "Storm control: new episodes notified per minute of event time; the others are recorded, not sent, and"
                    + " counted in one alert_storm episode. 0: no bound.", (k, v) -> integer(k, v, 0, 1_000_000));
    public static final Setting<Boolean> ALERTS_DEPLOY_SILENCES = new Setting<>("alerts.deploy_silences_endpoint_rules",
            true, "An endpoint in Creating or Updating (a deploy) silences its own endpoint_event alerts (failure,"
                    + " restart): recorded, not sent.", JobConfig::bool);
    // Bounded alert state (SPEC §2 "Bounded state"): see AlertEvaluator.
    public static final Setting<Integer> ALERTS_MAX_GROUPS_PER_RULE = new Setting<>("alerts.max_groups_per_rule", 10_000,
            "Groups (label combinations) each alert rule keeps; inputs of further groups count in the rule's"
                    + " '~other' group (no_data ignores them).",
            (k, v) -> integer(k, v, 1, 10_000_000));
    public static final Setting<Duration> ALERTS_GROUP_IDLE_TIMEOUT = new Setting<>("alerts.group_idle_timeout", "24h",
            "An alert group with no input for this long is forgotten (a firing episode of it resolves); must exceed"
                    + " every rule's window, idle_for and silent_for.",
            (k, v) -> duration(k, v, Duration.ofMinutes(1)));

    /** Every key, in the order the README documents them. */
    public static final List<Setting<?>> SETTINGS = List.of(
            JOB_NAME, PARALLELISM, CHECKPOINT_INTERVAL, CHECKPOINT_DIR, STATE_BACKEND, LOCAL_MANAGED_MEMORY, RESTART_ATTEMPTS, RESTART_DELAY, SOURCE_KIND, SOURCE_EVENTS, SOURCE_RANGE_BYTES,
            KINESIS_STREAM, KINESIS_REGION, KINESIS_INITIAL_POSITION, KINESIS_INITIAL_TIMESTAMP, KINESIS_READER,
            KINESIS_SHARD_DISCOVERY_INTERVAL,
            MAX_OUT_OF_ORDERNESS, SOURCE_IDLENESS, ALLOWED_LATENESS, MAX_FUTURE, WINDOWS, DEDUP_WINDOW,
            ACCURACY_HORIZON, ACCURACY_FEEDBACK_WAIT, JOBS_HORIZON, JOBS_STUCK_AFTER,
            SINK_BATCH_SIZE, SINK_FLUSH_INTERVAL, SINK_MAX_RETRIES, SINK_RETRY_BACKOFF, SINK_RETRY_MAX_BACKOFF,
            LIMITS_MAX_ID_CHARS, LIMITS_MAX_DIMENSION_CHARS, LIMITS_MAX_LATENCY_MS, LIMITS_MAX_TOKENS, LIMITS_MAX_IMAGES,
            LIMITS_MAX_INSTANCE_COUNT, LIMITS_MIN_TS, LIMITS_MAX_TS, LIMITS_MAX_KEYS_PER_WINDOW,
            MAX_JUMP, JUMP_CONFIRMATIONS, MAX_HELD_RECORDS,
            PRICING_FILE, RULES_FILE, BUDGETS_FILE, ALERTS_DASHBOARD_URL, ALERTS_MAX_NEW_ALERTS_PER_MINUTE, ALERTS_DEPLOY_SILENCES, ALERTS_MAX_GROUPS_PER_RULE, ALERTS_GROUP_IDLE_TIMEOUT);

    private final Map<String, Object> values;

    private JobConfig(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /** All defaults. */
    public static JobConfig defaults() {
        return of(Map.of());
    }

    /** Reads a YAML config file (nested maps or dotted keys) and applies {@code overrides} on top. */
    public static JobConfig load(Path file, Map<String, Object> overrides) {
        Map<String, Object> flat = new LinkedHashMap<>();
        if (file != null) {
            Object root;
            try {
                ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
                mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
                try (JsonParser parser = mapper.createParser(readConfigFile(file))) {
                    // An empty file (or only comments) means all defaults.
                    root = parser.nextToken() == null ? null : mapper.readValue(parser, Object.class);
                }
            } catch (IOException e) {
                throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
            }
            if (root != null && !(root instanceof Map)) {
                throw new ConfigException("config file " + file + " must be a YAML mapping of keys to values");
            }
            if (root != null) {
                flatten("", (Map<?, ?>) root, flat);
            }
        }
        flat.putAll(overrides);
        return of(flat);
    }

    /** The job configs packaged in the jar, read when the working folder has no {@code jobs/}. */
    private static final List<String> BUNDLED = List.of("jobs/local.yaml", "jobs/production.yaml");

    /**
     * True if {@code file} is missing but the jar carries a copy: a JobManager or an image runs
     * the job from a working folder that is not this repository. A file on disk always wins.
     */
    public static boolean isBundled(Path file) {
        return !Files.exists(file) && BUNDLED.contains(resourceName(file))
                && JobConfig.class.getResource("/" + resourceName(file)) != null;
    }

    private static String resourceName(Path file) {
        return file.normalize().toString().replace('\\', '/');
    }

    private static byte[] readConfigFile(Path file) throws IOException {
        if (!isBundled(file)) {
            return Files.readAllBytes(file);
        }
        try (var in = JobConfig.class.getResourceAsStream("/" + resourceName(file))) {
            return in.readAllBytes();
        }
    }

    /** Builds a config from dotted keys; unknown keys and bad values fail with the key's name. */
    public static JobConfig of(Map<String, Object> flat) {
        Map<String, Setting<?>> known = new LinkedHashMap<>();
        SETTINGS.forEach(s -> known.put(s.key(), s));
        TreeSet<String> unknown = new TreeSet<>(flat.keySet());
        unknown.removeAll(known.keySet());
        if (!unknown.isEmpty()) {
            throw new ConfigException("unknown config key(s) " + unknown + "; known keys: " + known.keySet());
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (Setting<?> s : SETTINGS) {
            Object raw = flat.containsKey(s.key()) ? flat.get(s.key()) : s.defaultValue();
            values.put(s.key(), s.read(raw));
        }
        return new JobConfig(values);
    }

    /** A copy with some keys replaced (validated like any other value). */
    public JobConfig with(Map<String, Object> overrides) {
        Map<String, Object> raw = new LinkedHashMap<>();
        for (Setting<?> s : SETTINGS) {
            raw.put(s.key(), writtenForm(values.get(s.key())));
        }
        raw.putAll(overrides);
        return of(raw);
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        return (T) values.get(setting.key());
    }

    private static Object writtenForm(Object value) {
        if (value instanceof Duration) {
            return Durations.format((Duration) value);
        }
        if (value instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object o : (List<?>) value) {
                out.add(writtenForm(o));
            }
            return out;
        }
        return value;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, Object> out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            if (e.getValue() instanceof Map) {
                flatten(key + ".", (Map<?, ?>) e.getValue(), out);
            } else if (out.containsKey(key)) {
                // e.g. both `job: {parallelism: 2}` and `job.parallelism: 4`: neither silently wins.
                throw new ConfigException(key + ": given twice in the config file (nested and dotted)");
            } else {
                out.put(key, e.getValue());
            }
        }
    }

    private static String text(String key, Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Map || value instanceof List) {
            throw new ConfigException(key + ": expected a single value, got " + value);
        }
        return value.toString();
    }

    /** An ISO-8601 instant with an offset, kept as written (parse with {@link java.time.OffsetDateTime}). */
    private static String instant(String key, Object value) {
        String v = text(key, value);
        try {
            java.time.OffsetDateTime.parse(v);
        } catch (java.time.DateTimeException e) {
            throw new ConfigException(key + ": '" + v + "' is not an ISO-8601 time with an offset (2000-01-01T00:00:00Z)");
        }
        return v;
    }

    private static String oneOf(String key, Object value, String... allowed) {
        String v = text(key, value);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw new ConfigException(key + ": '" + v + "' is not one of " + List.of(allowed));
    }

    private static String kinesisReader(String key, Object value) {
        if ("efo".equals(text(key, value))) {
            // KinesisStreamsSource gained enhanced fan-out in connector 5.0; 4.3.0-1.19 is the version
            // that downloads here (DEPENDENCIES.md), and the legacy consumer is not a FLIP-27 source.
            throw new ConfigException(key + ": 'efo' (enhanced fan-out) is not supported by the Kinesis source of"
                    + " flink-connector-kinesis 4.3.0 this job is built with; use 'polling'");
        }
        return oneOf(key, value, "polling");
    }

    private static boolean bool(String key, Object value) {
        if (value instanceof Boolean) {
            return (Boolean) value;
        }
        if ("true".equals(String.valueOf(value)) || "false".equals(String.valueOf(value))) {
            return Boolean.parseBoolean(String.valueOf(value));
        }
        throw new ConfigException(key + ": expected true or false, got " + value);
    }

    private static int integer(String key, Object value, int min, int max) {
        // Compared before narrowing, so 4294967298 is out of range rather than wrapping around to 2.
        BigInteger n;
        try {
            n = new BigInteger(text(key, value).trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": '" + value + "' is not a whole number");
        }
        if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new ConfigException(key + ": " + n + " is outside [" + min + ", " + max + "]");
        }
        return n.intValueExact();
    }

    /** A size such as 512m, 1g or 65536 (bytes); k, m, g are powers of 1024, as in Flink's memory options. */
    private static long bytes(String key, Object value, long min) {
        String v = text(key, value).trim().toLowerCase(java.util.Locale.ROOT);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,12})\\s*([kmg]?)b?").matcher(v);
        if (!m.matches()) {
            throw new ConfigException(key + ": '" + value + "' is not a size like 512m or 1g");
        }
        int shift = m.group(2).isEmpty() ? 0 : 10 * ("kmg".indexOf(m.group(2)) + 1);
        long n = Long.parseLong(m.group(1));
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new ConfigException(key + ": " + value + " is too large");
        }
        long size = n << shift;
        if (size < min) {
            throw new ConfigException(key + ": " + value + " is below the minimum of "
                    + (min >= 1 << 20 ? (min >> 20) + "m" : (min >> 10) + "k"));
        }
        return size;
    }

    private static Duration duration(String key, Object value, Duration min) {
        Duration d = Durations.parse(key, text(key, value));
        if (d.compareTo(min) < 0) {
            throw new ConfigException(key + ": " + text(key, value) + " is shorter than the minimum " + Durations.format(min));
        }
        return d;
    }

    private static List<Duration> windowSizes(String key, Object value) {
        if (!(value instanceof List) || ((List<?>) value).isEmpty()) {
            throw new ConfigException(key + ": expected a non-empty list of durations like [1m, 1h], got " + value);
        }
        List<Duration> sizes = new ArrayList<>();
        for (Object o : (List<?>) value) {
            Duration d = duration(key, o, Duration.ofSeconds(1));
            if (Duration.ofDays(1).toMillis() % d.toMillis() != 0) {
                throw new ConfigException(key + ": " + o + " does not divide a day, so its windows would not align");
            }
            if (sizes.contains(d)) {
                throw new ConfigException(key + ": " + o + " is listed twice");
            }
            sizes.add(d);
        }
        return List.copyOf(sizes);
    }
}
