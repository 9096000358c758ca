package com.gluu.kpi.db;

import com.gluu.kpi.sinks.JdbcSettings;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Applies the SQL migrations of {@code sql/} (shipped in the jar under {@code db/migration}) with
 * Flyway. Idempotent: an up-to-date database is left as it is. Flyway's history table lives in
 * the {@code kpi} schema beside the tables it describes.
 */
public final class Migrations {
    private Migrations() {}

    public static MigrateResult apply(JdbcSettings jdbc, String user, String password) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(jdbc.url());
        if (user != null && !user.isEmpty()) {
            dataSource.setUser(user);
        }
        if (password != null && !password.isEmpty()) {
            dataSource.setPassword(password);
        }
        return Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .schemas("kpi")
                .loggers("slf4j")
                .load()
                .migrate();
    }

    /** Credentials from {@code KPI_JDBC_USER} / {@code KPI_JDBC_PASSWORD}. */
    public static MigrateResult apply(JdbcSettings jdbc) {
        return apply(jdbc, System.getenv("KPI_JDBC_USER"), System.getenv("KPI_JDBC_PASSWORD"));
    }
}
