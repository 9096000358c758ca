package com.gluu.kpi.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.sinks.cloudwatch.CloudWatchSettings;
import com.gluu.kpi.sinks.JdbcSettings;
import com.gluu.kpi.testing.OperationsTrace;
import com.gluu.kpi.testing.PostgresExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SPEC §4 "Who may read and write": row-level security on every table of schema kpi, a
 * {@code kpi_reader} that reads KPIs and alerts but writes nothing and never sees a dead letter's
 * payload, and the job running end to end as a login granted only {@code kpi_writer}.
 */
class RolesAndRowLevelSecurityITCase {
    private static final List<String> KPI_TABLES = List.of("latency", "traffic", "accuracy", "cost", "endpoint_health",
            "alerts", "alert_evidence", "slo", "jobs", "tenant_usage");

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @TempDir
    static Path tmp;

    private static JdbcSettings writer;
    private static JdbcSettings reader;
    private static JdbcSettings nobody;

    /** The embedded server's URL carries user=postgres; a login of our own needs it without. */
    private static JdbcSettings login(String user) {
        String url = POSTGRES.db().jdbc().url().replaceAll("[?&]user=postgres", "");
        return new JdbcSettings(url, user, null);
    }

    @BeforeAll
    static void logins() throws SQLException {
        POSTGRES.db().execute("CREATE ROLE job_login LOGIN IN ROLE kpi_writer");
        POSTGRES.db().execute("CREATE ROLE panel_login LOGIN IN ROLE kpi_reader");
        POSTGRES.db().execute("CREATE ROLE stranger LOGIN");
        writer = login("job_login");
        reader = login("panel_login");
        nobody = login("stranger");
    }

    private static String sqlState(JdbcSettings as, String sql) throws SQLException {
        try (Connection c = as.connect(); Statement s = c.createStatement()) {
            return sqlStateOn(s, sql);
        }
    }

