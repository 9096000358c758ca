package com.gluu.kpi.sinks;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes rows to one Postgres table as batched idempotent upserts (at-least-once; the upsert
 * makes a replayed row harmless).
 *
 * <p>Rows are buffered by primary key, so a window that fires again before the next flush is
 * written once, with its newest values — which also keeps a batch free of two rows with the same
 * key (Postgres refuses those in one {@code INSERT … ON CONFLICT}). The buffer is flushed when it
 * holds {@code sink.batch_size} rows, every {@code sink.flush_interval}, at every checkpoint and
 * at the end of the input. A failed batch is retried on a fresh connection with exponential
 * backoff; after {@code sink.max_retries} the writer fails the job, which restarts from its last
 * checkpoint, and nothing buffered since then is lost.
 */
public final class PostgresUpsertSink<T> implements Sink<T> {
    private static final long serialVersionUID = 1L;

    private final String table;
    private final JdbcSettings jdbc;
    private final UpsertStatement<T> statement;
    private final SinkOptions options;

    public PostgresUpsertSink(String table, JdbcSettings jdbc, UpsertStatement<T> statement, SinkOptions options) {
        this.table = table;
        this.jdbc = jdbc;
        this.statement = statement;
        this.options = options;
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        // With object reuse on, Flink may hand the writer the same instance again for the next
        // record, so a row kept in the buffer must be a copy.
        TypeSerializer<T> copier = context.isObjectReuseEnabled() ? context.createInputSerializer() : null;
        return new Writer<>(this, context.getProcessingTimeService(), copier,
                context.metricGroup().counter("rowsWritten"), context.metricGroup().counter("writeRetries"));
    }

    /** Flink 1.20 still declares this older factory abstract; its runtime calls the one above. */
    @Override
    @SuppressWarnings("deprecation")
    public SinkWriter<T> createWriter(InitContext context) {
        throw new UnsupportedOperationException("created through createWriter(WriterInitContext)");
    }

    static final class Writer<T> implements SinkWriter<T> {
        private static final Logger LOG = LoggerFactory.getLogger(PostgresUpsertSink.class);

        private final PostgresUpsertSink<T> sink;
        private final ProcessingTimeService timers;
        private final TypeSerializer<T> copier;
        private final Counter rowsWritten;
        private final Counter writeRetries;
        private final Map<Object, T> buffer = new LinkedHashMap<>();
        private final Random jitter = new Random();
        private Connection connection;
        private PreparedStatement prepared;
        private boolean flushScheduled;

        Writer(PostgresUpsertSink<T> sink, ProcessingTimeService timers, TypeSerializer<T> copier, Counter rowsWritten,
                Counter writeRetries) {
            this.sink = sink;
            this.timers = timers;
            this.copier = copier;
            this.rowsWritten = rowsWritten;
            this.writeRetries = writeRetries;
        }

        @Override
        public void write(T row, Context context) throws IOException, InterruptedException {
            T kept = copier == null ? row : copier.copy(row);
            buffer.put(sink.statement.key(kept), kept);
            if (buffer.size() >= sink.options.batchSize) {
                flushBuffer();
            } else if (!flushScheduled) {
                flushScheduled = true;
                timers.registerTimer(timers.getCurrentProcessingTime() + sink.options.flushIntervalMs, t -> {
                    flushScheduled = false;
                    flushBuffer();
                });
            }
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            flushBuffer();
        }

        private void flushBuffer() throws IOException, InterruptedException {
            if (buffer.isEmpty()) {
                return;
            }
            for (int attempt = 1; ; attempt++) {
                try {
                    writeBatch();
                    rowsWritten.inc(buffer.size());
                    buffer.clear();
                    return;
                } catch (SQLException e) {
                    closeQuietly();
                    if (attempt > sink.options.maxRetries) {
                        throw new IOException("writing " + buffer.size() + " rows to " + sink.table + " failed "
                                + attempt + " times; the job restarts from its last checkpoint", e);
                    }
                    long waitMs = sink.options.backoffMs(attempt, jitter);
                    writeRetries.inc();
                    LOG.warn("writing {} rows to {} failed (attempt {} of {}), retrying in {} ms: {}",
                            buffer.size(), sink.table, attempt, sink.options.maxRetries + 1, waitMs, e.getMessage());
                    Thread.sleep(waitMs);
                }
            }
        }

        private void writeBatch() throws SQLException {
            if (connection == null || connection.isClosed()) {
                connection = sink.jdbc.connect();
                connection.setAutoCommit(false);
                prepared = connection.prepareStatement(sink.statement.sql());
            }
            try {
                for (T row : buffer.values()) {
                    sink.statement.bind(prepared, row);
                    prepared.addBatch();
                }
                prepared.executeBatch();
                connection.commit();
            } catch (SQLException e) {
                try {
                    connection.rollback();
                } catch (SQLException ignored) {
                    // the connection is most likely gone; it is replaced on the next attempt
                }
                throw e;
            }
        }

        private void closeQuietly() {
            try {
                if (connection != null) {
                    connection.close();
                }
            } catch (SQLException ignored) {
                // closing a broken connection: nothing to do
            }
            connection = null;
            prepared = null;
        }

        @Override
        public void close() {
            closeQuietly();
        }
    }
}
