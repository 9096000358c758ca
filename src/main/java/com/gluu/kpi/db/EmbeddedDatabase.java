package com.gluu.kpi.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A real PostgreSQL server (binaries from Maven Central) started on a free loopback port, for
 * the demo, the bench and the tests. Closing it stops the server and deletes its data.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    public static EmbeddedDatabase start() {
        return start(throwaway());
    }

    /**
     * A server on {@code port} whose data lives in {@code dataDirectory} and outlives it: closing
     * stops the server and keeps the files, and the same call starts it again on them (a test
     * restarts the database under a running job this way). Durable like a real server: fsync on.
     */
    public static EmbeddedDatabase startKeeping(java.nio.file.Path dataDirectory, int port) {
        return start(EmbeddedPostgres.builder().setDataDirectory(dataDirectory).setCleanDataDirectory(false)
                .setPort(port));
    }

    private static EmbeddedPostgres.Builder throwaway() {
        return EmbeddedPostgres.builder()
                .setServerConfig("fsync", "off") // throwaway data: durability buys nothing here
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off");
    }

    private static EmbeddedDatabase start(EmbeddedPostgres.Builder builder) {
        try {
            return new EmbeddedDatabase(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL", e);
        }
    }

    /** URL of the {@code postgres} database, logged in as {@code postgres} (no password). */
    public String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
