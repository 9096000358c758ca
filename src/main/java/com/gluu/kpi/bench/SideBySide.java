package com.gluu.kpi.bench;

import com.gluu.kpi.db.EmbeddedDatabase;
import com.gluu.kpi.db.Migrations;
import com.gluu.kpi.sinks.JdbcSettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;

/**
 * The pieces of {@code scripts/side-by-side.sh}, the benchmark of issue 16: gluu-kpi against
 * what a team without a stream processor would do instead, on the same file and the same
 * Postgres. Not part of the stable command line (README "Public surface"); run as
 * {@code java -cp target/gluu-kpi.jar com.gluu.kpi.bench.SideBySide COMMAND ...}:
 *
 * <ul>
 *   <li>{@code generate FILE HOURS PER_SECOND} — a production-shaped trace
 *       ({@link SyntheticEvents#writeProductionShaped});
 *   <li>{@code database} — an embedded PostgreSQL with the kpi schema; prints its JDBC URL and
 *       runs until killed;
 *   <li>{@code postgres-only FILE JDBC_URL} — the alternative: COPY every line into a
 *       {@code jsonb} table, then one SQL statement of per-minute {@code percentile_disc} (p50,
 *       p95, p99), count, max, avg and error counts of {@code latency_ms.total} per service, model
 *       and endpoint; prints its two phases' times;
 *   <li>{@code reset JDBC_URL} — empties the kpi tables and drops the alternative's, so each
 *       round starts from the same database, then runs {@code CHECKPOINT}.
 * </ul>
 */
public final class SideBySide {
    /**
     * What the alternative computes: latency and errors only, no dedup, no lateness, no other
     * KPI family (issue 16's description of it). ts is epoch millis in the generated trace.
     */
    static final String PER_MINUTE_SQL = "CREATE TABLE bench.minute_kpis AS"
            + " SELECT date_trunc('minute', to_timestamp((doc ->> 'ts')::bigint / 1000.0)) AS minute,"
            + " doc ->> 'service' AS service, doc ->> 'model' AS model, doc ->> 'endpoint' AS endpoint,"
            + " count(*) AS requests,"
            + " count(*) FILTER (WHERE doc ->> 'status' = 'error') AS errors,"
            + " percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY (doc -> 'latency_ms' ->> 'total')::float8)"
            + " AS latency_p50_p95_p99,"
            + " max((doc -> 'latency_ms' ->> 'total')::float8) AS latency_max,"
            + " avg((doc -> 'latency_ms' ->> 'total')::float8) AS latency_avg"
            + " FROM bench.events WHERE doc ->> 'type' = 'inference' GROUP BY 1, 2, 3, 4";

    private SideBySide() {}

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "" : args[0];
        switch (command) {
            case "generate" -> {
                long t = System.nanoTime();
                long lines = SyntheticEvents.writeProductionShaped(Path.of(args[1]), Integer.parseInt(args[2]),
                        Integer.parseInt(args[3]), Instant.parse("2026-11-22T00:00:00Z"), 16);
                System.out.printf("generated %,d lines (%,d MB) in %.1f s%n", lines, Files.size(Path.of(args[1])) >> 20,
                        (System.nanoTime() - t) / 1e9);
            }
            case "database" -> {
                EmbeddedDatabase db = EmbeddedDatabase.start();
                Runtime.getRuntime().addShutdownHook(new Thread(db::close, "database-stop"));
                Migrations.apply(new JdbcSettings(db.jdbcUrl(), null, null));
                System.out.println("jdbc-url " + db.jdbcUrl());
                System.out.flush();
                Thread.currentThread().join();
            }
            case "postgres-only" -> postgresOnly(Path.of(args[1]), new JdbcSettings(args[2], null, null));
            case "reset" -> reset(new JdbcSettings(args[1], null, null));
            default -> {
                System.err.println("usage: SideBySide generate FILE HOURS PER_SECOND | database | postgres-only FILE JDBC_URL"
                        + " | reset JDBC_URL");
                System.exit(2);
            }
        }
    }

    private static void postgresOnly(Path file, JdbcSettings jdbc) throws SQLException, IOException {
        try (Connection c = jdbc.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS bench");
            s.execute("DROP TABLE IF EXISTS bench.events, bench.minute_kpis");
            s.execute("CREATE TABLE bench.events (doc jsonb NOT NULL)");
            long t0 = System.nanoTime();
            long copied;
            // CSV with a quote and a delimiter no JSON line holds: each line is one field, verbatim
            // (the text format would read backslash escapes in the JSON).
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                copied = c.unwrap(PGConnection.class).getCopyAPI().copyIn(
                        "COPY bench.events (doc) FROM STDIN WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')", in);
            }
            long t1 = System.nanoTime();
            s.execute(PER_MINUTE_SQL);
            long t2 = System.nanoTime();
            long rows;
            try (ResultSet r = s.executeQuery("SELECT count(*) FROM bench.minute_kpis")) {
                r.next();
                rows = r.getLong(1);
            }
            System.out.printf("postgres-only: COPY %,d lines %.1f s, per-minute SQL %.1f s (%,d rows)%n", copied,
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9, rows);
        }
    }

    private static void reset(JdbcSettings jdbc) throws SQLException {
        try (Connection c = jdbc.connect(); Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT 'kpi.' || tablename FROM pg_tables WHERE schemaname = 'kpi'"
                    + " AND tablename <> 'flyway_schema_history' ORDER BY 1")) {
                while (r.next()) {
                    tables.add(r.getString(1));
                }
            }
            s.execute("TRUNCATE " + String.join(", ", tables));
            s.execute("DROP TABLE IF EXISTS bench.events, bench.minute_kpis");
            // Writes every dirty buffer now, so that the next timed run does not pay for them.
            s.execute("CHECKPOINT");
        }
    }
}
