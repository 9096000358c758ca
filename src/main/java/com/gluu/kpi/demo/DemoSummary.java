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
 * latency per service over the whole trace, the worst minutes, accuracy per model, cost per
 * model and endpoint with the idle-endpoint savings, spend per tenant, endpoint health, async
 * jobs, the alert transitions and SNS messages, dead letters by reason, and the injected incidents.
 *
 * <p>Only the 1-minute windows are read. Whole-trace percentiles are computed by decoding every
 * minute's {@code kpi.latency.sketch} and merging the DDSketches (a percentile of percentiles
 * would be wrong); they keep the sketch's 1 % relative accuracy. Counts and dollars are sums of
 * the rows; accuracy is the feedback-weighted mean of the minutes' accuracy (= mean score over
 * all feedback). Uptime is Σ in-service seconds / Σ observed seconds, where a minute's observed
 * seconds are {@code in_service_seconds / uptime_ratio} — the table does not store them — and a
 * minute with {@code uptime_ratio} 0 counts as a whole minute observed (exact except in an
 * endpoint's first and last minute, which may be partly unobserved). The jobs' end-to-end
 * percentiles are merged in SQL ({@code kpi.sketch_quantile(kpi.sketch_merge(e2e_sketch), q)}),
 * as an analyst would (SPEC §4, "Percentiles over any range").
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

    /** Feedback and accuracy of one (model, model_version) over the whole trace. */
    public static final class Accuracy {
        public final String model;
        public final String modelVersion;
        public final long feedback;
        /** Σ score / feedback, from Σ accuracy × feedback over the minutes. */
        public final double accuracy;

        Accuracy(String model, String modelVersion, long feedback, double accuracy) {
            this.model = model;
            this.modelVersion = modelVersion;
            this.feedback = feedback;
            this.accuracy = accuracy;
        }
    }

    /** Cost of one kpi.cost row key (model, endpoint) summed over the minutes, in USD. */
    public static final class Cost {
        public final String model;
        public final String endpoint;
        public final long requests;
        public final double llm;
        public final double hosting;
        public final double compute;
        public final double total;
        /** Hosting of the minutes in which this row had no request. */
        public final double idleHosting;

        Cost(String model, String endpoint, long requests, double llm, double hosting, double compute, double total,
                double idleHosting) {
            this.model = model;
            this.endpoint = endpoint;
            this.requests = requests;
            this.llm = llm;
            this.hosting = hosting;
            this.compute = compute;
            this.total = total;
            this.idleHosting = idleHosting;
        }

        /** Total over requests; NaN without requests. */
        public double perInference() {
            return requests == 0 ? Double.NaN : total / requests;
        }
    }

    /** The {@code '*'} rows summed: the whole cost of the trace. */
    public static final class CostTotals {
        public final Cost all;
        /** Σ idle_hosting_usd of the '*' rows: hosting of endpoints in minutes without a request to them. */
        public final double idleHosting;
        /** The span of the 1-minute '*' rows: first window_start to last window_end. */
        public final Instant from;
        public final Instant to;

        CostTotals(Cost all, double idleHosting, Instant from, Instant to) {
            this.all = all;
            this.idleHosting = idleHosting;
            this.from = from;
            this.to = to;
        }

        public double hours() {
            return (to.toEpochMilli() - from.toEpochMilli()) / 3_600_000.0;
        }

        /** What shutting idle endpoints down would have saved per hour of the span. */
        public double idleSavingsPerHour() {
            return idleHosting / hours();
        }
    }

    /** A tenant with a budget at the end of the input: its month to date, projected, and its tenant_budget episode. */
    public static final class Budget {
        public final String clientId;
        public final double monthToDate;
        public final double projected;
        public final double budget;
        /** The latest tenant_budget episode: e.g. {@code firing critical}; {@code –} if none. */
        public final String alert;

        Budget(String clientId, double monthToDate, double projected, double budget, String alert) {
            this.clientId = clientId;
            this.monthToDate = monthToDate;
            this.projected = projected;
            this.budget = budget;
            this.alert = alert;
        }
    }

    /** One tenant's kpi.tenant_usage rows summed over the minutes, in USD. */
    public static final class Tenant {
        public final String clientId;
        public final long requests;
        public final long errors;
        public final double llm;
        public final double allocated;
        public final double total;

        Tenant(String clientId, long requests, long errors, double llm, double allocated, double total) {
            this.clientId = clientId;
            this.requests = requests;
            this.errors = errors;
            this.llm = llm;
            this.allocated = allocated;
            this.total = total;
        }

        public double perRequest() {
            return total / requests;
        }
    }

    /** Availability of one endpoint over the whole trace. */
    public static final class Health {
        public final String endpoint;
        public final double inServiceSeconds;
        /** Σ in_service_seconds / uptime_ratio, a minute with ratio 0 counted whole (see the class comment). */
        public final double observedSeconds;
        public final long restarts;
        public final long failures;

        Health(String endpoint, double inServiceSeconds, double observedSeconds, long restarts, long failures) {
            this.endpoint = endpoint;
            this.inServiceSeconds = inServiceSeconds;
            this.observedSeconds = observedSeconds;
            this.restarts = restarts;
            this.failures = failures;
        }

        public double uptime() {
            return observedSeconds == 0 ? Double.NaN : inServiceSeconds / observedSeconds;
        }
    }

    /** Async jobs of one (service, kind) over the whole trace, from the 1-minute kpi.jobs rows. */
    public static final class Jobs {
        public final String service;
        public final String kind;
        public final long submitted;
        public final long completed;
        public final long failed;
        public final long webhooksSent;
        public final long webhooksFailed;
        /** Submit-to-webhook percentiles of the merged e2e sketches (ms); NaN without any webhook_sent. */
        public final double e2eP50;
        public final double e2eP95;
        public final double e2eP99;
        /** The most stuck_at_end of any minute, and that of the last minute with a row. */
        public final long maxStuck;
        public final long stuckAtEnd;

        Jobs(String service, String kind, long[] counts, double[] e2e, long maxStuck, long stuckAtEnd) {
            this.service = service;
            this.kind = kind;
            this.submitted = counts[0];
            this.completed = counts[1];
            this.failed = counts[2];
            this.webhooksSent = counts[3];
            this.webhooksFailed = counts[4];
            this.e2eP50 = e2e[0];
            this.e2eP95 = e2e[1];
            this.e2eP99 = e2e[2];
            this.maxStuck = maxStuck;
            this.stuckAtEnd = stuckAtEnd;
        }
    }

    public static final String UNMATCHED = "unmatched";
    public static final String ALL = "*";

    private final Map<String, Traffic> traffic = new TreeMap<>();
    private final Traffic allTraffic = new Traffic(ALL_SERVICES);
    private final List<Latency> latency = new ArrayList<>();
    private final Map<Instant, Minute> minutes = new TreeMap<>();
    private final Map<String, Long> deadLetters = new LinkedHashMap<>();
    private final List<Accuracy> accuracy = new ArrayList<>();
    private long unmatchedFeedback;
    private final List<Cost> cost = new ArrayList<>();
    private CostTotals costTotals;
    private final List<Tenant> tenants = new ArrayList<>();
    /** Σ total_usd of the 1-minute cost rows without requests: the overhead no tenant is allocated. */
    private double overhead;
    private final List<Health> health = new ArrayList<>();
    private final List<Jobs> jobs = new ArrayList<>();
    private final List<String> alerts = new ArrayList<>();
    /** The grouped SNS messages (kpi.alert_notifications), null when SNS is not grouped. */
    private List<String> snsMessages;

    private DemoSummary() {}

    /** Reads the KPI tables and renders the summary. */
    public static String summarize(JdbcSettings jdbc, List<DemoTrace.Incident> incidents) throws SQLException {
        return read(jdbc).render(incidents);
    }

    /** Reads the KPI tables (1-minute windows) and merges them over the whole trace; budgets of the default file. */
    public static DemoSummary read(JdbcSettings jdbc) throws SQLException {
        return read(jdbc, com.gluu.kpi.config.TenantBudgets.forJob(com.gluu.kpi.config.JobConfig.defaults()));
    }

    /** As {@link #read(JdbcSettings)}, with the tenants' monthly budgets the budget table compares with. */
    public static DemoSummary read(JdbcSettings jdbc, com.gluu.kpi.config.TenantBudgets budgets) throws SQLException {
        DemoSummary s = new DemoSummary();
        s.budgets = budgets;
        try (Connection c = jdbc.connect()) {
            s.readTraffic(c);
            s.readLatency(c);
            s.readAccuracy(c);
            s.readCost(c);
            s.readCostTotals(c);
            s.readTenants(c);
            s.readBudgets(c);
            s.readEndpointHealth(c);
            s.readJobs(c);
            s.readAlerts(c);
            s.readSnsMessages(c);
            s.readDeadLetters(c);
        }
        return s;
    }

    /**
     * Every alert transition, in event-time order: what an on-call engineer would have been paged
     * with. {@code kpi.alerts} keeps one row per episode; its start, its resolve and the repeats
     * counted by notify_seq in between are the transitions.
     */
    private void readAlerts(Connection c) throws SQLException {
        String sql = "SELECT a.started_at, a.resolved_at, a.severity, a.rule, a.labels::text, a.notify_seq, a.summary,"
                + " (SELECT b.rule FROM kpi.alerts b WHERE b.alert_id = a.inhibited_by) FROM kpi.alerts a"
                + " ORDER BY a.started_at, a.rule, a.alert_id";
        List<Object[]> transitions = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                Instant started = rs.getTimestamp(1).toInstant();
                java.sql.Timestamp resolved = rs.getTimestamp(2);
                String who = String.format(Locale.ROOT, "%-8s %-22s %s", rs.getString(3), rs.getString(4), rs.getString(5))
                        + (rs.getString(8) == null ? "" : "  [inhibited by " + rs.getString(8) + ": not sent]");
                int repeats = rs.getInt(6) - 1 - (resolved == null ? 0 : 1);
                transitions.add(new Object[] {started, "FIRING  ", who + (repeats > 0 ? "  (repeated " + repeats + "×)" : "")});
                if (resolved != null) {
                    transitions.add(new Object[] {resolved.toInstant(), "RESOLVED", who + "  " + rs.getString(7)});
                }
            }
        }
        transitions.sort(Comparator.comparing(t -> (Instant) t[0]));
        for (Object[] t : transitions) {
            alerts.add(String.format(Locale.ROOT, "  %-17s %s %s", MINUTE.format((Instant) t[0]), t[1], t[2]));
        }
    }

    /** One line per grouped SNS message: its due minute and subject (and its members' rules, if several). */
    private void readSnsMessages(Connection c) throws SQLException {
        String sql = "SELECT notification_id, group_labels::text, due_at, members::text, firing_in_group"
                + " FROM kpi.alert_notifications ORDER BY due_at, notification_id";
        List<String> out = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                Instant due = rs.getTimestamp(3).toInstant();
                com.gluu.kpi.alerts.delivery.GroupNotification g = com.gluu.kpi.alerts.delivery.GroupNotification.ofRow(
                        rs.getString(1), rs.getString(2), due, rs.getString(4), rs.getInt(5), "");
                // A message of several alerts names only the first in its subject: the rest by their
                // rules, as its 'rule' message attribute (what subscription filters match) lists them.
                String rules = g.alerts.size() > 1 ? "  [rule: " + String.join(", ", g.rules()) + "]" : "";
                out.add(String.format(Locale.ROOT, "  %-17s %s%s", MINUTE.format(due),
                        com.gluu.kpi.alerts.delivery.SnsChannel.subject(g), rules));
            }
        }
        snsMessages = out;
    }

    /** The grouped SNS messages' lines (due minute, subject); empty when none or SNS is not grouped. */
    public List<String> snsMessages() {
        return snsMessages == null ? List.of() : snsMessages;
    }

    private void renderAlerts(StringBuilder out) {
        line(out, "");
        line(out, "Alert transitions (kpi.alerts; each not inhibited is one PostHog event when PostHog is configured)");
        if (alerts.isEmpty()) {
            line(out, "  none");
        }
        for (String a : alerts) {
            out.append(a.stripTrailing()).append('\n');
        }
        if (snsMessages != null && !snsMessages.isEmpty()) {
            line(out, "");
            line(out, "SNS messages (kpi.alert_notifications: the transitions grouped by the rules file's grouping:)");
            for (String m : snsMessages) {
                out.append(m.stripTrailing()).append('\n');
            }
        }
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
        if (services.remove(ALL_SERVICES)) { // absent when kpi.latency has no 1-minute rows
            services.add(ALL_SERVICES);
        }
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

    private void readAccuracy(Connection c) throws SQLException {
        String sql = "SELECT model, model_version, sum(feedback), sum(accuracy * feedback) / sum(feedback)"
                + " FROM kpi.accuracy WHERE " + ONE_MINUTE + " GROUP BY model, model_version ORDER BY model, model_version";
        try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                if (rs.getString(1).equals(UNMATCHED)) {
                    unmatchedFeedback += rs.getLong(3);
                } else {
                    accuracy.add(new Accuracy(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getDouble(4)));
                }
            }
        }
    }

    private void readCost(Connection c) throws SQLException {
        String sql = "SELECT model, endpoint, sum(requests), sum(llm_usd), sum(hosting_usd), sum(compute_usd), sum(total_usd),"
                + " coalesce(sum(hosting_usd) FILTER (WHERE requests = 0), 0)"
                + " FROM kpi.cost WHERE " + ONE_MINUTE + " AND model <> '" + ALL + "'"
                + " GROUP BY model, endpoint ORDER BY model = '', model, endpoint";
        try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                cost.add(new Cost(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getDouble(4), rs.getDouble(5),
                        rs.getDouble(6), rs.getDouble(7), rs.getDouble(8)));
            }
        }
    }

    private void readCostTotals(Connection c) throws SQLException {
        String sql = "SELECT sum(requests), sum(llm_usd), sum(hosting_usd), sum(compute_usd), sum(total_usd),"
                + " coalesce(sum(idle_hosting_usd), 0), min(window_start), max(window_end)"
                + " FROM kpi.cost WHERE " + ONE_MINUTE + " AND model = '" + ALL + "' HAVING count(*) > 0";
        try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            if (rs.next()) {
                Cost all = new Cost(ALL, ALL, rs.getLong(1), rs.getDouble(2), rs.getDouble(3), rs.getDouble(4),
                        rs.getDouble(5), rs.getDouble(6));
                costTotals = new CostTotals(all, rs.getDouble(6), rs.getTimestamp(7).toInstant(),
                        rs.getTimestamp(8).toInstant());
            }
        }
    }

    private void readTenants(Connection c) throws SQLException {
        String sql = "SELECT client_id, sum(requests), sum(errors), sum(llm_usd), sum(allocated_usd), sum(total_usd)"
                + " FROM kpi.tenant_usage WHERE " + ONE_MINUTE + " GROUP BY client_id ORDER BY sum(total_usd) DESC, client_id";
        try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                tenants.add(new Tenant(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getDouble(4), rs.getDouble(5),
                        rs.getDouble(6)));
            }
        }
        String idle = "SELECT coalesce(sum(total_usd), 0) FROM kpi.cost WHERE " + ONE_MINUTE + " AND requests = 0 AND model <> '"
                + ALL + "'";
        try (PreparedStatement st = c.prepareStatement(idle); ResultSet rs = st.executeQuery()) {
            rs.next();
            overhead = rs.getDouble(1);
        }
    }

    private void readEndpointHealth(Connection c) throws SQLException {
        String sql = "SELECT endpoint, sum(in_service_seconds),"
                + " sum(CASE WHEN uptime_ratio > 0 THEN in_service_seconds / uptime_ratio"
                + " WHEN uptime_ratio = 0 THEN extract(epoch FROM window_end - window_start) ELSE 0 END),"
                + " sum(restarts), sum(failures)"
                + " FROM kpi.endpoint_health WHERE " + ONE_MINUTE + " GROUP BY endpoint ORDER BY endpoint";
        try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                health.add(new Health(rs.getString(1), rs.getDouble(2), rs.getDouble(3), rs.getLong(4), rs.getLong(5)));
            }
        }
    }

    /**
     * Sums of the 1-minute kpi.jobs rows per (service, kind), their e2e sketches merged in SQL,
     * the largest stuck_at_end and that of the last row (a (service, kind) with a job open has a
     * row every minute to the end of the input, so its last row is the input's end; one whose
     * rows stop had no job open then).
     */
    private void readJobs(Connection c) throws SQLException {
        String sql = "SELECT service, kind, submitted, completed, failed, webhooks_sent, webhooks_failed,"
                + " kpi.sketch_quantile(merged, 0.50), kpi.sketch_quantile(merged, 0.95), kpi.sketch_quantile(merged, 0.99),"
                + " max_stuck, stuck_at_end FROM ("
                + "SELECT service, kind, sum(submitted) AS submitted, sum(completed) AS completed, sum(failed) AS failed,"
                + " sum(webhooks_sent) AS webhooks_sent, sum(webhooks_failed) AS webhooks_failed,"
                + " kpi.sketch_merge(e2e_sketch) AS merged, max(stuck_at_end) AS max_stuck,"
                + " (array_agg(stuck_at_end ORDER BY window_start DESC))[1] AS stuck_at_end"
                + " FROM kpi.jobs WHERE " + ONE_MINUTE + " GROUP BY service, kind) j ORDER BY service, kind";
        try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                long[] counts = new long[5];
                for (int i = 0; i < counts.length; i++) {
                    counts[i] = rs.getLong(3 + i);
                }
                double[] e2e = new double[3];
                for (int i = 0; i < e2e.length; i++) {
                    e2e[i] = rs.getDouble(8 + i);
                    e2e[i] = rs.wasNull() ? Double.NaN : e2e[i];
                }
                jobs.add(new Jobs(rs.getString(1), rs.getString(2), counts, e2e, rs.getLong(11), rs.getLong(12)));
            }
        }
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

    /** Accuracy per matched (model, model_version). */
    public List<Accuracy> accuracy() {
        return accuracy;
    }

    /** Feedback whose inference was never found (model 'unmatched'). */
    public long unmatchedFeedback() {
        return unmatchedFeedback;
    }

    /** Cost per (model, endpoint), the unallocated row ('' '') last; without the '*' rows. */
    public List<Cost> cost() {
        return cost;
    }

    public Cost cost(String model, String endpoint) {
        return cost.stream().filter(r -> r.model.equals(model) && r.endpoint.equals(endpoint)).findFirst().orElse(null);
    }

    /** The '*' rows summed; null if kpi.cost has no 1-minute rows. */
    public CostTotals costTotals() {
        return costTotals;
    }

    private com.gluu.kpi.config.TenantBudgets budgets = com.gluu.kpi.config.TenantBudgets.none();
    private final List<Budget> budgetRows = new ArrayList<>();
    private Instant budgetsAt;

    /**
     * The tenants with a budget, at the end of the latest 1-minute tenant window: month to date =
     * Σ total_usd of its calendar month (UTC) so far, projected = that ÷ the elapsed share of the
     * month (the tenant_budget rule's projection), and the rule's latest episode.
     */
    private void readBudgets(Connection c) throws SQLException {
        if (budgets.isEmpty()) {
            return;
        }
        try (PreparedStatement st = c.prepareStatement("SELECT max(window_end) FROM kpi.tenant_usage WHERE " + ONE_MINUTE);
                ResultSet rs = st.executeQuery()) {
            if (!rs.next() || rs.getObject(1) == null) {
                return;
            }
            budgetsAt = rs.getObject(1, java.time.OffsetDateTime.class).toInstant();
        }
        // the month and its elapsed share as the tenant_budget rule takes them
        long start = com.gluu.kpi.alerts.TenantBudgetEvaluator.monthStart(budgetsAt.toEpochMilli());
        long end = com.gluu.kpi.alerts.TenantBudgetEvaluator.nextMonthStart(start);
        Instant monthStart = Instant.ofEpochMilli(start);
        double elapsed = (budgetsAt.toEpochMilli() - start) / (double) (end - start);
        Map<String, Double> spend = new TreeMap<>();
        try (PreparedStatement st = c.prepareStatement("SELECT client_id, sum(total_usd) FROM kpi.tenant_usage WHERE "
                + ONE_MINUTE + " AND window_start >= ? GROUP BY client_id")) {
            st.setObject(1, java.time.OffsetDateTime.ofInstant(monthStart, java.time.ZoneOffset.UTC));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    spend.put(rs.getString(1), rs.getDouble(2));
                }
            }
        }
        Map<String, String> alert = new TreeMap<>();
        try (PreparedStatement st = c.prepareStatement("SELECT labels->>'client_id', state, severity FROM kpi.alerts"
                + " WHERE rule = 'tenant_budget' ORDER BY started_at");
                ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                alert.put(rs.getString(1), rs.getString(2) + " " + rs.getString(3));
            }
        }
        budgets.all().forEach((client, usd) -> {
            double mtd = spend.getOrDefault(client, 0.0);
            budgetRows.add(new Budget(client, mtd, mtd / elapsed, usd, alert.getOrDefault(client, "–")));
        });
    }

    /** The tenants with a budget (see {@link #readBudgets}), by client_id. */
    public List<Budget> budgets() {
        return budgetRows;
    }

    /** Spend per tenant, dearest first. */
    public List<Tenant> tenants() {
        return tenants;
    }

    public Tenant tenant(String clientId) {
        return tenants.stream().filter(t -> t.clientId.equals(clientId)).findFirst().orElse(null);
    }

    /** The cost of the 1-minute cost rows without requests (idle endpoints, Fargate without requests). */
    public double overhead() {
        return overhead;
    }

    /** Endpoint health per endpoint, by name. */
    public List<Health> health() {
        return health;
    }

    public Health health(String endpoint) {
        return health.stream().filter(h -> h.endpoint.equals(endpoint)).findFirst().orElse(null);
    }

    /** Async jobs per (service, kind), by service then kind. */
    public List<Jobs> jobs() {
        return jobs;
    }

    public Jobs jobs(String service, String kind) {
        return jobs.stream().filter(j -> j.service.equals(service) && j.kind.equals(kind)).findFirst().orElse(null);
    }

    /** Dead letters by reason, most frequent first. */
    public Map<String, Long> deadLetters() {
        return deadLetters;
    }

    /** The summary as text, with the incidents that were injected. */
    public String render(List<DemoTrace.Incident> incidents) {
        StringBuilder out = new StringBuilder();
        line(out, "=== KPI summary (read back from Postgres: kpi.traffic, kpi.latency, kpi.accuracy, kpi.cost,"
                + " kpi.tenant_usage, kpi.endpoint_health, kpi.jobs, kpi.alerts, kpi.dead_letters) ===");
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
        renderAccuracy(out);
        renderCost(out);
        renderTenants(out);
        renderHealth(out);
        renderJobs(out);
        renderAlerts(out);
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

    private void renderAccuracy(StringBuilder out) {
        line(out, "");
        line(out, "Accuracy per model (kpi.accuracy, windows by feedback time; Σ score / Σ feedback)");
        line(out, "  %-10s %-26s %9s %10s", "model", "model_version", "feedback", "accuracy");
        for (Accuracy a : accuracy) {
            line(out, "  %-10s %-26s %,9d %8.2f %%", a.model, a.modelVersion, a.feedback, 100 * a.accuracy);
        }
        line(out, "  unmatched feedback (no inference from 7 d before to 10 min after it): %,d", unmatchedFeedback);
    }

    private void renderCost(StringBuilder out) {
        line(out, "");
        if (costTotals == null) {
            line(out, "Cost (kpi.cost): no rows");
            return;
        }
        line(out, "Cost per model and endpoint, %s–%s UTC (kpi.cost, USD; idle = hosting in minutes without a request)",
                MINUTE.format(costTotals.from), HH_MM.format(costTotals.to));
        line(out, "  %-13s %-16s %9s %9s %10s %10s %10s %12s %9s", "model", "endpoint", "requests", "LLM $", "hosting $",
                "compute $", "total $", "$/inference", "idle $");
        for (Cost c : cost) {
            costLine(out, c.model.isEmpty() ? "(unallocated)" : c.model, c.endpoint, c);
        }
        costLine(out, "all (*)", "", costTotals.all);
        Cost all = costTotals.all;
        line(out, "  Whole cost $%,.2f for %,d inferences: $%.6f per inference.", all.total, all.requests, all.perInference());
        line(out, "  Idle hosting $%,.2f over %.2f h (the span of the cost rows): $%.3f per hour saved by shutting idle"
                + " endpoints down.", costTotals.idleHosting, costTotals.hours(), costTotals.idleSavingsPerHour());
        List<String> shares = new ArrayList<>();
        for (Cost c : cost) {
            if (c.hosting > 0) {
                shares.add(String.format(Locale.ROOT, "%s %.0f %%", c.endpoint, 100 * c.idleHosting / c.hosting));
            }
        }
        line(out, "  Idle share of hosting: %s.", shares.isEmpty() ? "none" : String.join(", ", shares));
    }

    private void renderTenants(StringBuilder out) {
        if (tenants.isEmpty()) {
            return;
        }
        line(out, "");
        line(out, "Spend per tenant (kpi.tenant_usage, USD; allocated = its share by requests of the hosting and compute"
                + " of the cost rows its requests fell in)");
        line(out, "  %-18s %9s %8s %9s %12s %10s %11s", "client_id", "requests", "errors", "LLM $", "allocated $", "total $",
                "$/request");
        long requests = 0;
        double total = 0;
        for (Tenant t : tenants) {
            line(out, "  %-18s %,9d %,8d %9.4f %12.4f %10.4f %11.6f", t.clientId.isEmpty() ? "(none)" : t.clientId,
                    t.requests, t.errors, t.llm, t.allocated, t.total, t.perRequest());
            requests += t.requests;
            total += t.total;
        }
        line(out, "  Tenants $%,.2f for %,d requests; overhead allocated to nobody (idle endpoints, Fargate without"
                + " requests) $%,.2f.", total, requests, overhead);
        if (!budgetRows.isEmpty()) {
            line(out, "");
            line(out, "Spend against budget (jobs/budgets.yaml, USD per calendar month; at %s UTC, projected linearly to"
                    + " the month's end; alert: the tenant_budget episode)", MINUTE.format(budgetsAt));
            line(out, "  %-18s %14s %12s %10s %8s  %s", "client_id", "month to date", "projected", "budget", "of it", "alert");
            for (Budget b : budgetRows) {
                line(out, "  %-18s %14.4f %12.4f %10.2f %7.1f%%  %s", b.clientId, b.monthToDate, b.projected, b.budget,
                        100 * b.monthToDate / b.budget, b.alert);
            }
        }
    }

    private static void costLine(StringBuilder out, String model, String endpoint, Cost c) {
        String perInference = c.requests == 0 ? "–" : String.format(Locale.ROOT, "%.6f", c.perInference());
        line(out, "  %-13s %-16s %,9d %9.4f %10.4f %10.4f %10.4f %12s %9.4f", model, endpoint, c.requests, c.llm, c.hosting,
                c.compute, c.total, perInference, c.idleHosting);
    }

    private void renderHealth(StringBuilder out) {
        line(out, "");
        line(out, "Endpoint health (kpi.endpoint_health; uptime = Σ in-service / Σ observed time, whole trace)");
        line(out, "  (observed time is not stored: per minute in_service_seconds / uptime_ratio, a minute at ratio 0"
                + " counted whole)");
        line(out, "  %-16s %11s %10s %9s %9s %9s", "endpoint", "in service", "observed", "uptime", "restarts", "failures");
        for (Health h : health) {
            line(out, "  %-16s %9.2f h %8.2f h %7.2f %% %,9d %,9d", h.endpoint, h.inServiceSeconds / 3600,
                    h.observedSeconds / 3600, 100 * h.uptime(), h.restarts, h.failures);
        }
    }

    private void renderJobs(StringBuilder out) {
        line(out, "");
        line(out, "Async jobs (kpi.jobs), whole trace (e2e = submitted to webhook_sent, ms: the 1-minute e2e_sketch rows"
                + " merged in SQL, ±1 %%)");
        if (jobs.isEmpty()) {
            line(out, "  (none)");
            return;
        }
        line(out, "  %-16s %-10s %9s %9s %6s %13s %15s %8s %8s %8s %9s %12s", "service", "kind", "submitted", "completed",
                "failed", "webhooks_sent", "webhooks_failed", "e2e p50", "e2e p95", "e2e p99", "max stuck", "stuck at end");
        for (Jobs j : jobs) {
            line(out, "  %-16s %-10s %,9d %,9d %,6d %,13d %,15d %8s %8s %8s %,9d %,12d", j.service,
                    j.kind.isEmpty() ? "''" : j.kind, j.submitted, j.completed, j.failed, j.webhooksSent, j.webhooksFailed,
                    millis(j.e2eP50), millis(j.e2eP95), millis(j.e2eP99), j.maxStuck, j.stuckAtEnd);
        }
        line(out, "  (stuck: open more than jobs.stuck_after at a minute's end; max stuck: the most at any minute's end;"
                + " stuck at end: at the input's end)");
    }

    /** Whole milliseconds with thousands separators; "–" for none. */
    private static String millis(double ms) {
        return Double.isNaN(ms) ? "–" : String.format(Locale.ROOT, "%,.0f", ms);
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
