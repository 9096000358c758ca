package com.gluu.kpi.testing;

import com.gluu.kpi.db.EmbeddedDatabase;
import com.gluu.kpi.db.Migrations;
import com.gluu.kpi.sinks.JdbcSettings;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A real embedded PostgreSQL with the kpi schema migrated, shared by one test class. */
public final class TestDatabase implements AutoCloseable {
    private volatile EmbeddedDatabase postgres;
    private final JdbcSettings jdbc;
    /** Where a restartable database keeps its data, or null (data deleted on close). */
    private final java.nio.file.Path dataDirectory;
    private final int port;

    private TestDatabase(EmbeddedDatabase postgres, java.nio.file.Path dataDirectory, int port) {
        this.postgres = postgres;
        this.jdbc = new JdbcSettings(postgres.jdbcUrl(), null, null);
        this.dataDirectory = dataDirectory;
        this.port = port;
    }

    public static TestDatabase startMigrated() {
        return migrated(new TestDatabase(EmbeddedDatabase.start(), null, 0));
    }

    /**
     * A database {@link #restart}able under a running job: its data in {@code dataDirectory}, on
     * a port fixed for its life, so the job's URL stays right across restarts.
     */
    public static TestDatabase startRestartable(java.nio.file.Path dataDirectory) throws java.io.IOException {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        return migrated(new TestDatabase(EmbeddedDatabase.startKeeping(dataDirectory, port), dataDirectory, port));
    }

    private static TestDatabase migrated(TestDatabase db) {
        Migrations.apply(db.jdbc, null, null);
        return db;
    }

    /**
     * Stops the server (its connections are closed, in-flight transactions roll back), keeps it
     * down for {@code down}, and starts it again on the same data and port.
     */
    public void restart(java.time.Duration down) throws InterruptedException {
        if (dataDirectory == null) {
            throw new IllegalStateException("not restartable: start it with startRestartable");
        }
        postgres.close();
        Thread.sleep(down.toMillis());
        postgres = EmbeddedDatabase.startKeeping(dataDirectory, port);
    }

    public JdbcSettings jdbc() {
        return jdbc;
    }

    public void truncateKpiTables() throws SQLException {
        execute("TRUNCATE kpi.latency, kpi.traffic, kpi.dead_letters, kpi.accuracy, kpi.cost, kpi.endpoint_health, kpi.alerts,"
                + " kpi.alert_evidence, kpi.alert_notifications, kpi.slo, kpi.jobs, kpi.tenant_usage");
    }

    public void execute(String sql) throws SQLException {
        try (Connection c = jdbc.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Columns that say when a row was written, not what the pipeline computed. */
    public static final List<String> WRITE_TIMES = List.of("updated_at", "received_at");
    /** kpi.alerts columns the alert outbox writes as it delivers (not the pipeline's results). */
    public static final List<String> OUTBOX_COLUMNS = List.of("posthog_seq", "posthog_delivered_at", "posthog_attempts",
            "posthog_last_error", "sns_seq", "sns_delivered_at", "sns_attempts", "sns_last_error");

    /** {@link #tablesAsJson(JdbcSettings, List, List)} of this database without the write times. */
    public Map<String, List<String>> tablesAsJson(List<String> tables) throws SQLException {
        return tablesAsJson(jdbc, tables, WRITE_TIMES);
    }

    /**
     * Every row of each {@code kpi.<table>} as JSON text without the columns {@code leftOut}, sorted:
     * for comparing two runs (or two databases) table by table.
     */
    public static Map<String, List<String>> tablesAsJson(JdbcSettings jdbc, List<String> tables, List<String> leftOut)
            throws SQLException {
        String columns = "ARRAY['" + String.join("', '", leftOut) + "']";
        Map<String, List<String>> all = new TreeMap<>();
        for (String table : tables) {
            List<String> rows = new ArrayList<>();
            for (Map<String, Object> r : rows(jdbc, "SELECT (to_jsonb(t) - " + columns + ")::text AS row FROM kpi." + table
                    + " t ORDER BY 1")) {
                rows.add((String) r.get("row"));
            }
            all.put(table, rows);
        }
        return all;
    }

    /** Every row of a query as column → value maps, in the query's order. */
    public List<Map<String, Object>> rows(String sql) throws SQLException {
        return rows(jdbc, sql);
    }

    private static List<Map<String, Object>> rows(JdbcSettings jdbc, String sql) throws SQLException {
        try (Connection c = jdbc.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData meta = rs.getMetaData();
            List<Map<String, Object>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    @Override
    public void close() {
        postgres.close();
    }

    /**
     * Equal row lists, and if not, first which rows only one side has (whole tables are too long
     * to read in a failure message). {@code what} names the table, {@code actual} and {@code
     * expected} the two runs.
     */
    public static <T> void assertSameRows(String what, String actual, List<T> actualRows, String expected,
            List<T> expectedRows) {
        List<T> onlyActual = new ArrayList<>(actualRows);
        onlyActual.removeAll(expectedRows);
        List<T> onlyExpected = new ArrayList<>(expectedRows);
        onlyExpected.removeAll(actualRows);
        org.assertj.core.api.Assertions.assertThat(onlyActual)
                .as("%s rows only %s (only %s: %s)", what, actual, expected, onlyExpected).isEmpty();
        org.assertj.core.api.Assertions.assertThat(onlyExpected).as("%s rows only %s", what, expected).isEmpty();
        org.assertj.core.api.Assertions.assertThat(actualRows).as("%s %s vs %s", what, actual, expected)
                .isEqualTo(expectedRows);
    }
}
