package com.gluu.kpi.sinks;

import com.gluu.kpi.events.PostgresText;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Text about a row the database refused: its key for a log line (cleaned, control characters
 * escaped, capped), a deterministic dead-letter id, and a readable JSON rendering of its key and
 * bound values for {@code kpi.dead_letters.raw}.
 *
 * <p>The values come from the table's own {@link UpsertStatement#bind}, called on a
 * {@link PreparedStatement} that only records what is set, and are named after the columns of
 * the statement's {@code INSERT INTO t (…) VALUES (…)}: the column list stays written once.
 */
final class RowText {
    /** Longest key rendering in a log line, in characters. */
    static final int MAX_LOG_KEY_CHARS = 80;
    /** Longest single text value kept in a rendering, in characters. */
    static final int MAX_VALUE_CHARS = 8_192;
    /** Bytes of a {@code bytea} value kept in a rendering. */
    static final int MAX_BYTES_SHOWN = 1_024;

    private RowText() {}

    /** The key as a log may show it: cleaned, control characters as {@code \\uXXXX}, at most ~80 characters. */
    static String keyForLog(Object key) {
        String text = PostgresText.clean(keyText(key));
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_LOG_KEY_CHARS) + 8);
        for (int i = 0; i < text.length(); i++) {
            if (out.length() >= MAX_LOG_KEY_CHARS) {
                out.append("…(").append(text.length()).append(" chars)");
                break;
            }
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        // The cap may have cut a surrogate pair in two.
        return PostgresText.clean(out.toString());
    }

    /** {@code unwritable:<table>:<128 bits of SHA-256 of table and key>}: a replay finds the same row. */
    static String deadLetterId(String table, Object key) {
        StringBuilder canonical = new StringBuilder(table).append('\n');
        for (Object part : key instanceof List<?> list ? list : List.of(key)) {
            String s = String.valueOf(part);
            canonical.append(s.length()).append(':').append(s).append(';');
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return "unwritable:" + table + ":" + HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * {@code {"table": …, "key": […], "values": {column: value, …}}}, cleaned, at most
     * {@code maxBytes} of UTF-8 (a rendering cut at the limit ends with {@code …}).
     */
    static <T> String render(String table, Object key, UpsertStatement<T> statement, T row, int maxBytes) {
        StringBuilder out = new StringBuilder(256);
        out.append("{\"table\":");
        json(out, table);
        out.append(",\"key\":[");
        List<?> parts = key instanceof List<?> list ? list : List.of(key);
        for (int i = 0; i < parts.size(); i++) {
            out.append(i == 0 ? "" : ",");
            json(out, parts.get(i));
        }
        out.append("],\"values\":");
        Map<Integer, Object> values = boundValues(statement, row);
        if (values == null) {
            out.append("null");
        } else {
            List<String> columns = parameterColumns(statement.sql());
            out.append('{');
            boolean first = true;
            for (Map.Entry<Integer, Object> v : values.entrySet()) {
                int index = v.getKey();
                out.append(first ? "" : ",");
                first = false;
                json(out, index >= 1 && index <= columns.size() ? columns.get(index - 1) : "$" + index);
                out.append(':');
                json(out, v.getValue());
            }
            out.append('}');
        }
        return capBytes(out.append('}').toString(), maxBytes);
    }

    /** The parameters {@code bind} sets, by index (null for SQL NULL); null if binding failed. */
    static <T> Map<Integer, Object> boundValues(UpsertStatement<T> statement, T row) {
        Map<Integer, Object> values = new TreeMap<>();
        PreparedStatement recorder = (PreparedStatement) Proxy.newProxyInstance(RowText.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                    if (method.getName().startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer i) {
                        values.put(i, method.getName().equals("setNull") ? null : args[1]);
                        return null;
                    }
                    throw new UnsupportedOperationException("only records the parameters a bind sets");
                });
        try {
            statement.bind(recorder, row);
            return values;
        } catch (Exception e) {
            return null; // a bind that does more than set parameters: the key alone must do
        }
    }

    /** The column of each {@code ?} of {@code INSERT INTO t (c1, …) VALUES (e1, …) …}, in order; empty if unparsable. */
    static List<String> parameterColumns(String sql) {
        int open = sql.indexOf('(');
        int close = open < 0 ? -1 : sql.indexOf(')', open);
        int values = close < 0 ? -1 : sql.toUpperCase(Locale.ROOT).indexOf("VALUES", close);
        int valuesOpen = values < 0 ? -1 : sql.indexOf('(', values);
        if (valuesOpen < 0) {
            return List.of();
        }
        String[] columns = sql.substring(open + 1, close).split(",");
        List<String> expressions = new ArrayList<>();
        int depth = 0;
        int start = valuesOpen + 1;
        for (int i = start; i < sql.length() && depth >= 0; i++) {
            char c = sql.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth < 0 || c == ',' && depth == 0) {
                expressions.add(sql.substring(start, i));
                start = i + 1;
            }
        }
        if (expressions.size() != columns.length) {
            return List.of();
        }
        List<String> byParameter = new ArrayList<>();
        for (int i = 0; i < columns.length; i++) {
            for (char c : expressions.get(i).toCharArray()) {
                if (c == '?') {
                    byParameter.add(columns[i].trim());
                }
            }
        }
        return byParameter;
    }

    /** At most {@code maxChars} characters of {@code text}, marked with {@code …} where cut. */
    static String cap(String text, int maxChars) {
        return text.length() <= maxChars ? text : PostgresText.clean(text.substring(0, maxChars - 1)) + "…";
    }

    /** At most {@code maxBytes} of UTF-8, cut between characters and marked with {@code …}. */
    static String capBytes(String text, int maxBytes) {
        if (text.length() * 3L <= maxBytes || text.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
            return text;
        }
        int budget = maxBytes - 3; // "…" is 3 bytes
        int end = 0;
        while (end < text.length()) {
            int cp = text.codePointAt(end);
            int bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if ((budget -= bytes) < 0) {
                break;
            }
            end += Character.charCount(cp);
        }
        return text.substring(0, end) + "…";
    }

    private static String keyText(Object key) {
        if (!(key instanceof List<?> list)) {
            return String.valueOf(key);
        }
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < list.size(); i++) {
            out.append(i == 0 ? "" : ", ").append(list.get(i));
        }
        return out.append(']').toString();
    }

    private static void json(StringBuilder out, Object value) {
        if (value == null || value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Number n && !(value instanceof Double d && !Double.isFinite(d))
                && !(value instanceof Float f && !Float.isFinite(f))) {
            out.append(n);
        } else if (value instanceof byte[] bytes) {
            String hex = HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, MAX_BYTES_SHOWN));
            jsonString(out, "\\x" + hex + (bytes.length > MAX_BYTES_SHOWN ? "…(" + bytes.length + " bytes)" : ""));
        } else {
            jsonString(out, cap(PostgresText.clean(String.valueOf(value)), MAX_VALUE_CHARS));
        }
    }

    private static void jsonString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
