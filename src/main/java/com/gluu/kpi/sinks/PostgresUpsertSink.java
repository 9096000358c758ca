package com.gluu.kpi.sinks;

import com.gluu.kpi.events.DeadLetter;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
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
 * makes a replayed row harmless), and cannot be poisoned by a row the database refuses.
 *
 * <p>Rows are buffered by primary key, so a window that fires again before the next flush is
 * written once, with its newest values — which also keeps a batch free of two rows with the same
 * key (Postgres refuses those in one {@code INSERT … ON CONFLICT}). The buffer is flushed when it
 * holds {@code sink.batch_size} rows, every {@code sink.flush_interval}, at every checkpoint and
 * at the end of the input, as one batch in one transaction.
 *
 * <p>A failed batch is classified by its SQLSTATE ({@link SqlFailure}):
 * <ul>
 *   <li><b>A data error</b> (class 21, 22, 23, 54: a NUL in a text, an index row too large, a
 *       value out of range …) fails the same way on every attempt, so retrying it would fail
 *       the job forever. The batch is split in halves, each written in its own transaction and
 *       split again while it is refused, in the buffer's order; a single row refused on its own
 *       is {@linkplain UnwritableRow unwritable}. Every other row is written. Once the good rows
 *       have committed, each unwritable row goes to {@code kpi.dead_letters} (reason
 *       {@code unwritable}, the table, SQLSTATE and database message as detail, the row's key
 *       and values as raw, an id deterministic from table and key), on the same connection in a
 *       statement of its own; should even that be refused, a minimal dead letter (same id,
 *       SQLSTATE only, no raw) takes its place. Counted in {@code rowsUnwritable}. A batch
 *       without bad rows costs exactly one statement, as before; k bad rows in n cost about
 *       2·k·log₂ n more. Rows refused only together (class 21, two keys Java tells apart and
 *       Postgres does not) are each accepted alone: both are written, in order.</li>
 *   <li><b>A transient error</b> (a lost connection, the server shutting down or restarting,
 *       a serialization failure or deadlock, insufficient resources) and <b>any other</b>
 *       (grants, schema: a deployment error) are retried on a fresh connection with exponential
 *       backoff; after {@code sink.max_retries} the writer fails the job, which restarts from its
 *       last checkpoint. Rows committed before the failure (halves of a split batch, dead
 *       letters) stay written and are not retried.</li>
 * </ul>
 * A flush returns only when every buffered row is in its table or in {@code kpi.dead_letters};
 * a flush that throws fails the checkpoint, so nothing buffered since the last completed
 * checkpoint is lost. Only a dead-letter table that refuses even the minimal row (a schema that
 * is not the one {@code sql/} creates) fails the job through a data error.
 *
 * <p>Logs and the exception that fails the job name the table, the SQLSTATE and (for an
 * unwritable row) the key, cleaned and capped: never a bound value. The driver's messages quote
 * the statement with its values and the server's detail may quote a key or the whole row, so
 * they never reach a log line, nor a cause of the exception ({@link SqlFailure#sanitized()}).
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
                context.metricGroup().counter("rowsWritten"), context.metricGroup().counter("writeRetries"),
                context.metricGroup().counter("rowsUnwritable"));
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
        private final Counter rowsUnwritable;
        private final Map<Object, T> buffer = new LinkedHashMap<>();
        /** Rows taken out of the buffer whose dead letters are not written yet. */
        private final ArrayDeque<UnwritableRow> setAside = new ArrayDeque<>();
        private final Random jitter = new Random();
        private Connection connection;
        private PreparedStatement prepared;
        private PreparedStatement deadLetters;
        private boolean flushScheduled;

        Writer(PostgresUpsertSink<T> sink, ProcessingTimeService timers, TypeSerializer<T> copier, Counter rowsWritten,
                Counter writeRetries, Counter rowsUnwritable) {
            this.sink = sink;
            this.timers = timers;
            this.copier = copier;
            this.rowsWritten = rowsWritten;
            this.writeRetries = writeRetries;
            this.rowsUnwritable = rowsUnwritable;
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
            for (int attempt = 1; !buffer.isEmpty() || !setAside.isEmpty(); attempt++) {
                int pending = buffer.size() + setAside.size();
                try {
                    connect();
                    writeBuffer();
                    writeDeadLetters();
                } catch (SQLException e) {
                    SqlFailure failure = SqlFailure.of(e);
                    closeQuietly();
                    if (attempt > sink.options.maxRetries) {
                        throw new IOException("writing " + pending + " rows to " + sink.table + " failed " + attempt
                                + " times (last: " + failure.describe() + "); the job restarts from its last checkpoint",
                                failure.sanitized());
                    }
                    long waitMs = sink.options.backoffMs(attempt, jitter);
                    writeRetries.inc();
                    LOG.warn("writing {} rows to {} failed with {} (attempt {} of {}), retrying in {} ms on a fresh connection",
                            pending, sink.table, failure.describe(), attempt, sink.options.maxRetries + 1, waitMs);
                    Thread.sleep(waitMs);
                }
            }
        }

        private void connect() throws SQLException {
            if (connection != null && !connection.isClosed()) {
                return;
            }
            connection = sink.jdbc.connect();
            connection.setAutoCommit(false);
            prepared = connection.prepareStatement(sink.statement.sql());
        }

        /** The whole buffer as one batch; if the database refuses its data, in halves. */
        private void writeBuffer() throws SQLException {
            if (buffer.isEmpty()) {
                return;
            }
            SqlFailure refused = tryWrite(buffer.values());
            if (refused == null) {
                rowsWritten.inc(buffer.size());
                buffer.clear();
                return;
            }
            if (buffer.size() > 1) {
                LOG.info("{} refused a batch of {} rows ({}); writing it in halves to find the rows it refuses",
                        sink.table, buffer.size(), refused.describe());
            }
            bisect(new ArrayList<>(buffer.values()), refused);
        }

        /** {@code rows} were refused together: write each half, or split it further. */
        private void bisect(List<T> rows, SqlFailure refused) throws SQLException {
            if (rows.size() == 1) {
                setAside(rows.get(0), refused);
                return;
            }
            int half = rows.size() / 2;
            writeOrBisect(rows.subList(0, half));
            writeOrBisect(rows.subList(half, rows.size()));
        }

        private void writeOrBisect(List<T> rows) throws SQLException {
            SqlFailure refused = tryWrite(rows);
            if (refused != null) {
                bisect(rows, refused);
                return;
            }
            for (T row : rows) {
                buffer.remove(sink.statement.key(row));
            }
            rowsWritten.inc(rows.size());
        }

        private void setAside(T row, SqlFailure refused) {
            Object key = sink.statement.key(row);
            buffer.remove(key);
            UnwritableRow unwritable = UnwritableRow.of(sink.table, key, sink.statement, row, refused);
            setAside.add(unwritable);
            LOG.warn("{} refused row {} ({}); it goes to kpi.dead_letters as {}", sink.table, unwritable.keyForLog,
                    refused.describe(), unwritable.deadLetter.id);
        }

        /**
         * Writes {@code rows} in one transaction. Returns null once committed, the failure if the
         * database refused their data (rolled back); throws any other failure.
         */
        private SqlFailure tryWrite(Collection<T> rows) throws SQLException {
            try {
                prepared.clearBatch();
                for (T row : rows) {
                    sink.statement.bind(prepared, row);
                    prepared.addBatch();
                }
                prepared.executeBatch();
                connection.commit();
                return null;
            } catch (SQLException e) {
                return refusedData(e);
            }
        }

        /** Every set-aside row's dead letter, each in its own transaction, minimal if refused. */
        private void writeDeadLetters() throws SQLException {
            for (UnwritableRow row; (row = setAside.peek()) != null; setAside.poll()) {
                SqlFailure refused = tryWriteDeadLetter(row.deadLetter);
                if (refused != null) {
                    LOG.warn("kpi.dead_letters refused the dead letter {} ({}); writing it with the SQLSTATE only",
                            row.deadLetter.id, refused.describe());
                    refused = tryWriteDeadLetter(row.minimal);
                }
                if (refused != null) {
                    LOG.error("kpi.dead_letters refused even the minimal dead letter {} ({}): its schema is not the one"
                            + " sql/ creates", row.minimal.id, refused.describe());
                    throw refused.sanitized();
                }
                rowsUnwritable.inc();
            }
        }

        private SqlFailure tryWriteDeadLetter(DeadLetter deadLetter) throws SQLException {
            try {
                if (deadLetters == null) {
                    deadLetters = connection.prepareStatement(KpiTables.DEAD_LETTERS.sql());
                }
                KpiTables.DEAD_LETTERS.bind(deadLetters, deadLetter);
                deadLetters.executeUpdate();
                connection.commit();
                return null;
            } catch (SQLException e) {
                return refusedData(e);
            }
        }

        /** After a failed statement: rolls back, returns the failure if it is a data error, else throws it. */
        private SqlFailure refusedData(SQLException e) throws SQLException {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // the connection is most likely gone; it is replaced on the next attempt
            }
            SqlFailure failure = SqlFailure.of(e);
            if (failure.kind != SqlFailure.Kind.DATA) {
                throw e;
            }
            return failure;
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
            deadLetters = null;
        }

        @Override
        public void close() {
            closeQuietly();
        }
    }
}
