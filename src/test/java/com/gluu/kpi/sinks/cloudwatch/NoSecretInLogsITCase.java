package com.gluu.kpi.sinks.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.testing.CloudWatchLogsStandIn;
import com.gluu.kpi.testing.PostHogStandIn;
import com.gluu.kpi.testing.TestDatabase;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run} as a real process with every secret set to a value that cannot occur by chance (a
 * password in the JDBC URL and in KPI_JDBC_PASSWORD, the PostHog key, the AWS secret key), its
 * logs going to stderr through the jar's own log4j2.properties and to CloudWatch Logs (stand-in):
 * every stderr line is one JSON object, and no secret is in any of them, in stdout, or in what
 * CloudWatch received.
 */
class NoSecretInLogsITCase {
    static final String URL_PASSWORD = "urlPw-7f3a9c2e";
    static final String JDBC_PASSWORD = "envPw-51d0be84";
    static final String POSTHOG_KEY = "phc_secret_4b8e2a61";
    static final String AWS_SECRET = "awsSecret/9c1d7e3f5a";

    @Test
    void noSecretReachesTheConsoleOrCloudWatchAndEveryLogLineIsJson(@TempDir Path dir) throws Exception {
        try (TestDatabase db = TestDatabase.startMigrated();
                CloudWatchLogsStandIn cw = new CloudWatchLogsStandIn();
                PostHogStandIn posthog = new PostHogStandIn()) {
            String url = db.jdbc().url() + (db.jdbc().url().contains("?") ? "&" : "?") + "password=" + URL_PASSWORD;
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            // The --add-opens this test JVM runs with (the pom's flink.add-opens), not a second copy of the list.
            ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(arg -> arg.startsWith("--add-opens=")).forEach(command::add);
            command.addAll(List.of("-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    "-Dlog4j2.configurationFile=log4j2.properties", // the jar's config, not the tests'
                    "com.gluu.kpi.cli.Main", "run", "--config", "jobs/local.yaml",
                    "--events", "src/test/resources/samples/events.jsonl", "--jdbc-url", url));
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectOutput(dir.resolve("stdout").toFile()).redirectError(dir.resolve("stderr").toFile());
            Map<String, String> env = pb.environment();
            env.put("KPI_JDBC_PASSWORD", JDBC_PASSWORD);
            env.put("POSTHOG_API_KEY", POSTHOG_KEY);
            env.put("POSTHOG_HOST", posthog.url());
            env.put("AWS_ACCESS_KEY_ID", "AKIDNOSECRETTEST");
            env.put("AWS_SECRET_ACCESS_KEY", AWS_SECRET);
            env.put("AWS_REGION", "us-east-1");
            env.put("AWS_ENDPOINT_URL", cw.url());
            env.put("CLOUDWATCH_LOG_GROUP", "gluu-secrets");
            Process process = pb.start();
            assertThat(process.waitFor(240, TimeUnit.SECONDS)).isTrue();
            String stdout = Files.readString(dir.resolve("stdout"), StandardCharsets.UTF_8);
            String stderr = Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8);
            assertThat(process.exitValue()).as(stderr).isZero();

            ObjectMapper json = new ObjectMapper();
            List<String> lines = stderr.lines().filter(l -> !l.isBlank()).toList();
            assertThat(lines).isNotEmpty();
            for (String line : lines) {
                JsonNode node = json.readTree(line);
                assertThat(node.isObject()).as(line).isTrue();
                assertThat(node.has("time") && node.has("level") && node.has("logger") && node.has("message")).as(line).isTrue();
            }
            List<String> shipped = cw.batches().stream().flatMap(b -> b.events().stream())
                    .map(CloudWatchLogsStandIn.LogEvent::message).toList();
            assertThat(shipped).anyMatch(m -> m.contains("\"logger\"")) // log lines
                    .anyMatch(m -> m.contains("Gluu/Inference")); // EMF records
            for (String secret : List.of(URL_PASSWORD, JDBC_PASSWORD, POSTHOG_KEY, AWS_SECRET)) {
                assertThat(stderr).doesNotContain(secret);
                assertThat(stdout).doesNotContain(secret);
                assertThat(shipped).noneMatch(m -> m.contains(secret));
            }
            assertThat(new File("jobs/local.yaml")).exists();
        }
    }
}
