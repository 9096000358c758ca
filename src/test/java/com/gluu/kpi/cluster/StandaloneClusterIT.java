package com.gluu.kpi.cluster;

import static com.gluu.kpi.testing.AlertScenario.ERROR_ID;
import static com.gluu.kpi.testing.AlertScenario.FAST_BURN_ID;
import static com.gluu.kpi.testing.AlertScenario.FAILED_ID;
import static com.gluu.kpi.testing.AlertScenario.MIN;
import static com.gluu.kpi.testing.AlertScenario.RESTART_ID;
import static com.gluu.kpi.testing.AlertScenario.SLOW_BURN_ID;
import static com.gluu.kpi.testing.AlertScenario.T_MS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.cluster.StandaloneCluster;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.db.EmbeddedDatabase;
import com.gluu.kpi.sinks.JdbcSettings;
import com.gluu.kpi.testing.AlertScenario;
import com.gluu.kpi.testing.PostHogStandIn;
import com.gluu.kpi.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code target/gluu-kpi.jar} on a real standalone Flink cluster: a JobManager and two
 * TaskManagers (one slot each, so with parallelism 2 every shuffle crosses processes), separate
 * JVMs on 127.0.0.1 started by the product's own {@code cluster start} ({@link StandaloneCluster})
 * from the Flink classes inside the jar (without the application's), the jar uploaded and run through the REST
 * API exactly as {@code docker/} submits it: {@code run --config jobs/production.yaml --events
 * FILE --jdbc-url URL}. The JobManager runs in a folder without {@code jobs/}, so the job reads the
 * configs bundled in the jar.
 *
 * <p>The database is a real PostgreSQL that refuses the job's user without its password
 * (scram-sha-256). The password is only in the processes' environment ({@code KPI_JDBC_PASSWORD},
 * as a Kubernetes Secret gives it), never in the program arguments; the TaskManagers read it
 * themselves. PostHog is a local stand-in, configured in the TaskManagers' environment: the job
 * delivers the alerts itself.
 *
 * <p>Input: {@link AlertScenario} (40 minutes of analyze-api traffic, three alert episodes worked
 * out by hand), then one line that is not JSON and one exact duplicate of the last event.
 */
class StandaloneClusterIT {
    private static final Path JAR = Path.of(System.getProperty("gluu.jar", "target/gluu-kpi.jar"));
    private static final Path DIR = Path.of(System.getProperty("flink.cluster.dir", "target/flink-cluster"));
    private static final String PASSWORD = UUID.randomUUID().toString();

    static EmbeddedDatabase postgres;
    static JdbcSettings jobDatabase; // as the job's user, with the password
    static String jobUrl;
    static PostHogStandIn posthog;
    static StandaloneCluster cluster;
    static Path events;

    @BeforeAll
    static void start() throws Exception {
        assertThat(JAR).as("built by mvn package").exists();
        postgres = EmbeddedDatabase.start();
        jobUrl = "jdbc:postgresql://127.0.0.1:" + port(postgres.jdbcUrl()) + "/postgres";
        requirePasswordForJobUser(new JdbcSettings(postgres.jdbcUrl(), null, null));
        jobDatabase = new JdbcSettings(jobUrl, "gluu_job", PASSWORD);
        posthog = new PostHogStandIn();

        Path run = Files.createDirectories(DIR.resolve("run-" + System.currentTimeMillis()));
        events = AlertScenario.write(run.resolve("cluster.jsonl").toAbsolutePath());
        // The last event again: within the lateness and dedup windows, so it is counted once (an
        // early event repeated at the end would be 38 minutes behind the watermark: too_late).
        String duplicate = Files.readAllLines(events).get(AlertScenario.LINES - 1);
        Files.write(events, List.of("{\"event_id\": not json", duplicate), StandardOpenOption.APPEND);

        // The product's `cluster start` (StandaloneCluster), with the processes' environment given
        // here alone: the developer's own KPI_*/POSTHOG_* variables must not reach the job.
        cluster = StandaloneCluster.start(run, JAR, flinkWeb(),
                StandaloneCluster.Options.of(2).withEnvironment(Map.of("KPI_JDBC_USER", "gluu_job", "KPI_JDBC_PASSWORD", PASSWORD,
                        "POSTHOG_API_KEY", "phc_cluster_test", "POSTHOG_HOST", posthog.url()), false));
    }

