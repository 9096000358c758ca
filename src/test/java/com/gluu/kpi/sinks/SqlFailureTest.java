package com.gluu.kpi.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.sinks.SqlFailure.Kind;
import java.io.EOFException;
import java.net.ConnectException;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;
import org.postgresql.util.ServerErrorMessage;

/** Which SQLSTATEs the sink treats as refused data, and that nothing it keeps for logs quotes a value. */
class SqlFailureTest {
    private static final String HOSTILE = "HOSTILE-value-hunter2";

    @Test
    void dataErrorsAreTheClassesOfRefusedValues() {
        for (String state : new String[] {"21000", "22001", "22003", "22008", "22021", "22P02", "23502", "23505", "23514",
                "54000"}) {
            assertThat(SqlFailure.kindOf(state)).as(state).isEqualTo(Kind.DATA);
        }
    }

    @Test
    void connectionShutdownConflictAndResourceErrorsAreTransient() {
        for (String state : new String[] {"08000", "08001", "08003", "08006", "57P01", "57P02", "57P03", "40001", "40P01",
                "53000", "53100", "53200", "53300"}) {
            assertThat(SqlFailure.kindOf(state)).as(state).isEqualTo(Kind.TRANSIENT);
        }
        assertThat(SqlFailure.kindOf(null)).isEqualTo(Kind.TRANSIENT);
    }

    @Test
    void grantsSchemaLoginAndTheRestAreNeither() {
        for (String state : new String[] {"42501", "42P01", "42703", "42601", "28P01", "3D000", "25P02", "57014", "XX000",
                "0A000", "bad"}) {
            assertThat(SqlFailure.kindOf(state)).as(state).isEqualTo(Kind.OTHER);
        }
    }

    @Test
    void theServersErrorInsideABatchUpdateExceptionGivesStateAndMessage() {
        SQLException failure = batchFailure("22021", "invalid byte sequence for encoding \"UTF8\": 0x00");
        SqlFailure f = SqlFailure.of(failure);
        assertThat(f.kind).isEqualTo(Kind.DATA);
        assertThat(f.sqlState).isEqualTo("22021");
        assertThat(f.databaseMessage).isEqualTo("invalid byte sequence for encoding \"UTF8\": 0x00");
        assertThat(f.describe()).isEqualTo("SQLSTATE 22021, a data error");
    }

    @Test
    void aServerShutdownThatBrokeTheSocketIsTransientWhateverItsFirstState() {
        // What pgjdbc throws when the backend is terminated mid-batch: 57P01, then 08006 from the EOF.
        BatchUpdateException failure = batchFailure("57P01", "terminating connection due to administrator command");
        ((SQLException) failure.getCause()).setNextException(
                new PSQLException("An I/O error occurred while sending to the backend.", PSQLState.CONNECTION_FAILURE,
                        new EOFException()));
        SqlFailure f = SqlFailure.of(failure);
        assertThat(f.kind).isEqualTo(Kind.TRANSIENT);
        assertThat(f.sqlState).isEqualTo("57P01");
    }

    @Test
    void aDataStateThatCameWithABrokenSocketIsTransient() {
        SQLException failure = new SQLException("x", "22021", new ConnectException("Connection refused"));
        assertThat(SqlFailure.of(failure).kind).isEqualTo(Kind.TRANSIENT);
    }

    @Test
    void noSqlstateAtAllIsADeadSocket() {
        SqlFailure f = SqlFailure.of(new SQLException("socket gone"));
        assertThat(f.kind).isEqualTo(Kind.TRANSIENT);
        assertThat(f.describe()).isEqualTo("no SQLSTATE (SQLException), transient");
    }

    @Test
    void aDriverSideErrorKeepsItsOwnMessageButNeverTheBatchStatement() {
        SQLException driver = new PSQLException("Zero bytes may not occur in string parameters.", PSQLState.INVALID_PARAMETER_VALUE);
        BatchUpdateException batch = new BatchUpdateException("Batch entry 0 INSERT INTO t VALUES ('" + HOSTILE + "') was aborted",
                "22023", 0, new int[0], driver);
        assertThat(SqlFailure.of(batch).databaseMessage).isEqualTo("Zero bytes may not occur in string parameters.");
        assertThat(SqlFailure.of(new BatchUpdateException("Batch entry 0 INSERT INTO t VALUES ('" + HOSTILE + "')", "22023",
                0, new int[0])).databaseMessage).isEmpty();
    }

    @Test
    void theSanitizedCauseHasStateClassesAndTraceButNoMessageOfTheDriver() {
        BatchUpdateException failure = batchFailure("42501", "permission denied for table " + HOSTILE);
        SQLException sanitized = SqlFailure.of(failure).sanitized();
        assertThat(sanitized.getSQLState()).isEqualTo("42501");
        assertThat(sanitized.getMessage()).startsWith("SQLSTATE 42501 from BatchUpdateException < PSQLException")
                .doesNotContain(HOSTILE);
        assertThat((Object) sanitized.getCause()).isNull();
        assertThat((Object) sanitized.getNextException()).isNull();
        assertThat(sanitized.getStackTrace()).isEqualTo(failure.getStackTrace());
        assertThat(SqlFailure.of(failure).describe()).doesNotContain(HOSTILE);
    }

    @Test
    void theDatabaseMessageIsCleanedAndCapped() {
        SqlFailure f = SqlFailure.of(batchFailure("22001", "value \ud800 too long " + "x".repeat(5_000)));
        assertThat(f.databaseMessage).hasSize(SqlFailure.MAX_MESSAGE_CHARS).doesNotContain("\ud800").startsWith("value \uFFFD too long")
                .endsWith("…");
    }

    /** As pgjdbc builds it: the statement with its values in the message, the server's error as cause and next. */
    private static BatchUpdateException batchFailure(String state, String message) {
        PSQLException server = new PSQLException(new ServerErrorMessage("SERROR\0C" + state + "\0M" + message + "\0D"
                + "Failing row contains (" + HOSTILE + ")."));
        BatchUpdateException batch = new BatchUpdateException("Batch entry 0 INSERT INTO kpi.alerts VALUES ('" + HOSTILE
                + "') was aborted: " + server.getMessage(), state, 0, new int[] {-3}, server);
        batch.setNextException(server);
        return batch;
    }
}