    private static long count(JdbcSettings as, String sql) throws SQLException {
        try (Connection c = as.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void everyTableOfTheSchemaHasRowLevelSecurityOn() throws Exception {
        List<Map<String, Object>> tables = POSTGRES.db().rows("SELECT c.relname, c.relrowsecurity FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'kpi' AND c.relkind IN ('r', 'p')"
                + " ORDER BY 1");
        assertThat(tables).extracting(r -> r.get("relname")).contains("latency", "traffic", "accuracy", "cost",
                "endpoint_health", "alerts", "alert_evidence", "dead_letters", "slo", "jobs", "tenant_usage",
                "flyway_schema_history");
        assertThat(tables).allSatisfy(r -> assertThat(r.get("relrowsecurity")).as(r.get("relname") + "").isEqualTo(true));
        // every view of the schema runs with the caller's rights (no security_definer_view)
        List<Map<String, Object>> views = POSTGRES.db().rows("SELECT c.relname, c.reloptions::text AS options FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'kpi' AND c.relkind = 'v'");
        assertThat(views).isNotEmpty().allSatisfy(
                v -> assertThat((String) v.get("options")).as(v.get("relname") + "").contains("security_invoker=true"));
    }

    @Test
    void theReaderReadsKpisAndCountsButWritesNothingAndNeverSeesAPayload() throws Exception {
        POSTGRES.db().truncateKpiTables();
        POSTGRES.db().execute("INSERT INTO kpi.dead_letters (id, reason, detail, raw) VALUES"
                + " ('f:1', 'bad_value', 'latency_ms: -1', '{\"secret\":\"hunter2\"}'),"
                + " ('f:2', 'bad_value', 'x', 'y'), ('f:3', 'malformed_json', '', '{')");
        for (String table : KPI_TABLES) {
            assertThat(sqlState(reader, "SELECT * FROM kpi." + table)).as("select " + table).isEqualTo("ok");
            assertThat(sqlState(reader, "DELETE FROM kpi." + table)).as("delete " + table).isEqualTo("42501");
            assertThat(sqlState(reader, "UPDATE kpi." + table + " SET " + (table.startsWith("alert") ? "alert_id" : "window_start")
                    + " = " + (table.startsWith("alert") ? "alert_id" : "window_start"))).as("update " + table).isEqualTo("42501");
            assertThat(sqlState(reader, "TRUNCATE kpi." + table)).as("truncate " + table).isEqualTo("42501");
        }
        assertThat(sqlState(reader, "INSERT INTO kpi.dead_letters (id, reason) VALUES ('r', 'bad_value')")).isEqualTo("42501");
        assertThat(sqlState(reader, "SELECT raw FROM kpi.dead_letters")).isEqualTo("42501");
        assertThat(sqlState(reader, "SELECT detail FROM kpi.dead_letters")).isEqualTo("42501");
        assertThat(sqlState(reader, "SELECT * FROM kpi.dead_letters")).isEqualTo("42501");
        assertThat(sqlState(reader, "CREATE TABLE kpi.mine (x int)")).isEqualTo("42501");
        assertThat(count(reader, "SELECT dead_letters FROM kpi.dead_letter_counts WHERE reason = 'bad_value'")).isEqualTo(2);
        assertThat(count(reader, "SELECT dead_letters FROM kpi.dead_letter_counts WHERE reason = 'malformed_json'")).isEqualTo(1);
    }

    @Test
    void aRoleGrantedNeitherSeesNothingEvenWithATablePrivilegeGrantedByMistake() throws Exception {
        POSTGRES.db().truncateKpiTables();
        POSTGRES.db().execute("INSERT INTO kpi.dead_letters (id, reason) VALUES ('n:1', 'bad_value')");
        assertThat(sqlState(nobody, "SELECT * FROM kpi.traffic")).isEqualTo("42501");
        // as Supabase does for the roles of an exposed schema: usage on it, and here a table grant too
        POSTGRES.db().execute("GRANT USAGE ON SCHEMA kpi TO stranger");
        POSTGRES.db().execute("GRANT SELECT ON kpi.dead_letters TO stranger");
        try {
            assertThat(count(nobody, "SELECT count(*) FROM kpi.dead_letters")).as("no policy for it: no row").isZero();
        } finally {
            POSTGRES.db().execute("REVOKE SELECT ON kpi.dead_letters FROM stranger");
            POSTGRES.db().execute("REVOKE USAGE ON SCHEMA kpi FROM stranger");
        }
    }

    @Test
    void theJobRunsEndToEndAsALoginGrantedOnlyKpiWriter() throws Exception {
        OperationsTrace trace = OperationsTrace.generate(5, Instant.parse("2026-11-21T21:00:00Z"), 1_500);
        Path events = tmp.resolve("trace.jsonl");
        trace.writeTo(events);
        Path pricing = tmp.resolve("pricing.yaml");
        Files.writeString(pricing, OperationsTrace.PRICING_YAML);
        JobConfig config = JobConfig.defaults().with(Map.of(JobConfig.PRICING_FILE.key(), pricing.toString(),
                JobConfig.ACCURACY_HORIZON.key(), "2h"));

        POSTGRES.db().truncateKpiTables();
        KpiJob.replayFile(config, events, POSTGRES.db().jdbc(), (CloudWatchSettings) null);
        Map<String, List<String>> asOwner = POSTGRES.db().tablesAsJson(KPI_TABLES);

        POSTGRES.db().truncateKpiTables();
        Migrations.ensureCurrent(writer); // may not migrate: only checks that nothing is pending
        KpiJob.replayFile(config, events, writer, (CloudWatchSettings) null);
        Map<String, List<String>> asWriter = POSTGRES.db().tablesAsJson(KPI_TABLES);

        assertThat(asWriter.get("traffic")).isNotEmpty();
        assertThat(asWriter.get("alerts")).as("the trace fires alerts").isNotEmpty();
        assertThat(asWriter).isEqualTo(asOwner);
        assertThat(POSTGRES.db().rows("SELECT * FROM kpi.dead_letters WHERE reason = 'unwritable'")).isEmpty();
        // and what it may not do
        assertThat(sqlState(writer, "DELETE FROM kpi.traffic")).isEqualTo("42501");
        assertThat(sqlState(writer, "TRUNCATE kpi.traffic")).isEqualTo("42501");
        assertThat(sqlState(writer, "DROP TABLE kpi.traffic")).isEqualTo("42501");
        assertThat(sqlState(writer, "CREATE TABLE kpi.mine (x int)")).isEqualTo("42501");
        assertThat(Migrations.mayMigrate(writer)).isFalse();
        assertThat(Migrations.mayMigrate(POSTGRES.db().jdbc())).isTrue();
    }

    @Test
    void aNonOwnerStopsWithWhatToDoWhenAMigrationIsPending() throws Exception {
        POSTGRES.db().execute("CREATE DATABASE old_schema");
        JdbcSettings ownerOfOld = new JdbcSettings(POSTGRES.db().jdbc().url().replace("/postgres?", "/old_schema?"), null, null);
        // a database migrated by an older jar: V1..V3 only
        try (Connection c = ownerOfOld.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA kpi");
            s.execute("GRANT USAGE ON SCHEMA kpi TO kpi_writer");
            s.execute("CREATE TABLE kpi.flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50),"
                    + " description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL,"
                    + " checksum int, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),"
                    + " execution_time int NOT NULL, success boolean NOT NULL)");
            s.execute("GRANT SELECT ON kpi.flyway_schema_history TO kpi_writer");
        }
        JdbcSettings writerOfOld = new JdbcSettings(writer.url().replace("/postgres", "/old_schema"), "job_login", null);
        assertThatThrownBy(() -> Migrations.ensureCurrent(writerOfOld))
                .hasMessageContaining("lacks migration V1").hasMessageContaining("migrate --jdbc-url");
    }

    /**
     * The README's Supabase steps on a database with Supabase's own role layout (anon and
     * authenticated are NOINHERIT NOLOGIN, PostgREST logs in as the NOINHERIT authenticator and
     * switches role per request) and its usual exposure grants on the schema: the admin panel's
     * role reads through kpi_reader, the public anon key reads nothing.
     */
    @Test
    void theReadmesSupabaseStepsGiveAuthenticatedReadOnlyAndAnonNothing() throws Exception {
        POSTGRES.db().truncateKpiTables();
        POSTGRES.db().execute("INSERT INTO kpi.traffic (window_start, window_end, service, route, model, endpoint,"
                + " requests, ok, client_errors, errors, error_rate, async_requests, images) VALUES (now(),"
                + " now() + interval '1 minute', 'api', '/a', 'm', 'e', 10, 9, 0, 1, 0.1, 0, 10)");
        POSTGRES.db().execute("INSERT INTO kpi.dead_letters (id, reason, raw) VALUES ('s:1', 'bad_value', 'secret')");
        // Supabase's roles (as its init scripts create them)
        POSTGRES.db().execute("CREATE ROLE anon NOLOGIN NOINHERIT");
        POSTGRES.db().execute("CREATE ROLE authenticated NOLOGIN NOINHERIT");
        POSTGRES.db().execute("CREATE ROLE authenticator LOGIN NOINHERIT");
        POSTGRES.db().execute("GRANT anon, authenticated TO authenticator");
        // the README's steps: usage on the schema and kpi_reader for the admin panel's role (PostgreSQL 16+:
        // per-grant INHERIT, as authenticated is NOINHERIT); no table grants of the generic "expose a schema" recipe
        POSTGRES.db().execute("GRANT USAGE ON SCHEMA kpi TO anon, authenticated");
        POSTGRES.db().execute("GRANT kpi_reader TO authenticated WITH INHERIT TRUE");
        // and had someone run that recipe for anon anyway, RLS without a policy for it still shows nothing
        POSTGRES.db().execute("GRANT SELECT ON ALL TABLES IN SCHEMA kpi TO anon");
        JdbcSettings api = login("authenticator");
        try (Connection c = api.connect(); Statement s = c.createStatement()) {
            s.execute("SET ROLE authenticated");
            try (ResultSet rs = s.executeQuery("SELECT sum(requests) FROM kpi.traffic")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(10);
            }
            assertThat(sqlStateOn(s, "SELECT raw FROM kpi.dead_letters")).isEqualTo("42501");
            try (ResultSet rs = s.executeQuery("SELECT dead_letters FROM kpi.dead_letter_counts")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(1);
            }
            assertThat(sqlStateOn(s, "DELETE FROM kpi.traffic")).isEqualTo("42501");
            s.execute("RESET ROLE");
            s.execute("SET ROLE anon");
            for (String table : List.of("traffic", "dead_letters", "alerts")) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM kpi." + table)) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("anon reads " + table + ": RLS, no policy for it").isZero();
                }
            }
        } finally {
            POSTGRES.db().execute("DROP OWNED BY anon, authenticated, authenticator");
            POSTGRES.db().execute("DROP ROLE authenticator");
            POSTGRES.db().execute("DROP ROLE anon");
            POSTGRES.db().execute("DROP ROLE authenticated");
        }
    }

    private static String sqlStateOn(Statement s, String sql) {
        try {
            s.execute(sql);
            return "ok";
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    @Test
    void migratingAgainChangesNothing() {
        var again = Migrations.apply(POSTGRES.db().jdbc());
        assertThat(again.migrationsExecuted).isZero();
    }
}
