package com.gluu.kpi.sinks;

import java.io.Serializable;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The upsert of one table, generated from its column list: each column is declared once (name,
 * SQL type, key or not, how its value is read from the row), and the {@code INSERT … VALUES …
 * ON CONFLICT (key) DO UPDATE SET …} statement, the row's key and the binding of its parameters
 * all follow from that list, so they cannot disagree on a column's position or type.
 *
 * <pre>
 * UpsertTable.&lt;TrafficRow&gt;into("kpi.traffic")
 *         .column("window_start", TIMESTAMPTZ, r -&gt; r.windowStart).key()
 *         .column("service", TEXT, r -&gt; r.service).key()
 *         .column("requests", BIGINT, r -&gt; r.requests)
 *         .column("error_rate", DOUBLE_OR_NULL, r -&gt; r.errorRate)
 *         .now("updated_at")
 *         .build();
 * </pre>
 *
 * <p>On a conflict every column that is not part of the key takes the new row's value ({@code
 * EXCLUDED.column}), unless it is {@link Builder#insertOnly insertOnly} (the stored value stays)
 * or has its own {@link Builder#onConflict expression} (e.g. {@code GREATEST(…)}). The key is the
 * key columns' values as read from the row (one value, or a list of them), which is what the sink
 * buffer deduplicates on and what a dead letter of an unwritable row names.
 */
public final class UpsertTable<T> implements UpsertStatement<T> {
    private static final long serialVersionUID = 1L;

    /** Reads a column's value from a row; serializable because the sink (and so the table) is. */
    @FunctionalInterface
    public interface Value<T, V> extends Serializable {
        V of(T row);
    }

    /** Sets one parameter of a statement to a value of a column's type. */
    @FunctionalInterface
    private interface Setter<V> extends Serializable {
        void set(PreparedStatement s, int index, V value) throws SQLException;
    }

    /** Whether a row's value stands for SQL NULL. */
    @FunctionalInterface
    private interface NullWhen<V> extends Serializable {
        boolean test(V value);
    }

    /**
     * A column's SQL type: how a row's value of Java type {@code V} is written as a parameter. A
     * row holds no Java null for SQL NULL; the {@code _OR_NULL} types write NULL where the row
     * holds its "no value" instead.
     */
    public static final class SqlType<V> implements Serializable {
        private static final long serialVersionUID = 1L;

        /** {@code timestamptz} from epoch milliseconds. */
        public static final SqlType<Long> TIMESTAMPTZ = new SqlType<>("?", (s, i, v) -> s.setObject(i, time(v)));
        /** As {@link #TIMESTAMPTZ}; {@link Long#MIN_VALUE}, the rows' "no time", is NULL. */
        public static final SqlType<Long> TIMESTAMPTZ_OR_NULL =
                TIMESTAMPTZ.nullWhen(v -> v == Long.MIN_VALUE, Types.TIMESTAMP_WITH_TIMEZONE);
        public static final SqlType<String> TEXT = new SqlType<>("?", (s, i, v) -> s.setString(i, v));
        /** Text the statement casts to {@code jsonb}. */
        public static final SqlType<String> JSONB = new SqlType<>("?::jsonb", (s, i, v) -> s.setString(i, v));
        public static final SqlType<Long> BIGINT = new SqlType<>("?", (s, i, v) -> s.setLong(i, v));
        public static final SqlType<Integer> INTEGER = new SqlType<>("?", (s, i, v) -> s.setInt(i, v));
        public static final SqlType<Double> DOUBLE = new SqlType<>("?", (s, i, v) -> s.setDouble(i, v));
        /** As {@link #DOUBLE}; NaN (no value, e.g. a ratio over zero) is NULL. */
        public static final SqlType<Double> DOUBLE_OR_NULL = DOUBLE.nullWhen(v -> Double.isNaN(v), Types.DOUBLE);
        public static final SqlType<byte[]> BYTEA = new SqlType<>("?", (s, i, v) -> s.setBytes(i, v));

        /** The column's place in {@code VALUES (…)}: a parameter, cast where needed. */
        private final String placeholder;
        private final Setter<V> setter;
        private final NullWhen<V> isNull;
        private final int nullType;

        private SqlType(String placeholder, Setter<V> setter) {
            this(placeholder, setter, v -> false, Types.NULL);
        }

        private SqlType(String placeholder, Setter<V> setter, NullWhen<V> isNull, int nullType) {
            this.placeholder = placeholder;
            this.setter = setter;
            this.isNull = isNull;
            this.nullType = nullType;
        }

        private SqlType<V> nullWhen(NullWhen<V> when, int sqlType) {
            return new SqlType<>(placeholder, setter, when, sqlType);
        }

        void bind(PreparedStatement s, int index, V value) throws SQLException {
            if (isNull.test(value)) {
                s.setNull(index, nullType);
            } else {
                setter.set(s, index, value);
            }
        }
    }

    /**
     * One column: a parameter read from the row ({@code type} and {@code value} set), or a value
     * the database computes ({@code sqlValue}, e.g. {@code now()}).
     */
    private record Column<T>(String name, SqlType<Object> type, Value<T, Object> value, String sqlValue, boolean key,
            String onConflict) implements Serializable {

        /** What the column's place in {@code VALUES (…)} holds. */
        String insertValue() {
            return sqlValue != null ? sqlValue : type.placeholder;
        }

        boolean isParameter() {
            return sqlValue == null;
        }
    }

    private final List<Column<T>> columns;
    private final String sql;

    private UpsertTable(String table, List<Column<T>> columns, String where) {
        this.columns = List.copyOf(columns);
        this.sql = sql(table, this.columns, where);
    }

    /** Starts the column list of {@code table} (schema-qualified, e.g. {@code kpi.traffic}). */
    public static <T> Builder<T> into(String table) {
        return new Builder<>(table);
    }

    @Override
    public String sql() {
        return sql;
    }

    @Override
    public Object key(T row) {
        List<Object> key = new ArrayList<>();
        for (Column<T> c : columns) {
            if (c.key()) {
                key.add(c.value().of(row));
            }
        }
        return key.size() == 1 ? key.get(0) : List.copyOf(key);
    }

    @Override
    public void bind(PreparedStatement statement, T row) throws SQLException {
        int index = 0;
        for (Column<T> c : columns) {
            if (c.isParameter()) {
                c.type().bind(statement, ++index, c.value().of(row));
            }
        }
    }

    private static <T> String sql(String table, List<Column<T>> columns, String where) {
        String names = columns.stream().map(Column::name).collect(Collectors.joining(", "));
        String values = columns.stream().map(Column::insertValue).collect(Collectors.joining(", "));
        String key = columns.stream().filter(Column::key).map(Column::name).collect(Collectors.joining(", "));
        String updates = columns.stream().filter(c -> !c.key() && c.onConflict() != null)
                .map(c -> c.name() + " = " + c.onConflict()).collect(Collectors.joining(", "));
        return "INSERT INTO " + table + " (" + names + ") VALUES (" + values + ")"
                + " ON CONFLICT (" + key + ") DO UPDATE SET " + updates
                + (where == null ? "" : " WHERE " + where);
    }

    static OffsetDateTime time(long epochMillis) {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }

    /**
     * The column list, in the table's column order. A column method adds a column; {@link #key},
     * {@link #insertOnly} and {@link #onConflict} qualify the column added last.
     */
    public static final class Builder<T> {
        private final String table;
        private final List<Column<T>> columns = new ArrayList<>();
        private String where;

        private Builder(String table) {
            this.table = table;
        }

        /** A column whose value is read from the row by {@code value} and written as {@code type}. */
        @SuppressWarnings("unchecked") // type and value agree on V; the column keeps them as Object
        public <V> Builder<T> column(String name, SqlType<V> type, Value<T, V> value) {
            return add(new Column<>(name, (SqlType<Object>) type, (Value<T, Object>) value, null, false,
                    "EXCLUDED." + name));
        }

        /** A column the database sets to {@code now()}, on insert and on update (unless {@link #insertOnly}). */
        public Builder<T> now(String name) {
            return add(new Column<>(name, null, null, "now()", false, "now()"));
        }

        /** The last column is part of the key ({@code ON CONFLICT (…)}): never updated, part of {@link #key}. */
        public Builder<T> key() {
            Column<T> c = last();
            if (!c.isParameter()) {
                throw new IllegalStateException(table + "." + c.name() + ": a key column comes from the row");
            }
            return replaceLast(new Column<>(c.name(), c.type(), c.value(), null, true, null));
        }

        /** On a conflict the last column keeps its stored value (e.g. a first-seen time). */
        public Builder<T> insertOnly() {
            Column<T> c = last();
            return replaceLast(new Column<>(c.name(), c.type(), c.value(), c.sqlValue(), c.key(), null));
        }

        /**
         * On a conflict the last column takes {@code expression} instead of {@code EXCLUDED.<name>}
         * (the stored row is {@code <table>.<column>}, the new one {@code EXCLUDED.<column>}).
         */
        public Builder<T> onConflict(String expression) {
            Column<T> c = last();
            return replaceLast(new Column<>(c.name(), c.type(), c.value(), c.sqlValue(), c.key(), expression));
        }

        /** A condition on the stored and new row; where it is false the conflict changes nothing. */
        public Builder<T> where(String condition) {
            this.where = condition;
            return this;
        }

        public UpsertTable<T> build() {
            if (columns.stream().noneMatch(Column::key)) {
                throw new IllegalStateException(table + ": an upsert needs at least one key column");
            }
            if (columns.stream().noneMatch(c -> !c.key() && c.onConflict() != null)) {
                throw new IllegalStateException(table + ": no column to update on a conflict");
            }
            return new UpsertTable<>(table, columns, where);
        }

        private Builder<T> add(Column<T> column) {
            if (columns.stream().anyMatch(c -> c.name().equals(column.name()))) {
                throw new IllegalStateException(table + "." + column.name() + " is declared twice");
            }
            columns.add(column);
            return this;
        }

        private Column<T> last() {
            if (columns.isEmpty()) {
                throw new IllegalStateException(table + ": key(), insertOnly() and onConflict() qualify the column"
                        + " before them; there is none yet");
            }
            return columns.get(columns.size() - 1);
        }

        private Builder<T> replaceLast(Column<T> column) {
            columns.set(columns.size() - 1, column);
            return this;
        }
    }
}
