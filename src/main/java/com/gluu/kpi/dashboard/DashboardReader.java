package com.gluu.kpi.dashboard;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads what the page draws for one {@link DashboardParams} from the KPI tables, as a role
 * granted only {@code kpi_reader}: plain SELECTs of {@code kpi.traffic}, {@code kpi.latency},
 * {@code kpi.accuracy}, {@code kpi.cost}, {@code kpi.endpoint_health}, {@code kpi.jobs}, {@code kpi.alerts},
 * {@code kpi.alert_evidence}, the columns {@code reason}, {@code event_ts} and {@code received_at} of
 * {@code kpi.dead_letters} and the view {@code kpi.dead_letter_counts}.
 *
 * <p>The answer (a JSON object, described in the README's "Dashboard" section) has a
 * {@code range}, a {@code summary} row per service and one for all of them, and a section per
 * chart whose series hold one value per window of a {@link TimeGrid}. Window rows of one size
 * only are read: 1-minute rows for ranges up to {@link #AUTO_ONE_MINUTE_UP_TO}, 1-hour rows for
 * longer ones (both are written by default, and summing both would count every event twice).
 *
 * <p>Counts and dollars are sums of rows. Percentiles are never averaged: every stored sketch
 * of the range is decoded ({@link StoredSketches}) and merged, so a summary p95 keeps the
 * sketch's 1 % relative accuracy over any range. Accuracy is weighted by feedback.
 */
final class DashboardReader {
    /** At most this many windows per answer: 50 h of minutes, or 125 days of hours. */
    static final int MAX_WINDOWS = 3000;
    static final Duration AUTO_ONE_MINUTE_UP_TO = Duration.ofHours(6);
    /** The range when the URL gives no {@code from}: the last hour of data. */
    static final Duration DEFAULT_RANGE = Duration.ofHours(1);
    /** Episodes listed per answer; an alert storm beyond it says so ({@code alertsTruncated}). */
    static final int MAX_ALERTS = 200;
    static final String ALL_SERVICES = "*";
    private static final double[] QUANTILES = {0.50, 0.95, 0.99};
    private static final String[] QUANTILE_NAMES = {"p50", "p95", "p99"};
    private static final List<String> STAGES = List.of("total", "model", "llm");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Selects the rows of one window size whose window lies in the grid (window_end is indexed). */
    private static final String IN_GRID = " window_end - window_start = make_interval(secs => ?)"
            + " AND window_end > ? AND window_end <= ?";

    /** Tenants listed per answer, the most expensive first. */
    static final int MAX_TENANTS = 50;

    private final Clock clock;
    private final com.gluu.kpi.config.TenantBudgets budgets;

    DashboardReader(Clock clock) {
        this(clock, com.gluu.kpi.config.TenantBudgets.none());
    }

    DashboardReader(Clock clock, com.gluu.kpi.config.TenantBudgets budgets) {
        this.clock = clock;
        this.budgets = budgets;
    }

    Map<String, Object> read(Connection c, DashboardParams p) throws SQLException {
        Instant latest = latestWindowEnd(c);
        Instant to = p.to;
        Instant from = p.from;
        if (to == null) {
            Instant dataEnd = latest != null ? latest : clock.instant().truncatedTo(ChronoUnit.MINUTES);
            to = from != null && !dataEnd.isAfter(from) ? from.plus(DEFAULT_RANGE) : dataEnd;
        }
        if (from == null) {
            from = to.minus(DEFAULT_RANGE);
        }
        TimeGrid grid = new TimeGrid(from, to, windowSize(c, p.window, from, to));

        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> range = new LinkedHashMap<>();
        range.put("from", from.toString());
        range.put("to", to.toString());
        range.put("gridStart", grid.start.toString());
        range.put("gridEnd", grid.end.toString());
        range.put("window", grid.step.equals(Duration.ofHours(1)) ? "1h" : "1m");
        range.put("windowSeconds", grid.step.getSeconds());
        range.put("service", p.service);
        range.put("live", p.to == null);
        range.put("latestData", latest == null ? null : latest.toString());
        range.put("generatedAt", clock.instant().toString());
        out.put("range", range);
        out.put("t", grid.epochSeconds());

        Map<String, long[]> trafficByService = new TreeMap<>();
        out.put("traffic", traffic(c, grid, p.service, trafficByService));
        Map<String, DDSketch> totalLatencyByService = new TreeMap<>();
        out.put("latency", latency(c, grid, p.service, totalLatencyByService));
        List<String> services = new ArrayList<>(trafficByService.keySet());
        out.put("services", services);
        out.put("summary", summary(p.service, trafficByService, totalLatencyByService));
        out.put("accuracy", accuracy(c, grid));
        out.put("cost", cost(c, grid));
        out.put("endpoints", endpoints(c, grid));
        out.put("jobs", jobs(c, grid, p.service));
        out.put("tenants", tenants(c, grid));
        alerts(c, grid, p.service, out);
        out.put("deadLetters", deadLetters(c, grid));
        return out;
    }

    /**
     * The end of the newest 1-minute traffic window (a backward scan of the window_end index that
     * stops at the first match); of any window if there are none. An hour's row is written once
     * the hour is over, so its end would lie ahead of what has been counted so far.
     */
    private static Instant latestWindowEnd(Connection c) throws SQLException {
        String sql = "SELECT coalesce((SELECT max(window_end) FROM kpi.traffic"
                + " WHERE window_end - window_start = interval '1 minute'), (SELECT max(window_end) FROM kpi.traffic))";
        try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            rs.next();
            return instant(rs, 1);
        }
    }

    /**
     * The window size to read. AUTO takes 1 minute up to {@link #AUTO_ONE_MINUTE_UP_TO} and 1 hour
     * beyond, and the other size when the preferred one has no traffic row in the range (a job
     * configured with other windows) but the other has.
     */
    private static Duration windowSize(Connection c, DashboardParams.Window window, Instant from, Instant to)
            throws SQLException {
        if (window != DashboardParams.Window.AUTO) {
            return window.size;
        }
        Duration minute = DashboardParams.Window.ONE_MINUTE.size;
        Duration hour = DashboardParams.Window.ONE_HOUR.size;
        boolean shortRange = Duration.between(from, to).compareTo(AUTO_ONE_MINUTE_UP_TO) <= 0;
        Duration preferred = shortRange ? minute : hour;
        Duration other = shortRange ? hour : minute;
        if (hasTraffic(c, new TimeGrid(from, to, preferred))) {
            return preferred;
        }
        long otherWindows = Duration.between(from, to).toMillis() / other.toMillis();
        if (otherWindows <= MAX_WINDOWS && hasTraffic(c, new TimeGrid(from, to, other))) {
            return other;
        }
        return preferred;
    }

    private static boolean hasTraffic(Connection c, TimeGrid grid) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM kpi.traffic WHERE" + IN_GRID + ")")) {
            bindGrid(st, 1, grid);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** Requests, errors and error rate per window over the selected services; totals per service. */
    private static Map<String, Object> traffic(Connection c, TimeGrid grid, String service, Map<String, long[]> byService)
            throws SQLException {
        Double[] requests = grid.empty();
        Double[] errors = grid.empty();
        Double[] clientErrors = grid.empty();
        // Every service of the range, for the page's service list; the series only of the selected one.
        String sql = "SELECT window_start, service, sum(requests), sum(ok), sum(client_errors), sum(errors)"
                + " FROM kpi.traffic WHERE" + IN_GRID + " GROUP BY window_start, service";
        try (PreparedStatement st = c.prepareStatement(sql)) {
            bindGrid(st, 1, grid);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String s = rs.getString(2);
                    long[] totals = byService.computeIfAbsent(s, k -> new long[4]);
                    for (int i = 0; i < 4; i++) {
                        totals[i] += rs.getLong(3 + i);
                    }
                    int w = grid.index(instant(rs, 1));
                    if (w < 0 || (service != null && !service.equals(s))) {
                        continue;
                    }
                    requests[w] = plus(requests[w], rs.getLong(3));
                    clientErrors[w] = plus(clientErrors[w], rs.getLong(5));
                    errors[w] = plus(errors[w], rs.getLong(6));
                }
            }
        }
        Double[] errorRate = grid.empty();
        for (int w = 0; w < grid.size; w++) {
            if (requests[w] != null && requests[w] > 0) {
                errorRate[w] = errors[w] / requests[w];
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("requests", requests);
        out.put("errors", errors);
        out.put("clientErrors", clientErrors);
        out.put("errorRate", errorRate);
        return out;
    }

    /**
     * p50/p95/p99 per stage and window, each from the window's sketches merged over the selected
     * services, models and endpoints; and the whole range's total-stage sketch per service.
     */
    private static Map<String, Object> latency(Connection c, TimeGrid grid, String service,
            Map<String, DDSketch> totalByService) throws SQLException {
        Map<String, Double[][]> series = new LinkedHashMap<>();
        for (String stage : STAGES) {
            series.put(stage, new Double[][] {grid.empty(), grid.empty(), grid.empty()});
        }
        String sql = "SELECT window_start, service, stage, sketch FROM kpi.latency WHERE" + IN_GRID
                + (service == null ? "" : " AND service = ?") + " ORDER BY window_start";
        try (PreparedStatement st = c.prepareStatement(sql)) {
            int next = bindGrid(st, 1, grid);
            if (service != null) {
                st.setString(next, service);
            }
            try (ResultSet rs = st.executeQuery()) {
                Instant current = null;
                Map<String, DDSketch> window = new LinkedHashMap<>();
                while (rs.next()) {
                    Instant start = instant(rs, 1);
                    if (!start.equals(current)) {
                        putQuantiles(grid, current, window, series);
                        window.clear();
                        current = start;
                    }
                    String stage = rs.getString(3);
                    DDSketch sketch = StoredSketches.decode(rs.getBytes(4));
                    window.put(stage, StoredSketches.merge(window.get(stage), sketch));
                    if (stage.equals("total")) {
                        totalByService.put(rs.getString(2), StoredSketches.merge(totalByService.get(rs.getString(2)), sketch));
                    }
                }
                putQuantiles(grid, current, window, series);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        series.forEach((stage, values) -> {
            Map<String, Object> s = new LinkedHashMap<>();
            for (int q = 0; q < QUANTILES.length; q++) {
                s.put(QUANTILE_NAMES[q], values[q]);
            }
            out.put(stage, s);
        });
        return out;
    }

    private static void putQuantiles(TimeGrid grid, Instant windowStart, Map<String, DDSketch> window,
            Map<String, Double[][]> series) {
        int w = windowStart == null ? -1 : grid.index(windowStart);
        if (w < 0) {
            return;
        }
        window.forEach((stage, sketch) -> {
            Double[][] values = series.get(stage);
            if (values == null) {
                return;
            }
            for (int q = 0; q < QUANTILES.length; q++) {
                values[q][w] = StoredSketches.quantile(sketch, QUANTILES[q]);
            }
        });
    }

    /** One row per selected service, then (without a service filter) one for all of them. */
    private static List<Map<String, Object>> summary(String service, Map<String, long[]> traffic,
            Map<String, DDSketch> latency) {
        List<Map<String, Object>> rows = new ArrayList<>();
        long[] all = new long[4];
        DDSketch allLatency = null;
        List<String> names = new ArrayList<>(traffic.keySet());
        latency.keySet().stream().filter(s -> !traffic.containsKey(s)).forEach(names::add);
        for (String s : names) {
            if (service != null && !service.equals(s)) {
                continue;
            }
            long[] t = traffic.getOrDefault(s, new long[4]);
            DDSketch l = latency.get(s);
            rows.add(summaryRow(s, t, l));
            for (int i = 0; i < 4; i++) {
                all[i] += t[i];
            }
            if (l != null) {
                allLatency = StoredSketches.merge(allLatency, l);
            }
        }
        if (service == null) {
            rows.add(summaryRow(ALL_SERVICES, all, allLatency));
        }
        return rows;
    }

    private static Map<String, Object> summaryRow(String service, long[] t, DDSketch latency) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("service", service);
        row.put("requests", t[0]);
        row.put("ok", t[1]);
        row.put("clientErrors", t[2]);
        row.put("errors", t[3]);
        row.put("errorRate", t[0] == 0 ? null : t[3] / (double) t[0]);
        row.put("latencyCount", latency == null ? 0 : Math.round(latency.getCount()));
        for (int q = 0; q < QUANTILES.length; q++) {
            row.put(QUANTILE_NAMES[q] + "Ms", StoredSketches.quantile(latency, QUANTILES[q]));
        }
        return row;
    }

    /** Per model (versions together): feedback-weighted accuracy and feedback per window. */
    private static List<Map<String, Object>> accuracy(Connection c, TimeGrid grid) throws SQLException {
        Map<String, Double[][]> byModel = new TreeMap<>(); // model → {accuracy, feedback}
        Map<String, double[]> totals = new TreeMap<>(); // model → {feedback, Σ score}
        String sql = "SELECT window_start, model, sum(feedback), sum(accuracy * feedback) FROM kpi.accuracy WHERE"
                + IN_GRID + " GROUP BY window_start, model";
        try (PreparedStatement st = c.prepareStatement(sql)) {
            bindGrid(st, 1, grid);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    int w = grid.index(instant(rs, 1));
                    if (w < 0) {
                        continue;
                    }
                    String model = rs.getString(2);
                    double feedback = rs.getLong(3);
                    double scoreSum = rs.getDouble(4);
                    Double[][] s = byModel.computeIfAbsent(model, k -> new Double[][] {grid.empty(), grid.empty()});
                    s[0][w] = feedback == 0 ? null : scoreSum / feedback;
                    s[1][w] = feedback;
                    double[] tot = totals.computeIfAbsent(model, k -> new double[2]);
                    tot[0] += feedback;
                    tot[1] += scoreSum;
                }
            }
        }
        List<Map<String, Object>> out = new ArrayList<>();
        byModel.forEach((model, s) -> {
            double[] tot = totals.get(model);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model);
            m.put("unmatched", model.equals("unmatched"));
            m.put("feedbackTotal", Math.round(tot[0]));
            m.put("accuracyOverRange", tot[0] == 0 ? null : tot[1] / tot[0]);
            m.put("accuracy", s[0]);
            m.put("feedback", s[1]);
            out.add(m);
        });
        return out;
    }

    /** The window totals (the '*' rows): spend by component, idle hosting, cost per inference. */
    private static Map<String, Object> cost(Connection c, TimeGrid grid) throws SQLException {
        String[] names = {"requests", "llmUsd", "busyHostingUsd", "idleHostingUsd", "computeUsd", "totalUsd",
            "usdPerInference"};
        Double[][] s = new Double[names.length][];
        for (int i = 0; i < names.length; i++) {
            s[i] = grid.empty();
        }
        double[] totals = new double[6];
        String sql = "SELECT window_start, requests, llm_usd, hosting_usd, coalesce(idle_hosting_usd, 0), compute_usd,"
                + " total_usd, usd_per_inference FROM kpi.cost WHERE" + IN_GRID + " AND model = '*' AND endpoint = '*'";
        try (PreparedStatement st = c.prepareStatement(sql)) {
            bindGrid(st, 1, grid);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    int w = grid.index(instant(rs, 1));
                    if (w < 0) {
                        continue;
                    }
                    double hosting = rs.getDouble(4);
                    double idle = rs.getDouble(5);
                    double[] row = {rs.getLong(2), rs.getDouble(3), hosting - idle, idle, rs.getDouble(6), rs.getDouble(7)};
                    for (int i = 0; i < row.length; i++) {
                        s[i][w] = row[i];
                        totals[i] += row[i];
                    }
                    double perInference = rs.getDouble(8);
                    s[6][w] = rs.wasNull() ? null : perInference;
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            out.put(names[i], s[i]);
        }
        Map<String, Object> t = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            t.put(names[i], i == 0 ? (Object) Math.round(totals[0]) : totals[i]);
        }
        t.put("usdPerInference", totals[0] == 0 ? null : totals[5] / totals[0]);
        out.put("totals", t);
        return out;
    }

    /**
     * Per (service, kind) of {@code kpi.jobs}: the range's counts, submit-to-webhook p50/p95/p99
     * merged from the windows' stored sketches, and per window the open and stuck jobs at its end
     * and its end-to-end p95; {@code stuckAtEnd} is the stuck gauge of the range's last window
     * with a row.
     */
    private static List<Map<String, Object>> jobs(Connection c, TimeGrid grid, String service) throws SQLException {
        String sql = "SELECT window_start, service, kind, submitted, completed, failed, webhooks_sent, webhooks_failed,"
                + " open_at_end, stuck_at_end, e2e_p95_ms, e2e_sketch FROM kpi.jobs WHERE" + IN_GRID
                + (service == null ? "" : " AND service = ?") + " ORDER BY service, kind, window_start";
        Map<List<String>, Map<String, Object>> byJob = new LinkedHashMap<>();
        Map<List<String>, DDSketch> e2e = new LinkedHashMap<>();
        try (PreparedStatement st = c.prepareStatement(sql)) {
            int next = bindGrid(st, 1, grid);
            if (service != null) {
                st.setString(next, service);
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    int w = grid.index(instant(rs, 1));
                    if (w < 0) {
                        continue;
                    }
                    List<String> key = List.of(rs.getString(2), rs.getString(3));
                    Map<String, Object> j = byJob.computeIfAbsent(key, k -> {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("service", k.get(0));
                        m.put("kind", k.get(1));
                        for (String count : JOB_COUNTS) {
                            m.put(count, 0L);
                        }
                        m.put("open", grid.empty());
                        m.put("stuck", grid.empty());
                        m.put("e2eP95Ms", grid.empty());
                        return m;
                    });
                    for (int i = 0; i < JOB_COUNTS.length; i++) {
                        j.put(JOB_COUNTS[i], (Long) j.get(JOB_COUNTS[i]) + rs.getLong(4 + i));
                    }
                    ((Double[]) j.get("open"))[w] = (double) rs.getLong(9);
                    ((Double[]) j.get("stuck"))[w] = (double) rs.getLong(10);
                    j.put("stuckAtEnd", rs.getLong(10));
                    double p95 = rs.getDouble(11);
                    ((Double[]) j.get("e2eP95Ms"))[w] = rs.wasNull() ? null : p95;
                    byte[] sketch = rs.getBytes(12);
                    if (sketch != null) {
                        e2e.put(key, StoredSketches.merge(e2e.get(key), StoredSketches.decode(sketch)));
                    }
                }
            }
        }
        List<Map<String, Object>> out = new ArrayList<>();
        byJob.forEach((key, j) -> {
            for (int q = 0; q < QUANTILES.length; q++) {
                j.put("e2e" + QUANTILE_NAMES[q].toUpperCase(java.util.Locale.ROOT) + "OverRangeMs",
                        StoredSketches.quantile(e2e.get(key), QUANTILES[q]));
            }
            out.add(j);
        });
        return out;
    }

    /**
     * Per tenant ({@code kpi.tenant_usage}), the {@link #MAX_TENANTS} most expensive over the range:
     * requests, errors, LLM, allocated and total USD, USD per request; and the month to date at the
     * range's end (its calendar month in UTC, up to the range's end, 1-minute rows) against the
     * tenant's monthly budget when it has one.
     */
    private List<Map<String, Object>> tenants(Connection c, TimeGrid grid) throws SQLException {
        String sql = "SELECT client_id, sum(requests), sum(errors), sum(llm_usd), sum(allocated_usd), sum(total_usd)"
                + " FROM kpi.tenant_usage WHERE" + IN_GRID + " GROUP BY client_id ORDER BY sum(total_usd) DESC, client_id"
                + " LIMIT " + MAX_TENANTS;
        Map<String, Map<String, Object>> byTenant = new LinkedHashMap<>();
        try (PreparedStatement st = c.prepareStatement(sql)) {
            bindGrid(st, 1, grid);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> t = new LinkedHashMap<>();
                    String client = rs.getString(1);
                    long requests = rs.getLong(2);
                    t.put("clientId", client);
                    t.put("requests", requests);
                    t.put("errors", rs.getLong(3));
                    t.put("llmUsd", rs.getDouble(4));
                    t.put("allocatedUsd", rs.getDouble(5));
                    t.put("totalUsd", rs.getDouble(6));
                    t.put("usdPerRequest", requests == 0 ? null : rs.getDouble(6) / requests);
                    double budget = budgets.monthlyUsd(client);
                    t.put("monthlyBudgetUsd", Double.isNaN(budget) ? null : budget);
                    t.put("monthToDateUsd", null);
                    byTenant.put(client, t);
                }
            }
        }
        if (!byTenant.isEmpty()) {
            String month = "SELECT client_id, sum(total_usd) FROM kpi.tenant_usage WHERE window_end - window_start"
                    + " = interval '1 minute' AND window_start >= date_trunc('month', ?::timestamptz AT TIME ZONE 'UTC')"
                    + " AT TIME ZONE 'UTC' AND window_end <= ? AND client_id = ANY (?) GROUP BY client_id";
            try (PreparedStatement st = c.prepareStatement(month)) {
                OffsetDateTime end = OffsetDateTime.ofInstant(grid.end, ZoneOffset.UTC);
                st.setObject(1, end);
                st.setObject(2, end);
                st.setArray(3, c.createArrayOf("text", byTenant.keySet().toArray()));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        byTenant.get(rs.getString(1)).put("monthToDateUsd", rs.getDouble(2));
                    }
                }
            }
        }
        return new ArrayList<>(byTenant.values());
    }

    private static final String[] JOB_COUNTS = {"submitted", "completed", "failed", "webhooksSent", "webhooksFailed"};

    /** Per endpoint: share of each window in service, restarts and failures. */
    private static List<Map<String, Object>> endpoints(Connection c, TimeGrid grid) throws SQLException {
        Map<String, Double[][]> byEndpoint = new TreeMap<>(); // {in-service share, restarts, failures}
        Map<String, double[]> totals = new TreeMap<>(); // {in-service seconds, restarts, failures}
        double windowSeconds = grid.step.getSeconds();
        String sql = "SELECT window_start, endpoint, in_service_seconds, restarts, failures FROM kpi.endpoint_health WHERE"
                + IN_GRID;
        try (PreparedStatement st = c.prepareStatement(sql)) {
            bindGrid(st, 1, grid);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    int w = grid.index(instant(rs, 1));
                    if (w < 0) {
                        continue;
                    }
                    Double[][] s = byEndpoint.computeIfAbsent(rs.getString(2),
                            k -> new Double[][] {grid.empty(), grid.empty(), grid.empty()});
                    double seconds = rs.getDouble(3);
                    s[0][w] = seconds / windowSeconds;
                    s[1][w] = (double) rs.getLong(4);
                    s[2][w] = (double) rs.getLong(5);
                    double[] tot = totals.computeIfAbsent(rs.getString(2), k -> new double[3]);
                    tot[0] += seconds;
                    tot[1] += rs.getLong(4);
                    tot[2] += rs.getLong(5);
                }
            }
        }
        List<Map<String, Object>> out = new ArrayList<>();
        byEndpoint.forEach((endpoint, s) -> {
            double[] tot = totals.get(endpoint);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("endpoint", endpoint);
            e.put("inServiceSeconds", tot[0]);
            e.put("restartsTotal", Math.round(tot[1]));
            e.put("failuresTotal", Math.round(tot[2]));
            e.put("inServiceShare", s[0]);
            e.put("restarts", s[1]);
            e.put("failures", s[2]);
            out.add(e);
        });
        return out;
    }

    /**
     * Episodes that overlap the grid (an open one reaches its end), of the selected service or
     * without a service label (endpoint and accuracy rules), with their evidence requests.
     */
    private static void alerts(Connection c, TimeGrid grid, String service, Map<String, Object> out)
            throws SQLException {
        String sql = "SELECT alert_id, rule, severity, labels::text, state, started_at, resolved_at, value, threshold,"
                + " summary FROM kpi.alerts WHERE started_at < ? AND (resolved_at IS NULL OR resolved_at > ?)"
                + (service == null ? "" : " AND (labels->>'service' IS NULL OR labels->>'service' = ?)")
                + " ORDER BY started_at, rule, alert_id LIMIT " + (MAX_ALERTS + 1);
        Map<String, Map<String, Object>> episodes = new LinkedHashMap<>();
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setObject(1, OffsetDateTime.ofInstant(grid.end, ZoneOffset.UTC));
            st.setObject(2, OffsetDateTime.ofInstant(grid.start, ZoneOffset.UTC));
            if (service != null) {
                st.setString(3, service);
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> a = new LinkedHashMap<>();
                    a.put("alertId", rs.getString(1));
                    a.put("rule", rs.getString(2));
                    a.put("severity", rs.getString(3));
                    a.put("labels", labels(rs.getString(4)));
                    a.put("state", rs.getString(5));
                    a.put("startedAt", text(instant(rs, 6)));
                    a.put("resolvedAt", text(instant(rs, 7)));
                    a.put("value", number(rs, 8));
                    a.put("threshold", number(rs, 9));
                    a.put("summary", rs.getString(10));
                    a.put("evidence", new ArrayList<Map<String, Object>>());
                    episodes.put(rs.getString(1), a);
                }
            }
        }
        boolean truncated = episodes.size() > MAX_ALERTS;
        if (truncated) {
            String last = new ArrayList<>(episodes.keySet()).get(MAX_ALERTS);
            episodes.remove(last);
        }
        if (!episodes.isEmpty()) {
            String evidence = "SELECT alert_id, request_id, ts, value FROM kpi.alert_evidence WHERE alert_id = ANY (?)"
                    + " ORDER BY alert_id, ts, request_id";
            try (PreparedStatement st = c.prepareStatement(evidence)) {
                st.setArray(1, c.createArrayOf("text", episodes.keySet().toArray()));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Object> e = new LinkedHashMap<>();
                        e.put("requestId", rs.getString(2));
                        e.put("ts", text(instant(rs, 3)));
                        e.put("value", number(rs, 4));
                        @SuppressWarnings("unchecked")
                        List<Map<String, Object>> list = (List<Map<String, Object>>) episodes.get(rs.getString(1)).get("evidence");
                        list.add(e);
                    }
                }
            }
        }
        out.put("alerts", new ArrayList<>(episodes.values()));
        out.put("alertsTruncated", truncated);
    }

    /**
     * Dead letters per reason and window, each at its event time where the record got as far as
     * having one ({@code event_ts}: too late, too far ahead) and otherwise at the time the job
     * received it ({@code received_at}: a record that did not parse has no event time); while the
     * job reads a live stream the two are close. And every reason's count of all time, from
     * {@code kpi.dead_letter_counts}. (A sequential scan: dead letters are few, and the table has
     * no index on either time.)
     */
    private static Map<String, Object> deadLetters(Connection c, TimeGrid grid) throws SQLException {
        Map<String, Double[]> byReason = new TreeMap<>();
        Map<String, Long> inRange = new TreeMap<>();
        long step = grid.step.getSeconds();
        String sql = "SELECT floor(extract(epoch FROM coalesce(event_ts, received_at)) / ?)::bigint, reason, count(*)"
                + " FROM kpi.dead_letters WHERE coalesce(event_ts, received_at) >= ?"
                + " AND coalesce(event_ts, received_at) < ? GROUP BY 1, 2";
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setLong(1, step);
            st.setObject(2, OffsetDateTime.ofInstant(grid.start, ZoneOffset.UTC));
            st.setObject(3, OffsetDateTime.ofInstant(grid.end, ZoneOffset.UTC));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    int w = grid.index(Instant.ofEpochSecond(rs.getLong(1) * step));
                    if (w < 0) {
                        continue;
                    }
                    String reason = rs.getString(2);
                    Double[] s = byReason.computeIfAbsent(reason, k -> grid.empty());
                    s[w] = plus(s[w], rs.getLong(3));
                    inRange.merge(reason, rs.getLong(3), Long::sum);
                }
            }
        }
        List<Map<String, Object>> reasons = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(
                "SELECT reason, dead_letters FROM kpi.dead_letter_counts ORDER BY dead_letters DESC, reason");
                ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("reason", rs.getString(1));
                r.put("inRange", inRange.getOrDefault(rs.getString(1), 0L));
                r.put("allTime", rs.getLong(2));
                reasons.add(r);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("series", byReason);
        out.put("reasons", reasons);
        return out;
    }

    private static int bindGrid(PreparedStatement st, int first, TimeGrid grid) throws SQLException {
        st.setDouble(first, grid.step.getSeconds());
        st.setObject(first + 1, OffsetDateTime.ofInstant(grid.start, ZoneOffset.UTC));
        st.setObject(first + 2, OffsetDateTime.ofInstant(grid.end, ZoneOffset.UTC));
        return first + 3;
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static String text(Instant t) {
        return t == null ? null : t.toString();
    }

    private static Double number(ResultSet rs, int column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() || !Double.isFinite(v) ? null : v;
    }

    private static Double plus(Double sum, long value) {
        return (sum == null ? 0 : sum) + value;
    }

    private static Map<String, Object> labels(String json) {
        try {
            return JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (java.io.IOException e) {
            // jsonb the database parsed: unreachable unless a label is not an object
            throw new IllegalStateException("kpi.alerts.labels is not a JSON object", e);
        }
    }
}