    /** The flink-runtime-web jar `mvn package` copies to {@code target/flink-cluster/lib}. */
    static Path flinkWeb() throws java.io.IOException {
        try (var jars = Files.list(DIR.resolve("lib"))) {
            return jars.filter(j -> j.getFileName().toString().startsWith("flink-runtime-web-")).findFirst()
                    .orElseThrow(() -> new AssertionError("flink-runtime-web not in " + DIR.resolve("lib") + " (mvn package)"));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (posthog != null) {
            posthog.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void theJarSubmittedThroughRestWritesWhatTheInProcessReplayWritesAndDeliversItsAlerts() throws Exception {
        String jarId = cluster.uploadJar(JAR);
        String jobId = cluster.runJar(jarId, List.of("run", "--config", "jobs/production.yaml",
                "--events", events.toString(), "--jdbc-url", jobUrl));

        assertThat(cluster.awaitTerminal(jobId, Duration.ofMinutes(2))).isEqualTo("FINISHED");

        assertThat(taskManagersThatRanTheJob(jobId)).as("subtasks ran in both TaskManagers").containsExactly("tm-1", "tm-2");
        assertTrafficByHand();
        assertThat(rows(jobDatabase, "SELECT id, reason FROM kpi.dead_letters"))
                .containsExactly(List.of("cluster.jsonl:" + (AlertScenario.LINES + 1), "malformed_json"));
        // The five episodes of AlertsReplayITCase (the error burst, the failure, the restart, and the
        // availability SLO's slow burn, still firing, and fast burn), delivered to PostHog by the job itself.
        assertThat(rows(jobDatabase, "SELECT alert_id, state, notify_seq, posthog_seq, sns_seq FROM kpi.alerts"
                + " ORDER BY started_at, alert_id"))
                .containsExactly(List.of(SLOW_BURN_ID, "firing", 1, 1, 0), List.of(ERROR_ID, "resolved", 2, 2, 0),
                        List.of(FAST_BURN_ID, "resolved", 2, 2, 0), List.of(FAILED_ID, "resolved", 2, 2, 0),
                        List.of(RESTART_ID, "resolved", 2, 2, 0));
        List<String> delivered = new ArrayList<>();
        for (PostHogStandIn.Event e : posthog.events()) {
            delivered.add(e.properties().get("alert_id").asText() + " " + e.properties().get("seq").asInt() + " "
                    + e.properties().get("state").asText());
        }
        assertThat(delivered).containsExactlyInAnyOrder(ERROR_ID + " 1 firing", ERROR_ID + " 2 resolved",
                FAILED_ID + " 1 firing", FAILED_ID + " 2 resolved", RESTART_ID + " 1 firing", RESTART_ID + " 2 resolved",
                SLOW_BURN_ID + " 1 firing", FAST_BURN_ID + " 1 firing", FAST_BURN_ID + " 2 resolved");

        // Every table, row for row, as the same file replayed in this JVM (in-process Flink) writes it.
        try (TestDatabase local = TestDatabase.startMigrated()) {
            JobConfig production = JobConfig.load(Path.of("jobs/production.yaml"), Map.of("source.events", events.toString()));
            KpiJob.replayFile(production, events, local.jdbc());
            List<String> tables = List.of("latency", "traffic", "accuracy", "cost", "endpoint_health", "alerts",
                    "alert_evidence", "dead_letters");
            // Not compared: write times, and the delivery columns (only the cluster job delivered).
            List<String> leftOut = new ArrayList<>(TestDatabase.WRITE_TIMES);
            leftOut.addAll(TestDatabase.OUTBOX_COLUMNS);
            Map<String, List<String>> onCluster = TestDatabase.tablesAsJson(jobDatabase, tables, leftOut);
            Map<String, List<String>> inProcess = TestDatabase.tablesAsJson(local.jdbc(), tables, leftOut);
            for (String table : tables) {
                if (!table.equals("accuracy")) { // the scenario has no feedback
                    assertThat(onCluster.get(table)).as("kpi.%s has rows", table).isNotEmpty();
                }
                assertThat(onCluster.get(table)).as("kpi.%s", table).isEqualTo(inProcess.get(table));
            }
        }
    }

    /** By hand: 60 requests a minute for 40 minutes (the duplicate counted once), 30 errors in minutes 10..14. */
    private static void assertTrafficByHand() throws Exception {
        List<List<Object>> expected = new ArrayList<>();
        for (int m = 0; m < 40; m++) {
            expected.add(List.of(T_MS + m * MIN, T_MS + (m + 1) * MIN, 60L, m >= 10 && m <= 14 ? 30L : 0L));
        }
        expected.add(List.of(T_MS, T_MS + 60 * MIN, 2400L, 150L));
        assertThat(rows(jobDatabase, "SELECT (extract(epoch FROM window_start) * 1000)::bigint,"
                + " (extract(epoch FROM window_end) * 1000)::bigint, requests, errors FROM kpi.traffic"
                + " WHERE service = 'analyze-api' AND route = '/analyze' AND model = 'blip2' AND endpoint = 'blip2-endpoint'"
                + " ORDER BY window_end - window_start, window_start")).isEqualTo(expected);
        assertThat(rows(jobDatabase, "SELECT count(*) FROM kpi.traffic")).containsExactly(List.of(41L));
    }

    /** The TaskManagers that ran at least one subtask of the job, from the REST API. */
    private static TreeSet<String> taskManagersThatRanTheJob(String jobId) throws Exception {
        TreeSet<String> ids = new TreeSet<>();
        for (JsonNode vertex : cluster.get("/jobs/" + jobId).path("vertices")) {
            for (JsonNode tm : cluster.get("/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/taskmanagers")
                    .path("taskmanagers")) {
                ids.add(tm.path("taskmanager-id").asText());
            }
        }
        return ids;
    }

    private static List<List<Object>> rows(JdbcSettings db, String sql) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    /**
     * Migrates as the owner (as `migrate` does in production), creates the job's login
     * {@code gluu_job} granted only {@code kpi_writer} (README "Against your own Postgres"), and
     * makes the server ask it for its password over TCP, where the embedded server otherwise
     * trusts everyone.
     */
    private static void requirePasswordForJobUser(JdbcSettings admin) throws Exception {
        com.gluu.kpi.db.Migrations.apply(admin);
        try (Connection c = admin.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE gluu_job LOGIN PASSWORD '" + PASSWORD + "' IN ROLE kpi_writer");
            Path hba;
            try (ResultSet rs = s.executeQuery("SHOW hba_file")) {
                rs.next();
                hba = Path.of(rs.getString(1));
            }
            Files.writeString(hba, "host all gluu_job 127.0.0.1/32 scram-sha-256\n" + Files.readString(hba));
            s.execute("SELECT pg_reload_conf()");
        }
        // Proof that the rule holds: without the password the job's user is refused.
        try (Connection c = new JdbcSettings(jobUrl, "gluu_job", null).connect()) {
            throw new AssertionError("gluu_job connected without a password");
        } catch (java.sql.SQLException expected) {
            assertThat(expected.getMessage()).contains("password");
        }
    }

    private static int port(String url) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("//[^:/]+:(\\d+)/").matcher(url);
        assertThat(m.find()).as("port in %s", url).isTrue();
        return Integer.parseInt(m.group(1));
    }
}
