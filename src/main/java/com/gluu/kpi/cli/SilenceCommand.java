package com.gluu.kpi.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.config.Durations;
import com.gluu.kpi.db.Migrations;
import com.gluu.kpi.sinks.JdbcSettings;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code silence add | list | expire} (SPEC §5 "Silences and maintenance"): rows of
 * {@code kpi.silences}, which the alert outbox consults before it sends a transition. Runs with
 * the database credentials of {@code migrate} (the schema's owner; {@code KPI_JDBC_*}).
 *
 * <pre>
 * silence add --match rule=no_data,service=analyze-api [--start ISO] (--end ISO | --for 2h) --by NAME [--comment TEXT]
 * silence list [--all true]
 * silence expire ID
 * </pre>
 * Times are event times (the transitions' own), ISO-8601 with offset; {@code --start} defaults
 * to now.
 */
final class SilenceCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SilenceCommand() {}

    static int run(List<String> argv, PrintStream out) throws SQLException {
        return run(argv, out, null);
    }

    /** @param database the database to use instead of {@code --jdbc-url}/{@code KPI_JDBC_*} (tests); null: those */
    static int run(List<String> argv, PrintStream out, JdbcSettings database) throws SQLException {
        SilenceCommand.database = database;
        if (argv.isEmpty()) {
            throw new Args.UsageException("silence needs add, list or expire");
        }
        List<String> rest = argv.subList(1, argv.size());
        switch (argv.get(0)) {
            case "add":
                return add(Args.parse(rest, Set.of("match", "start", "end", "for", "by", "comment", "jdbc-url")), out);
            case "list":
                return list(Args.parse(rest, Set.of("all", "jdbc-url")), out);
            case "expire":
                if (rest.isEmpty()) {
                    throw new Args.UsageException("silence expire needs the silence's id");
                }
                return expire(rest.get(0), Args.parse(rest.subList(1, rest.size()), Set.of("jdbc-url")), out);
            default:
                throw new Args.UsageException("silence needs add, list or expire, not '" + argv.get(0) + "'");
        }
    }

    private static JdbcSettings database;

    private static JdbcSettings jdbc(Args args) {
        JdbcSettings jdbc = database != null ? database : JdbcSettings.fromEnvironment(args.get("jdbc-url"));
        Migrations.ensureCurrent(jdbc);
        return jdbc;
    }

    /** {@code rule=no_data,service=analyze-api} as a JSON object; keys and values non-empty. */
    static Map<String, String> matchers(String text) {
        if (text == null || text.isBlank()) {
            throw new Args.UsageException("silence add needs --match label=value[,label=value...]");
        }
        Map<String, String> m = new TreeMap<>();
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new Args.UsageException("--match: '" + pair + "' is not label=value");
            }
            m.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
        }
        return m;
    }

    private static Instant instant(String option, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new Args.UsageException("--" + option + ": '" + value + "' is not an ISO-8601 time like 2026-12-01T22:00:00Z");
        }
    }

    private static int add(Args args, PrintStream out) throws SQLException {
        Map<String, String> matchers = matchers(args.get("match"));
        Instant start = args.get("start") == null ? Instant.now() : instant("start", args.get("start"));
        Instant end;
        if (args.get("end") != null && args.get("for") != null) {
            throw new Args.UsageException("silence add takes --end or --for, not both");
        } else if (args.get("end") != null) {
            end = instant("end", args.get("end"));
        } else if (args.get("for") != null) {
            Duration d = Durations.parse("--for", args.get("for"));
            end = start.plus(d);
        } else {
            throw new Args.UsageException("silence add needs --end ISO or --for DURATION");
        }
        if (!end.isAfter(start)) {
            throw new Args.UsageException("the silence must end after it starts");
        }
        String by = args.get("by");
        if (by == null || by.isBlank()) {
            throw new Args.UsageException("silence add needs --by (who silences)");
        }
        String sql = "INSERT INTO kpi.silences (matchers, starts_at, ends_at, created_by, comment)"
                + " VALUES (?::jsonb, ?, ?, ?, ?) RETURNING id";
        try (Connection c = jdbc(args).connect(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, JSON.valueToTree(matchers).toString());
            s.setTimestamp(2, Timestamp.from(start));
            s.setTimestamp(3, Timestamp.from(end));
            s.setString(4, by);
            s.setString(5, args.get("comment", ""));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                out.printf("silence %d: %s from %s to %s%n", rs.getLong(1), matchers, start, end);
            }
        }
        return 0;
    }

    private static int list(Args args, PrintStream out) throws SQLException {
        boolean all = Boolean.parseBoolean(args.get("all", "false"));
        String sql = "SELECT id, matchers::text, starts_at, ends_at, created_by, comment, expired_at FROM kpi.silences"
                + (all ? "" : " WHERE expired_at IS NULL AND ends_at > now()") + " ORDER BY id";
        try (Connection c = jdbc(args).connect(); PreparedStatement s = c.prepareStatement(sql);
                ResultSet rs = s.executeQuery()) {
            int n = 0;
            while (rs.next()) {
                n++;
                out.printf("%d  %s  %s .. %s  by %s%s%s%n", rs.getLong(1), rs.getString(2),
                        rs.getTimestamp(3).toInstant(), rs.getTimestamp(4).toInstant(), rs.getString(5),
                        rs.getString(6).isEmpty() ? "" : "  \"" + rs.getString(6) + "\"",
                        rs.getTimestamp(7) == null ? "" : "  (expired " + rs.getTimestamp(7).toInstant() + ")");
            }
            if (n == 0) {
                out.println(all ? "no silences" : "no active silences");
            }
        }
        return 0;
    }

    private static int expire(String id, Args args, PrintStream out) throws SQLException {
        long n;
        try {
            n = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw new Args.UsageException("silence expire: '" + id + "' is not a silence id");
        }
        try (Connection c = jdbc(args).connect(); PreparedStatement s = c.prepareStatement(
                "UPDATE kpi.silences SET expired_at = now() WHERE id = ? AND expired_at IS NULL")) {
            s.setLong(1, n);
            if (s.executeUpdate() == 0) {
                out.println("silence " + n + ": no such active silence");
                return 1;
            }
            out.println("silence " + n + " expired");
        }
        return 0;
    }
}
