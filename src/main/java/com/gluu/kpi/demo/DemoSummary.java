package com.gluu.kpi.demo;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.gluu.kpi.latency.LatencySketches;
import com.gluu.kpi.sinks.JdbcSettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the demo's replay wrote, read back from Postgres and put in a few tables: traffic and
 * latency per service over the whole trace, the worst minutes, dead letters by reason, and the
 * injected incidents.
 *
 * <p>Only the 1-minute windows are read. Whole-trace percentiles are computed by decoding every
 * minute's {@code kpi.latency.sketch} and merging the DDSketches (a percentile of percentiles
 * would be wrong); they keep the sketch's 1 % relative accuracy. Counts are sums of
 * {@code kpi.traffic} rows.
 */
public final class DemoSummary {
    /** The row filter that keeps only 1-minute windows. */
    static final String ONE_MINUTE = "window_end - window_start = interval '1 minute'";
    public static final String ALL_SERVICES = "all services";
    public static final List<String> STAGES = List.of("total", "model", "llm");

    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /** Requests by outcome of one service (or of {@link #ALL_SERVICES}). */
    public static final class Traffic {
        public final String service;
        public long requests;
        public long ok;
        public long clientErrors;
        public long errors;

        Traffic(String service) {
            this.service = service;
        }

        public double errorRate() {
            return requests == 0 ? 0 : errors / (double) requests;
        }
    }

    /** Whole-trace latency of one stage of one service (or of {@link #ALL_SERVICES}). */
    public static final class Latency {
        public final String service;
        public final String stage;
        public final long count;
        public final double p50;
        public final double p95;
        public final double p99;
        public final double max;

        Latency(String service, String stage, DDSketch merged, double max) {
            this.service = service;
            this.stage = stage;
            this.count = Math.round(merged.getCount());
            this.p50 = merged.getValueAtQuantile(0.50);
            this.p95 = merged.getValueAtQuantile(0.95);
            this.p99 = merged.getValueAtQuantile(0.99);
            this.max = max;
        }
    }

    /** One minute over all services. */
    public static final class Minute {
        public final Instant start;
        public long requests;
        public long errors;
        /** Total-stage p95 from the minute's sketches merged over services; NaN if none. */
        public double totalP95 = Double.NaN;

        Minute(Instant start) {
            this.start = start;
        }

        public double errorRate() {
            return requests == 0 ? 0 : errors / (double) requests;
        }
    }

    private final Map<String, Traffic> traffic = new TreeMap<>();
    private final Traffic allTraffic = new Traffic(ALL_SERVICES);
    private final List<Latency> latency = new ArrayList<>();
    private final Map<Instant, Minute> minutes = new TreeMap<>();
    private final Map<String, Long> deadLetters = new LinkedHashMap<>();

    private DemoSummary() {}

    /** Reads the KPI tables and renders the summary. */
    public static String summarize(JdbcSettings jdbc, List<DemoTrace.Incident> incidents) throws SQLException {
        return read(jdbc).render(incidents);
    }

    /** Reads the KPI tables (1-minute windows) and merges them over the whole trace. */
    public static DemoSummary read(JdbcSettings jdbc) throws SQLException {
        DemoSummary s = new DemoSummary();
        try (Connection c = jdbc.connect()) {
            s.readTraffic(c);
            s.readLatency(c);
            s.readDeadLetters(c);
        }
        return s;
    }

