package com.gluu.kpi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsMatchTheSpec() {
        JobConfig c = JobConfig.defaults();

        assertThat(c.get(JobConfig.JOB_NAME)).isEqualTo("gluu-kpi");
        assertThat(c.get(JobConfig.PARALLELISM)).isEqualTo(2);
        assertThat(c.get(JobConfig.CHECKPOINT_INTERVAL)).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.get(JobConfig.CHECKPOINT_DIR)).isEmpty();
        assertThat(c.get(JobConfig.LOCAL_MANAGED_MEMORY)).isEqualTo(512L * 1024 * 1024);
        assertThat(c.get(JobConfig.SOURCE_KIND)).isEqualTo("file");
        assertThat(c.get(JobConfig.SOURCE_EVENTS)).isEmpty();
        assertThat(c.get(JobConfig.MAX_OUT_OF_ORDERNESS)).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.get(JobConfig.SOURCE_IDLENESS)).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.get(JobConfig.ALLOWED_LATENESS)).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.get(JobConfig.MAX_FUTURE)).isEqualTo(Duration.ofHours(24));
        assertThat(c.get(JobConfig.WINDOWS)).containsExactly(Duration.ofMinutes(1), Duration.ofHours(1));
        assertThat(c.get(JobConfig.DEDUP_WINDOW)).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.get(JobConfig.SINK_BATCH_SIZE)).isEqualTo(2000);
        assertThat(c.get(JobConfig.SINK_FLUSH_INTERVAL)).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.get(JobConfig.SINK_MAX_RETRIES)).isEqualTo(8);
        assertThat(c.get(JobConfig.SINK_RETRY_BACKOFF)).isEqualTo(Duration.ofMillis(200));
        assertThat(c.get(JobConfig.SINK_RETRY_MAX_BACKOFF)).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.get(JobConfig.PRICING_FILE)).isEqualTo("jobs/pricing.yaml");
        assertThat(c.get(JobConfig.RULES_FILE)).isEqualTo("jobs/alert-rules.yaml");
    }

    @Test
    void everyKeyIsUniqueAndDescribed() {
        assertThat(JobConfig.SETTINGS).extracting(Setting::key).doesNotHaveDuplicates();
        assertThat(JobConfig.SETTINGS).allSatisfy(s -> assertThat(s.description()).isNotBlank());
    }

    @Test
    void nestedAndDottedYamlMeanTheSame() {
        JobConfig nested = load("job:\n  parallelism: 4\n  checkpoint_interval: 1m\ntime:\n  allowed_lateness: 2m\n"
                + "windows: [5m, 1d]\n");
        JobConfig dotted = load("job.parallelism: 4\njob.checkpoint_interval: 1m\ntime.allowed_lateness: 2m\n"
                + "windows: [5m, 1d]\n");
        JobConfig mixed = load("job:\n  parallelism: 4\njob.checkpoint_interval: 1m\ntime: {allowed_lateness: 2m}\n"
                + "windows: [5m, 1d]\n");

        for (JobConfig c : List.of(nested, dotted, mixed)) {
            assertThat(c.get(JobConfig.PARALLELISM)).isEqualTo(4);
            assertThat(c.get(JobConfig.CHECKPOINT_INTERVAL)).isEqualTo(Duration.ofMinutes(1));
            assertThat(c.get(JobConfig.ALLOWED_LATENESS)).isEqualTo(Duration.ofMinutes(2));
            assertThat(c.get(JobConfig.WINDOWS)).containsExactly(Duration.ofMinutes(5), Duration.ofDays(1));
            assertThat(c.get(JobConfig.DEDUP_WINDOW)).isEqualTo(Duration.ofMinutes(10)); // untouched default
        }
    }

    @Test
    void overridesBeatTheFileWhichBeatsDefaults() {
        Path file = write("job:\n  parallelism: 4\n  name: from-file\npricing:\n  file: file-pricing.yaml\n");

        JobConfig c = JobConfig.load(file, Map.of("job.parallelism", 8, "pricing.file", "cli-pricing.yaml"));

        assertThat(c.get(JobConfig.PARALLELISM)).isEqualTo(8);
        assertThat(c.get(JobConfig.PRICING_FILE)).isEqualTo("cli-pricing.yaml");
        assertThat(c.get(JobConfig.JOB_NAME)).isEqualTo("from-file");
        assertThat(c.get(JobConfig.RULES_FILE)).isEqualTo("jobs/alert-rules.yaml");
    }

    @Test
    void withReplacesSomeKeysAndKeepsTheRest() {
        JobConfig base = load("job:\n  checkpoint_interval: 10s\nwindows: [1m, 5m]\n");

        JobConfig c = base.with(Map.of("job.parallelism", 3));

        assertThat(c.get(JobConfig.PARALLELISM)).isEqualTo(3);
        assertThat(c.get(JobConfig.CHECKPOINT_INTERVAL)).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.get(JobConfig.WINDOWS)).containsExactly(Duration.ofMinutes(1), Duration.ofMinutes(5));
        assertThat(base.get(JobConfig.PARALLELISM)).isEqualTo(2);
        assertThatThrownBy(() -> base.with(Map.of("job.parallelism", 0)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("job.parallelism");
    }

    @Test
    void anEmptyFileMeansAllDefaults() {
        JobConfig c = JobConfig.load(write("# nothing set\n"), Map.of());

        assertThat(c.get(JobConfig.PARALLELISM)).isEqualTo(2);
    }

    @Test
    void sizesReadAsFlinkWritesThem() {
        // k, m and g are powers of 1024 (Flink's MemorySize); a bare number is bytes.
        assertThat(load("job.local_managed_memory: 1g").get(JobConfig.LOCAL_MANAGED_MEMORY)).isEqualTo(1_073_741_824L);
        assertThat(load("job.local_managed_memory: 768MB").get(JobConfig.LOCAL_MANAGED_MEMORY)).isEqualTo(805_306_368L);
        assertThat(load("job.local_managed_memory: 20000k").get(JobConfig.LOCAL_MANAGED_MEMORY)).isEqualTo(20_480_000L);
        assertThat(load("job.local_managed_memory: 16777216").get(JobConfig.LOCAL_MANAGED_MEMORY)).isEqualTo(16_777_216L);
        // with() writes the value back out and reads it again: the size survives.
        assertThat(load("job.local_managed_memory: 1g").with(Map.of("job.parallelism", 1))
                .get(JobConfig.LOCAL_MANAGED_MEMORY)).isEqualTo(1_073_741_824L);
    }

    @Test
    void unknownKeyIsNamed() {
        assertThatThrownBy(() -> load("job:\n  paralelism: 4\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown config key(s) [job.paralelism]")
                .hasMessageContaining("job.parallelism"); // the list of known keys helps spot the typo
        assertThatThrownBy(() -> JobConfig.defaults().with(Map.of("sink.batchsize", 10)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("[sink.batchsize]");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "bad duration                | 'job.checkpoint_interval: soon'         | job.checkpoint_interval: 'soon' is not a duration",
        "duration without unit       | 'time.allowed_lateness: 300'            | time.allowed_lateness: '300' is not a duration",
        "negative duration           | 'time.allowed_lateness: -5m'            | time.allowed_lateness: '-5m' is not a duration",
        "duration below its minimum  | 'sink.flush_interval: 1ms'              | sink.flush_interval: 1ms is shorter than the minimum 10ms",
        "bad integer                 | 'job.parallelism: two'                  | job.parallelism: 'two' is not a whole number",
        "fractional integer          | 'sink.batch_size: 2.5'                  | sink.batch_size: '2.5' is not a whole number",
        "integer below range         | 'job.parallelism: 0'                    | job.parallelism: 0 is outside [1, 1024]",
        "integer above range         | 'job.parallelism: 5000'                 | job.parallelism: 5000 is outside [1, 1024]",
        "integer that would wrap     | 'job.parallelism: 4294967298'           | job.parallelism: 4294967298 is outside [1, 1024]",
        "negative retries            | 'sink.max_retries: -1'                  | sink.max_retries: -1 is outside [0, 1000]",
        "window not dividing a day   | 'windows: [1m, 7m]'                     | windows: 7m does not divide a day",
        "window longer than a day    | 'windows: [2d]'                         | windows: 2d does not divide a day",
        "duplicate window            | 'windows: [1m, 60s]'                    | windows: 60s is listed twice",
        "empty window list           | 'windows: []'                           | windows: expected a non-empty list",
        "window not a list           | 'windows: 1m'                           | windows: expected a non-empty list",
        "window below a second       | 'windows: [500ms]'                      | windows: 500ms is shorter than the minimum 1s",
        "unknown source kind         | 'source.kind: kafka'                    | source.kind: 'kafka' is not one of [file, kinesis]",
        "unknown start position      | 'kinesis.initial_position: EARLIEST'    | kinesis.initial_position: 'EARLIEST' is not one of [LATEST, TRIM_HORIZON, AT_TIMESTAMP]",
        "enhanced fan-out            | 'kinesis.reader: efo'                   | kinesis.reader: 'efo' (enhanced fan-out) is not supported",
        "shard discovery too often   | 'kinesis.shard_discovery_interval: 10ms' | kinesis.shard_discovery_interval: 10ms is shorter than the minimum 100ms",
        "size without a number       | 'job.local_managed_memory: lots'        | job.local_managed_memory: 'lots' is not a size like 512m or 1g",
        "size with an unknown unit   | 'job.local_managed_memory: 2t'          | job.local_managed_memory: '2t' is not a size",
        "size below its minimum      | 'job.local_managed_memory: 8m'          | job.local_managed_memory: 8m is below the minimum of 16m",
        "byte range below its minimum | 'source.range_bytes: 512'              | source.range_bytes: 512 is below the minimum of 1k (or 0: off)",
        "list where a value belongs  | 'job.name: [a, b]'                      | job.name: expected a single value",
        "nested and dotted twice     | 'job:\\n  parallelism: 2\\njob.parallelism: 4' | job.parallelism: given twice",
    })
    void badValuesNameTheKey(String name, String yaml, String message) {
        assertThatThrownBy(() -> load(yaml.replace("\\n", "\n")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }

    @Test
    void badOverrideNamesTheKey() {
        Path file = write("job:\n  parallelism: 4\n");

        assertThatThrownBy(() -> JobConfig.load(file, Map.of("job.checkpoint_interval", "often")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("job.checkpoint_interval: 'often' is not a duration");
    }

    @Test
    void aFileThatIsNotAMappingOrNotYamlFails() {
        assertThatThrownBy(() -> load("- job.parallelism\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("must be a YAML mapping");
        assertThatThrownBy(() -> load("job: {parallelism: 2\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cannot read config file");
        assertThatThrownBy(() -> JobConfig.load(dir.resolve("missing.yaml"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("missing.yaml");
    }

    @Test
    void shippedLocalConfigLoads() {
        JobConfig c = JobConfig.load(Path.of("jobs/local.yaml"), Map.of());

        assertThat(c.get(JobConfig.JOB_NAME)).isEqualTo("gluu-kpi-local");
        assertThat(c.get(JobConfig.PARALLELISM)).isEqualTo(1);
        assertThat(c.get(JobConfig.CHECKPOINT_INTERVAL)).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.get(JobConfig.SOURCE_KIND)).isEqualTo("file");
        assertThat(Path.of(c.get(JobConfig.SOURCE_EVENTS))).isRegularFile();
        assertThat(c.get(JobConfig.WINDOWS)).containsExactly(Duration.ofMinutes(1), Duration.ofHours(1));
        assertThat(Path.of(c.get(JobConfig.PRICING_FILE))).isRegularFile();
        assertThat(Path.of(c.get(JobConfig.RULES_FILE))).isRegularFile();
        // The files it points at are valid too.
        PricingTable.load(Path.of(c.get(JobConfig.PRICING_FILE)));
        AlertRules.load(Path.of(c.get(JobConfig.RULES_FILE)));
    }

    @Test
    void shippedProductionConfigLoads() {
        JobConfig c = JobConfig.load(Path.of("jobs/production.yaml"), Map.of());

        assertThat(c.get(JobConfig.JOB_NAME)).isEqualTo("gluu-kpi");
        assertThat(c.get(JobConfig.SOURCE_KIND)).isEqualTo("kinesis");
        assertThat(c.get(JobConfig.KINESIS_STREAM)).isEqualTo("gluu-events");
        assertThat(c.get(JobConfig.KINESIS_REGION)).as("from AWS_REGION").isEmpty();
        assertThat(c.get(JobConfig.KINESIS_INITIAL_POSITION)).isEqualTo("LATEST");
        assertThat(c.get(JobConfig.CHECKPOINT_INTERVAL)).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.get(JobConfig.MAX_OUT_OF_ORDERNESS)).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.get(JobConfig.ALLOWED_LATENESS)).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.get(JobConfig.DEDUP_WINDOW)).isEqualTo(Duration.ofMinutes(10));
        assertThat(Path.of(c.get(JobConfig.PRICING_FILE))).isRegularFile();
        assertThat(Path.of(c.get(JobConfig.RULES_FILE))).isRegularFile();
    }

    private JobConfig load(String yaml) {
        return JobConfig.load(write(yaml), Map.of());
    }

    private Path write(String yaml) {
        try {
            Path file = dir.resolve("job.yaml");
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
