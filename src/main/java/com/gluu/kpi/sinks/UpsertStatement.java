package com.gluu.kpi.sinks;

import java.io.Serializable;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * How rows of one type are written to their table: an {@code INSERT … ON CONFLICT … DO UPDATE}
 * statement, the row's primary key (so a buffer keeps only the newest version of each row), and
 * the binding of a row's values to the statement's parameters.
 */
public interface UpsertStatement<T> extends Serializable {
    String sql();

    /** A value with equals/hashCode that identifies the row's primary key. */
    Object key(T row);

    void bind(PreparedStatement statement, T row) throws SQLException;
}