    private void readTraffic(Connection c) throws SQLException {
        String sql = "SELECT window_start, service, sum(requests), sum(ok), sum(client_errors), sum(errors)"
                + " FROM kpi.traffic WHERE " + ONE_MINUTE + " GROUP BY window_start, service ORDER BY window_start, service";
        try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                Instant start = rs.getTimestamp(1).toInstant();
                long requests = rs.getLong(3);
                long errors = rs.getLong(6);
                for (Traffic t : List.of(traffic.computeIfAbsent(rs.getString(2), Traffic::new), allTraffic)) {
                    t.requests += requests;
                    t.ok += rs.getLong(4);
                    t.clientErrors += rs.getLong(5);
                    t.errors += errors;
                }
                Minute m = minutes.computeIfAbsent(start, Minute::new);
                m.requests += requests;
                m.errors += errors;
            }
        }
    }

    private void readLatency(Connection c) throws SQLException {
        String sql = "SELECT window_start, service, stage, max_ms, sketch FROM kpi.latency WHERE " + ONE_MINUTE
                + " ORDER BY window_start, service, model, endpoint, stage";
        Map<String, Map<String, DDSketch>> byService = new TreeMap<>(); // service → stage → sketch
        Map<String, Map<String, Double>> maxByService = new TreeMap<>();
        Map<Instant, DDSketch> totalByMinute = new TreeMap<>();
        try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                Instant start = rs.getTimestamp(1).toInstant();
                String service = rs.getString(2);
                String stage = rs.getString(3);
                double max = rs.getDouble(4);
                byte[] sketch = rs.getBytes(5);
                for (String key : List.of(service, ALL_SERVICES)) {
                    byService.computeIfAbsent(key, k -> new LinkedHashMap<>()).merge(stage, LatencySketches.fromBytes(sketch),
                            DemoSummary::merge);
                    maxByService.computeIfAbsent(key, k -> new LinkedHashMap<>()).merge(stage, max, Math::max);
                }
                if (stage.equals("total")) {
                    totalByMinute.merge(start, LatencySketches.fromBytes(sketch), DemoSummary::merge);
                }
            }
        }
        List<String> services = new ArrayList<>(byService.keySet());
        services.remove(ALL_SERVICES);
        services.add(ALL_SERVICES);
        for (String service : services) {
            for (String stage : STAGES) {
                DDSketch merged = byService.get(service).get(stage);
                if (merged != null && !merged.isEmpty()) {
                    latency.add(new Latency(service, stage, merged, maxByService.get(service).get(stage)));
                }
            }
        }
        totalByMinute.forEach((start, sketch) -> minutes.computeIfAbsent(start, Minute::new).totalP95 =
                sketch.getValueAtQuantile(0.95));
    }

    private static DDSketch merge(DDSketch into, DDSketch other) {
        into.mergeWith(other);
        return into;
    }

    private void readDeadLetters(Connection c) throws SQLException {
        String sql = "SELECT reason, count(*) FROM kpi.dead_letters GROUP BY reason ORDER BY count(*) DESC, reason";
        try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                deadLetters.put(rs.getString(1), rs.getLong(2));
            }
        }
    }

    /** Traffic per service, by name. */
    public Map<String, Traffic> traffic() {
        return traffic;
    }

    public Traffic allTraffic() {
        return allTraffic;
    }

    /** Whole-trace latency per service and stage, then {@link #ALL_SERVICES}. */
    public List<Latency> latency() {
        return latency;
    }

    public Latency latency(String service, String stage) {
        return latency.stream().filter(l -> l.service.equals(service) && l.stage.equals(stage)).findFirst().orElse(null);
    }

    /** Every minute with traffic or latency rows, in time order. */
    public List<Minute> minutes() {
        return new ArrayList<>(minutes.values());
    }

    /** The {@code n} minutes with the highest total p95 over all services. */
    public List<Minute> worstLatencyMinutes(int n) {
        return minutes.values().stream().filter(m -> !Double.isNaN(m.totalP95))
                .sorted(Comparator.comparingDouble((Minute m) -> m.totalP95).reversed()
                        .thenComparing(m -> m.start))
                .limit(n).toList();
    }

    /** The {@code n} minutes with the highest error rate among those with at least {@code minRequests}. */
    public List<Minute> worstErrorMinutes(int n, long minRequests) {
        return minutes.values().stream().filter(m -> m.requests >= minRequests && m.errors > 0)
                .sorted(Comparator.comparingDouble(Minute::errorRate).reversed().thenComparing(m -> m.start))
                .limit(n).toList();
    }

    /** Dead letters by reason, most frequent first. */
    public Map<String, Long> deadLetters() {
        return deadLetters;
    }

    /** The summary as text, with the incidents that were injected. */
    public String render(List<DemoTrace.Incident> incidents) {
        StringBuilder out = new StringBuilder();
        line(out, "=== KPI summary (read back from Postgres: kpi.traffic, kpi.latency, kpi.dead_letters) ===");
        if (!minutes.isEmpty()) {
            List<Minute> all = minutes();
            line(out, "Trace: %s – %s UTC, %d minutes with traffic (1-minute windows).",
                    MINUTE.format(all.get(0).start), HH_MM.format(all.get(all.size() - 1).start.plusSeconds(60)), all.size());
        }
        line(out, "");
        line(out, "Traffic per service, whole trace");
        line(out, "  %-18s %9s %9s %11s %8s %11s", "service", "requests", "ok", "client_err", "errors", "error_rate");
        List<Traffic> rows = new ArrayList<>(traffic.values());
        rows.add(allTraffic);
        for (Traffic t : rows) {
            line(out, "  %-18s %,9d %,9d %,11d %,8d %9.2f %%", t.service, t.requests, t.ok, t.clientErrors, t.errors,
                    100 * t.errorRate());
        }
        line(out, "");
        line(out, "Latency per service and stage, whole trace (ms; per-minute DDSketches merged, ±1 %%)");
        line(out, "  %-18s %-6s %9s %10s %10s %10s %10s", "service", "stage", "count", "p50", "p95", "p99", "max");
        for (Latency l : latency) {
            line(out, "  %-18s %-6s %,9d %,10.0f %,10.0f %,10.0f %,10.0f", l.service, l.stage, l.count, l.p50, l.p95,
                    l.p99, l.max);
        }
        line(out, "");
        line(out, "Worst 5 minutes by total p95 (all services)");
        line(out, "  %-17s %9s %12s  %s", "minute (UTC)", "requests", "total p95", "incident");
        for (Minute m : worstLatencyMinutes(5)) {
            line(out, "  %-17s %,9d %,9.0f ms  %s", MINUTE.format(m.start), m.requests, m.totalP95, incidentAt(incidents, m.start));
        }
        line(out, "");
        line(out, "Worst 5 minutes by error rate (minutes with ≥ 20 requests)");
        line(out, "  %-17s %9s %8s %11s  %s", "minute (UTC)", "requests", "errors", "error_rate", "incident");
        for (Minute m : worstErrorMinutes(5, 20)) {
            line(out, "  %-17s %,9d %,8d %9.2f %%  %s", MINUTE.format(m.start), m.requests, m.errors, 100 * m.errorRate(),
                    incidentAt(incidents, m.start));
        }
        line(out, "");
        line(out, "Dead letters by reason (kpi.dead_letters)");
        if (deadLetters.isEmpty()) {
            line(out, "  (none)");
        }
        deadLetters.forEach((reason, count) -> line(out, "  %-18s %,6d", reason, count));
        line(out, "");
        line(out, "Injected incidents");
        for (DemoTrace.Incident i : incidents) {
            line(out, "  %-28s %s–%s UTC  %s", i.name, MINUTE.format(i.start), HH_MM.format(i.end), i.description);
        }
        return out.toString();
    }

    private static String incidentAt(List<DemoTrace.Incident> incidents, Instant minute) {
        for (DemoTrace.Incident i : incidents) {
            if (i.covers(minute)) {
                return i.name;
            }
        }
        return "";
    }

    private static void line(StringBuilder out, String format, Object... args) {
        out.append(String.format(Locale.ROOT, format, args).stripTrailing()).append('\n');
    }
}
