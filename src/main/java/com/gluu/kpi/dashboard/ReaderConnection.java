package com.gluu.kpi.dashboard;

import com.gluu.kpi.sinks.JdbcSettings;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The dashboard's one database connection, opened on first use and again after it breaks. Each
 * answer is read in one read-only REPEATABLE READ transaction, so the summary and every chart
 * come from the same snapshot while the job keeps writing. One connection is enough: the page
 * polls every few seconds, and the requests of several open pages take turns (no pool library
 * next to Flink's classes).
 */
final class ReaderConnection implements AutoCloseable {
    /** A query that runs longer is cancelled by the server: a slow range never piles up requests. */
    static final String STATEMENT_TIMEOUT = "30s";

    /** One read in a snapshot. */
    interface Read<T> {
        T apply(Connection c) throws SQLException;
    }

    private final JdbcSettings jdbc;
    private Connection connection;

    ReaderConnection(JdbcSettings jdbc) {
        this.jdbc = jdbc;
    }

    synchronized <T> T read(Read<T> read) throws SQLException {
        Connection c = open();
        try {
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL statement_timeout = '" + STATEMENT_TIMEOUT + "'");
            }
            T result = read.apply(c);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            rollbackOrDrop(c);
            throw e;
        }
    }

    private Connection open() throws SQLException {
        if (connection != null && !connection.isClosed()) {
            return connection;
        }
        Connection c = jdbc.connect();
        c.setAutoCommit(false);
        c.setReadOnly(true);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        connection = c;
        return c;
    }

    /** After a failure: roll back, and if even that fails, drop the connection to reopen next time. */
    private void rollbackOrDrop(Connection c) {
        try {
            c.rollback();
        } catch (SQLException broken) {
            close();
        }
    }

    @Override
    public synchronized void close() {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing a broken connection: nothing left to release
        }
        connection = null;
    }
}
