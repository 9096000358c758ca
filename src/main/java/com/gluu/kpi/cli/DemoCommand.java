package com.gluu.kpi.cli;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.dashboard.DashboardServer;
import com.gluu.kpi.db.EmbeddedDatabase;
import com.gluu.kpi.db.Migrations;
import com.gluu.kpi.demo.DemoSummary;
import com.gluu.kpi.demo.DemoTrace;
import com.gluu.kpi.pipeline.JobCounts;
import com.gluu.kpi.sinks.JdbcSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;

/**
 * {@code demo}: the whole pipeline on one machine, with nothing to install but a JDK.
 *
 * <pre>
 * mvn -q -B clean package -DskipTests &amp;&amp; java -jar target/gluu-kpi.jar demo
 * </pre>
 *
 * <ol>
 *   <li>Starts an embedded PostgreSQL (real server binaries from Maven Central, on a free
 *       loopback port) and applies the {@code sql/} migrations to it.
 *   <li>Builds the demo events from the bundled real request trace, {@code data/} (Azure LLM
 *       inference trace 2023, "code" sample: 8,819 requests over about an hour on 2023-11-16;
 *       CC-BY 4.0, attribution in {@code data/NOTICE.md}): each CSV row becomes one
 *       {@code inference} event at its own time, with its token counts and a seeded latency
 *       model, plus injected incidents — a 6-minute latency spike (BLIP-2 8× slower), a 4-minute
 *       error burst (~15 % {@code sagemaker_timeout} / {@code openai_429}), and a
 *       {@code blip2-endpoint} failure with a restart 3 minutes later. Around the requests:
 *       {@code feedback} on about 10 % of the ok inferences (most within 20 minutes, some 1–3 h
 *       late, some ahead of their inference, a few for unknown request ids; worse verdicts in the
 *       incidents), {@code endpoint} events (blip2-endpoint created, scaled out to 2 instances in
 *       the spike, failed and restarted; an idle {@code llava-endpoint} InService throughout and
 *       never called), ECS {@code task} events (four Fargate tasks from the start, a fifth for
 *       20 minutes from the spike) and async {@code job} events (analyze-api's async analyses with
 *       their webhooks, an 8-minute webhook outage in which every attempt fails, annotate-worker's
 *       annotation jobs and one job that never finishes). And what real producers send: a truncated JSON line, a
 *       negative latency, an unknown event type and a few producer retries (see
 *       {@link DemoTrace}). The events are written as JSON Lines to a temp folder.
 *   <li>Replays that file through the real job (parse → validate → dedup → 1-minute and 1-hour
 *       windows → Postgres upserts) on an in-process Flink cluster, with the default job settings.
 *   <li>Prints a summary read back from the KPI tables ({@link DemoSummary}): requests, errors
 *       and error rate per service; whole-trace p50/p95/p99 per service and stage, merged from the
 *       per-minute DDSketches; the 5 worst minutes by total p95 and by error rate; accuracy per
 *       model and the unmatched feedback; cost per model and endpoint (LLM, hosting, Fargate,
 *       total, per inference), the whole cost per inference, and the idle hosting with what
 *       shutting idle endpoints down would save per hour; uptime, restarts and failures per
 *       endpoint; the async jobs per service and kind (counts, submit-to-webhook p50/p95/p99
 *       merged in SQL, stuck jobs); every alert transition and SNS message; dead letters by
 *       reason; and the injected incidents with their times — then how long it all took.
 * </ol>
 * It stops the database and deletes its temp files at the end, and exits 0 (in about half a
 * minute on 2 cores). Flink logs at WARN on stderr; the summary goes to stdout.
 *
 * <p>{@code demo --serve [--port P]}: after the summary, the dashboard serves the demo's
 * database on 127.0.0.1 (read as a login granted only {@code kpi_reader}, as in production)
 * and the demo prints its URL, with {@code from}/{@code to} around the trace, and waits for
 * Ctrl-C before it cleans up.
 */
public final class DemoCommand {
    private DemoCommand() {}

    /** What one demo run produced. */
    public static final class Outcome {
        public final DemoTrace trace;
        public final JobCounts counts;
        public final DemoSummary summary;
        public final String summaryText;
        public final Duration wallTime;

        Outcome(DemoTrace trace, JobCounts counts, DemoSummary summary, String summaryText, Duration wallTime) {
            this.trace = trace;
            this.counts = counts;
            this.summary = summary;
            this.summaryText = summaryText;
            this.wallTime = wallTime;
        }
    }

    /** What to do with the demo's database after the summary, while it still runs. */
    public interface Serve {
        /**
         * @param reader a login granted only kpi_reader on the demo's database
         * @param query the dashboard's URL query covering the demo's requests ({@code ?from=…&to=…})
         */
        void serve(JdbcSettings reader, String query) throws Exception;
    }

    /** The login {@code demo --serve} creates for the dashboard: granted kpi_reader and nothing else. */
    static final String DASHBOARD_LOGIN = "gluu_dashboard";

