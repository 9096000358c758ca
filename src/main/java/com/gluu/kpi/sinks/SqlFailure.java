package com.gluu.kpi.sinks;

import com.gluu.kpi.events.PostgresText;
import java.io.IOException;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * What a failed write says about itself, read from pgjdbc's exception chain: its SQLSTATE and
 * which kind of failure that is. pgjdbc throws a {@link BatchUpdateException} whose message is
 * the whole statement with its bound values and whose cause (and next exception) is the
 * server's {@link PSQLException}; that one's {@link ServerErrorMessage} holds the SQLSTATE and a
 * message that may quote values too. So nothing read here is logged except the SQLSTATE and
 * class names; the database's message goes only into {@code kpi.dead_letters}.
 *
 * <table>
 *   <caption>Kinds by SQLSTATE</caption>
 *   <tr><th>SQLSTATE</th><th>kind</th><th>what the sink does</th></tr>
 *   <tr><td>class 21 (cardinality), 22 (data exception), 23 (integrity constraint), 54 (program
 *       limit exceeded)</td><td>{@link Kind#DATA}</td><td>finds the refused rows, sets them aside</td></tr>
 *   <tr><td>class 08 (connection), 57P01, 57P02, 57P03 (shutdown, crash, starting), 40001,
 *       40P01 (serialization, deadlock), class 53 (insufficient resources), none, or an
 *       {@link IOException} anywhere in the chain</td><td>{@link Kind#TRANSIENT}</td>
 *       <td>retries on a fresh connection</td></tr>
 *   <tr><td>anything else (42 grants or schema, 28 login, …)</td><td>{@link Kind#OTHER}</td>
 *       <td>retries as today, then fails the job: a deployment error</td></tr>
 * </table>
 */
final class SqlFailure {
    /** What the failure says about the rows. */
    enum Kind {
        /** The database refuses these values; the same rows fail on every attempt. */
        DATA,
        /** The connection or the server failed; the same rows may succeed on a fresh connection. */
        TRANSIENT,
        /** Neither: most likely the deployment (grants, schema, settings). */
        OTHER
    }

    /** Longest database message kept for a dead letter's detail. */
    static final int MAX_MESSAGE_CHARS = 1_000;
    private static final int MAX_CHAIN = 16;

    final Kind kind;
    /** The SQLSTATE, or null if no exception in the chain carries one. */
    final String sqlState;
    /** The database's message for a dead letter (cleaned, capped); may quote values: never log it. */
    final String databaseMessage;
    /** Simple class names of the chain, outermost first, e.g. {@code BatchUpdateException < PSQLException}. */
    final String classes;
    private final StackTraceElement[] trace;

    private SqlFailure(Kind kind, String sqlState, String databaseMessage, String classes, StackTraceElement[] trace) {
        this.kind = kind;
        this.sqlState = sqlState;
        this.databaseMessage = databaseMessage;
        this.classes = classes;
        this.trace = trace;
    }

    static SqlFailure of(SQLException failure) {
        List<Throwable> chain = chain(failure);
        String state = null;
        String message = null;
        // The server's own error first: a BatchUpdateException only repeats its SQLSTATE.
        for (Throwable t : chain) {
            ServerErrorMessage server = t instanceof PSQLException p ? p.getServerErrorMessage() : null;
            if (server != null && server.getSQLState() != null) {
                state = server.getSQLState();
                message = server.getMessage();
                break;
            }
        }
        // Else an error the driver raised itself, with its own message; a BatchUpdateException's
        // message is the statement with its values, so its SQLSTATE comes alone, last.
        for (Throwable t : chain) {
            if (state == null && t instanceof SQLException sql && sql.getSQLState() != null
                    && !(t instanceof BatchUpdateException)) {
                state = sql.getSQLState();
                message = t.getMessage();
            }
        }
        for (Throwable t : chain) {
            if (state == null && t instanceof SQLException sql) {
                state = sql.getSQLState();
            }
        }
        // A connection that broke anywhere in the chain (57P01 arrives with 08006 and an EOF).
        boolean broken = state == null;
        List<String> names = new ArrayList<>();
        for (Throwable t : chain) {
            broken |= t instanceof IOException
                    || t instanceof SQLException sql && sql.getSQLState() != null && kindOf(sql.getSQLState()) == Kind.TRANSIENT;
            names.add(t.getClass().getSimpleName());
        }
        Kind kind = broken ? Kind.TRANSIENT : kindOf(state);
        return new SqlFailure(kind, state, RowText.cap(PostgresText.clean(message == null ? "" : message), MAX_MESSAGE_CHARS),
                String.join(" < ", names), failure.getStackTrace());
    }

    /** The kind of one SQLSTATE (null: a dead socket, transient). */
    static Kind kindOf(String state) {
        if (state == null || state.length() != 5) {
            return state == null ? Kind.TRANSIENT : Kind.OTHER;
        }
        switch (state.substring(0, 2)) {
            case "21", "22", "23", "54":
                return Kind.DATA;
            case "08", "53":
                return Kind.TRANSIENT;
            default:
                break;
        }
        switch (state) {
            case "57P01", "57P02", "57P03", "40001", "40P01":
                return Kind.TRANSIENT;
            default:
                return Kind.OTHER;
        }
    }

    /** For logs: the SQLSTATE and the kind, never a message. */
    String describe() {
        String state = sqlState == null ? "no SQLSTATE (" + classes + ")" : "SQLSTATE " + sqlState;
        return switch (kind) {
            case DATA -> state + ", a data error";
            case TRANSIENT -> state + ", transient";
            case OTHER -> state + ", not a transient error: check the deployment (grants, schema, settings)";
        };
    }

    /**
     * An exception that stands for this failure as a cause: its SQLSTATE, class names and stack
     * trace, none of the driver's messages (they quote the statement's bound values).
     */
    SQLException sanitized() {
        SQLException e = new SQLException((sqlState == null ? "no SQLSTATE" : "SQLSTATE " + sqlState) + " from " + classes
                + " (the driver's messages are left out: they may quote bound values)", sqlState);
        e.setStackTrace(trace);
        return e;
    }

    /** The exception, its causes and its next exceptions, each once, outermost first. */
    private static List<Throwable> chain(SQLException failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> chain = new ArrayList<>();
        ArrayDeque<Throwable> todo = new ArrayDeque<>();
        todo.add(failure);
        while (!todo.isEmpty() && chain.size() < MAX_CHAIN) {
            Throwable t = todo.poll();
            if (!seen.add(t)) {
                continue;
            }
            chain.add(t);
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
            if (t instanceof SQLException sql && sql.getNextException() != null) {
                todo.add(sql.getNextException());
            }
        }
        return chain;
    }
}
