package com.gluu.kpi.db;

import com.gluu.kpi.config.ConfigException;
import com.gluu.kpi.sinks.JdbcSettings;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the SQL migrations of {@code sql/} (shipped in the jar under {@code db/migration}) with
 * Flyway. Idempotent: an up-to-date database is left as it is. Flyway's history table lives in
 * the {@code kpi} schema beside the tables it describes (with row-level security on, like every
 * table there: V4).
 *
 * <p>Who migrates: the schema's owner ({@code migrate}, or the demo's embedded database). The job
 * and the dashboard run as roles granted only {@code kpi_writer} or {@code kpi_reader}, which may
 * not change the schema; {@link #ensureCurrent} lets them start on an up-to-date schema and
 * stops them with a clear message otherwise.
 */
public final class Migrations {
    private Migrations() {}

    public static MigrateResult apply(JdbcSettings jdbc, String user, String password) {
        return apply(new JdbcSettings(jdbc.url(), user, password));
    }

    /** Migrates as the role of {@code jdbc} (credentials as it carries them). */
    public static MigrateResult apply(JdbcSettings jdbc) {
        MigrateResult result = flyway(jdbc).migrate();
        secureHistoryTable(jdbc);
        return result;
    }

    /**
     * Row-level security on Flyway's history table, like on every table of schema kpi (SPEC §4),
     * with SELECT for {@code kpi_writer} and {@code kpi_reader} ({@link #ensureCurrent}). Not a
     * migration: Flyway locks this table while one runs. Idempotent.
     */
    private static void secureHistoryTable(JdbcSettings jdbc) {
        String table = "kpi.\"" + HISTORY_TABLE + "\"";
        String[] statements = {
            "ALTER TABLE " + table + " ENABLE ROW LEVEL SECURITY",
            "REVOKE ALL ON " + table + " FROM PUBLIC",
            "GRANT SELECT ON " + table + " TO kpi_writer, kpi_reader",
            "DROP POLICY IF EXISTS schema_version_select ON " + table,
            "CREATE POLICY schema_version_select ON " + table + " FOR SELECT TO kpi_writer, kpi_reader USING (true)",
        };
        try (Connection c = jdbc.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (String sql : statements) {
                s.execute(sql);
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot secure " + table + ": " + e.getSQLState() + " " + e.getMessage(), e);
        }
    }

    /** Flyway's default history table name, in schema kpi. */
    static final String HISTORY_TABLE = "flyway_schema_history";

    /**
     * Before {@code run}, {@code bench} and {@code dashboard}: migrates if the connected role owns
     * schema {@code kpi} (or the schema does not exist yet); otherwise checks that no migration is
     * pending, and fails with what to do if one is.
     */
    public static void ensureCurrent(JdbcSettings jdbc) {
        if (mayMigrate(jdbc)) {
            apply(jdbc);
            return;
        }
        MigrationInfo[] pending = flyway(jdbc).info().pending();
        if (pending.length > 0) {
            throw new ConfigException("the kpi schema of " + JdbcSettings.redact(jdbc.url()) + " lacks migration V"
                    + pending[0].getVersion() + " (" + pending.length + " pending) and this role may not apply it:"
                    + " run `java -jar gluu-kpi.jar migrate --jdbc-url URL` as the schema's owner first");
        }
    }

    /** True if schema kpi is missing or owned by a role the current user has the rights of. */
    static boolean mayMigrate(JdbcSettings jdbc) {
        String sql = "SELECT NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'kpi')"
                + " OR EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'kpi'"
                + " AND pg_has_role(current_user, nspowner, 'USAGE'))";
        try (Connection c = jdbc.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the schema owner of " + JdbcSettings.redact(jdbc.url())
                    + ": " + e.getSQLState(), e);
        }
    }

    private static Flyway flyway(JdbcSettings jdbc) {
        return Flyway.configure()
                .dataSource(new SettingsDataSource(jdbc))
                .locations("classpath:db/migration")
                .schemas("kpi")
                .loggers("slf4j")
                .load();
    }

    /** Connections as {@link JdbcSettings#connect()} makes them (its credentials, never logged). */
    private static final class SettingsDataSource implements DataSource {
        private final JdbcSettings jdbc;

        SettingsDataSource(JdbcSettings jdbc) {
            this.jdbc = jdbc;
        }

        @Override
        public Connection getConnection() throws SQLException {
            return jdbc.connect();
        }

        @Override
        public Connection getConnection(String username, String password) {
            throw new UnsupportedOperationException("credentials come from JdbcSettings");
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getLogger("com.gluu.kpi.db");
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> type) {
            return false;
        }
    }
}