    static int run(List<String> argv) throws Exception {
        boolean serve = argv.contains("--serve");
        List<String> options = argv.stream().filter(a -> !a.equals("--serve")).toList();
        if (!serve && options.contains("--port")) {
            throw new Args.UsageException("--port goes with --serve (the dashboard's port)");
        }
        Args args = Args.parse(options, serve ? Set.of("port") : Set.of());
        if (!serve) {
            run(System.out);
            return 0;
        }
        int port = DashboardCommand.port(args.get("port", String.valueOf(DashboardCommand.DEFAULT_PORT)));
        String token = DashboardCommand.token(System.getenv("DASHBOARD_TOKEN"));
        DashboardCommand.CtrlC ctrlC = DashboardCommand.CtrlC.install();
        try {
            run(System.out, (reader, query) -> {
                try (DashboardServer server = DashboardServer.start(reader, DashboardCommand.DEFAULT_HOST, port, token)) {
                    System.out.println();
                    DashboardCommand.announce(System.out, server, query);
                    ctrlC.await();
                }
            });
        } finally {
            ctrlC.done();
        }
        return 0;
    }

    /** Runs the whole demo, printing progress and the summary to {@code out}. */
    public static Outcome run(PrintStream out) throws Exception {
        return run(out, null);
    }

    /** As {@link #run(PrintStream)}; then, if {@code serve} is given, hands it the database before closing it. */
    public static Outcome run(PrintStream out, Serve serve) throws Exception {
        long start = System.nanoTime();
        out.println("gluu-kpi demo: embedded PostgreSQL + in-process Flink + the bundled real trace with incidents");
        Path work = Files.createTempDirectory("gluu-kpi-demo");
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            JdbcSettings jdbc = new JdbcSettings(db.jdbcUrl(), null, null);
            Migrations.apply(jdbc, null, null);
            out.printf("[%4.1f s] PostgreSQL started and migrated (%s)%n", seconds(start), JdbcSettings.redact(jdbc.url()));

            DemoTrace trace = DemoTrace.bundled();
            Path events = work.resolve("demo-events.jsonl");
            trace.writeTo(events);
            out.printf("[%4.1f s] %,d events written to %s: %,d trace rows (%s – %s) + %,d injected records"
                            + " (%,d feedback, %,d job events, %d endpoint events, %d task events, %d bad records,"
                            + " %d producer retries)%n",
                    seconds(start), trace.lines().size(), events, trace.rows().size(), trace.start(), trace.end(),
                    trace.injectedRecords(), trace.feedbackEvents(), trace.jobEvents(), DemoTrace.ENDPOINT_EVENTS,
                    DemoTrace.TASK_EVENTS, DemoTrace.BAD_RECORDS, DemoTrace.DUPLICATES);

            JobConfig config = JobConfig.defaults().with(Map.of(JobConfig.JOB_NAME.key(), "gluu-kpi-demo"));
            out.printf("[%4.1f s] replaying through the Flink job (parallelism %d, default settings)"
                    + " into Postgres …%n", seconds(start), config.get(JobConfig.PARALLELISM));
            JobExecutionResult result = KpiJob.replayFile(config, events, jdbc);
            JobCounts counts = JobCounts.of(result);
            out.printf("[%4.1f s] job finished in %.1f s: %s%n", seconds(start), result.getNetRuntime() / 1000.0,
                    counts.describe(events.getFileName().toString()));

            DemoSummary summary = DemoSummary.read(jdbc);
            String text = summary.render(trace.incidents());
            out.println();
            out.print(text);
            out.println();
            Duration wall = Duration.ofNanos(System.nanoTime() - start);
            out.printf("demo finished in %.1f s (wall time, including database and Flink start-up)%n", wall.toMillis() / 1000.0);
            out.flush();
            if (serve != null) {
                serve.serve(readerLogin(jdbc), dashboardQuery(jdbc));
            }
            return new Outcome(trace, counts, summary, text, wall);
        } finally {
            deleteRecursively(work);
        }
    }

    /**
     * A login granted only kpi_reader on the embedded database (which trusts local logins, so it
     * needs no password): the dashboard reads the demo as it reads production.
     */
    static JdbcSettings readerLogin(JdbcSettings owner) throws SQLException {
        try (Connection c = owner.connect(); Statement s = c.createStatement()) {
            s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + DASHBOARD_LOGIN + "')"
                    + " THEN CREATE ROLE " + DASHBOARD_LOGIN + " LOGIN IN ROLE kpi_reader; END IF; END $$");
        }
        // The embedded server's URL logs in as postgres; the dashboard logs in as its own role.
        return new JdbcSettings(owner.url().replaceAll("[?&]user=postgres", ""), DASHBOARD_LOGIN, null);
    }

    /** {@code ?from=…&to=…} spanning the 1-minute traffic windows, i.e. the demo's requests. */
    static String dashboardQuery(JdbcSettings jdbc) throws SQLException {
        String sql = "SELECT min(window_start), max(window_end) FROM kpi.traffic"
                + " WHERE window_end - window_start = interval '1 minute'";
        try (Connection c = jdbc.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            OffsetDateTime from = rs.getObject(1, OffsetDateTime.class);
            OffsetDateTime to = rs.getObject(2, OffsetDateTime.class);
            return from == null ? "" : "?from=" + from.toInstant() + "&to=" + to.toInstant();
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
