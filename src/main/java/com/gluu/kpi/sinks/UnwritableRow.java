package com.gluu.kpi.sinks;

import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.events.DeadLetterReason;

/**
 * A row its table refused with a data error, on its way to {@code kpi.dead_letters} as reason
 * {@code unwritable}: the dead letter itself (detail "{@code <table>: SQLSTATE <code>: <the
 * database's message>}", raw the row's key and values) and, should even that be refused, the
 * minimal one (same id, detail with the SQLSTATE only, raw empty).
 *
 * <p>The id is deterministic from table and key, so a replay rewrites the same dead letter.
 */
final class UnwritableRow {
    /** Longest detail written, in characters. */
    static final int MAX_DETAIL_CHARS = 1_200;

    final String keyForLog;
    final DeadLetter deadLetter;
    final DeadLetter minimal;

    private UnwritableRow(String keyForLog, DeadLetter deadLetter, DeadLetter minimal) {
        this.keyForLog = keyForLog;
        this.deadLetter = deadLetter;
        this.minimal = minimal;
    }

    static <T> UnwritableRow of(String table, Object key, UpsertStatement<T> statement, T row, SqlFailure refused) {
        String id = RowText.deadLetterId(table, key);
        String state = table + ": SQLSTATE " + refused.sqlState;
        String detail = RowText.cap(refused.databaseMessage.isEmpty() ? state : state + ": " + refused.databaseMessage,
                MAX_DETAIL_CHARS);
        String raw = RowText.render(table, key, statement, row, DeadLetter.MAX_RAW_BYTES);
        return new UnwritableRow(RowText.keyForLog(key), deadLetter(id, detail, raw),
                deadLetter(id, state, ""));
    }

    private static DeadLetter deadLetter(String id, String detail, String raw) {
        DeadLetter d = new DeadLetter();
        d.id = id;
        d.reason = DeadLetterReason.UNWRITABLE.wireName();
        d.detail = detail;
        d.raw = raw;
        return d;
    }
}
