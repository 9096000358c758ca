package com.gluu.kpi.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.gluu.kpi.accuracy.AccuracyRow;
import com.gluu.kpi.cost.CostRow;
import com.gluu.kpi.latency.LatencyRow;
import com.gluu.kpi.latency.LatencySketches;
import com.gluu.kpi.latency.StageStats;
import com.gluu.kpi.sinks.JdbcSettings;
import com.gluu.kpi.sinks.KpiTables;
import com.gluu.kpi.sinks.UpsertStatement;
import com.gluu.kpi.testing.PostgresExtension;
import com.gluu.kpi.traffic.TrafficRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The admin panel's hourly and daily rollups ({@code kpi.*_hourly}, {@code kpi.*_daily}, V5)
 * against sums worked out here from what each generated minute was made of: raw request
 * outcomes, raw feedback scores, raw latencies and the minute's costs. Six hours from
 * 2026-11-20 21:00 UTC, so the daily views have two days; the job's 1-hour rows sit in the same
 * tables and must not count.
 */
class RollupViewsITCase {
    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    static final long START = Instant.parse("2026-11-20T21:00:00Z").toEpochMilli();
    static final int MINUTES = 360;
    static final long MINUTE = 60_000;
    static final long HOUR = 3_600_000;
    static final long DAY = 86_400_000;
    static final String[][] TRAFFIC_KEYS = {{"analyze-api", "/analyze", "blip2", "blip2-endpoint"},
            {"analyze-api", "/analyze", "llava", "llava-endpoint"}, {"thumbnail-worker", "", "", ""}};
    static final String[][] ACCURACY_KEYS = {{"blip2", "blip2-opt-2.7b-2025-09"}, {"llava", "v1.6"}, {"unmatched", ""}};
    static final String[][] LATENCY_KEYS = {{"analyze-api", "blip2", "blip2-endpoint"}, {"thumbnail-worker", "", ""}};

    /** What went into each rollup row, by view and key (bucket start, then the dimensions). */
    static final Map<String, Map<List<Object>, Expected>> EXPECTED = new TreeMap<>();

    /** The raw material of one rollup row. */
    static final class Expected {
        long requests, ok, clientErrors, errors, async, images;
        final List<Double> scores = new ArrayList<>();
        long correct, partial, incorrect;
        double llm, hosting, compute, total, idle;
        boolean hasIdle;
        final List<Double> latencies = new ArrayList<>();
    }

    static List<Expected> both(String table, long start, String... dims) {
        List<Expected> out = new ArrayList<>();
        for (Object[] size : new Object[][] {{"_hourly", HOUR}, {"_daily", DAY}}) {
            long bucket = Math.floorDiv(start, (long) size[1]) * (long) size[1];
            List<Object> key = new ArrayList<>();
            key.add(bucket);
            key.addAll(Arrays.asList(dims));
            out.add(EXPECTED.computeIfAbsent(table + size[0], t -> new TreeMap<>(RollupViewsITCase::compare))
                    .computeIfAbsent(key, k -> new Expected()));
        }
        return out;
    }

    static int compare(List<Object> a, List<Object> b) {
        return String.valueOf(a).compareTo(String.valueOf(b));
    }

    @BeforeAll
    static void writeMinutesAndHours() throws SQLException {
        Random random = new Random(1120);
        List<TrafficRow> traffic = new ArrayList<>();
        List<AccuracyRow> accuracy = new ArrayList<>();
        List<CostRow> cost = new ArrayList<>();
        List<LatencyRow> latency = new ArrayList<>();
        for (int m = 0; m < MINUTES; m++) {
            long start = START + m * MINUTE;
            for (String[] k : TRAFFIC_KEYS) {
                if (random.nextInt(10) == 0) {
                    continue; // a quiet minute: no row
                }
                TrafficRow r = new TrafficRow();
                r.windowStart = start;
                r.windowEnd = start + MINUTE;
                r.service = k[0];
                r.route = k[1];
                r.model = k[2];
                r.endpoint = k[3];
                for (int i = 1 + random.nextInt(60); i > 0; i--) { // one request at a time
                    r.requests++;
                    int outcome = random.nextInt(100);
                    if (outcome < 3) {
                        r.errors++;
                    } else if (outcome < 5) {
                        r.clientErrors++;
                    } else {
                        r.ok++;
                    }
                    r.asyncRequests += random.nextInt(4) == 0 ? 1 : 0;
                    r.images += 1 + random.nextInt(3);
                }
                r.errorRate = (double) r.errors / r.requests;
                traffic.add(r);
                for (Expected e : both("traffic", start, k)) {
                    e.requests += r.requests;
                    e.ok += r.ok;
                    e.clientErrors += r.clientErrors;
                    e.errors += r.errors;
                    e.async += r.asyncRequests;
                    e.images += r.images;
                }
            }
            for (String[] k : ACCURACY_KEYS) {
                if (random.nextInt(3) == 0) {
                    continue;
                }
                AccuracyRow r = new AccuracyRow();
                r.windowStart = start;
                r.windowEnd = start + MINUTE;
                r.model = k[0];
                r.modelVersion = k[1];
                List<Expected> into = both("accuracy", start, k);
                double sum = 0;
                for (int i = 1 + random.nextInt(8); i > 0; i--) {
                    r.feedback++;
                    int verdict = random.nextInt(10);
                    double score;
                    if (verdict < 7) {
                        r.correct++;
                        score = random.nextInt(3) == 0 ? 0.9 : 1.0; // a reviewer's score, or correct = 1
                    } else if (verdict < 9) {
                        r.partial++;
                        score = 0.5;
                    } else {
                        r.incorrect++;
                        score = 0;
                    }
                    sum += score;
                    for (Expected e : into) {
                        e.scores.add(score);
                    }
                }
                r.accuracy = sum / r.feedback;
                accuracy.add(r);
                for (Expected e : into) {
                    e.correct += r.correct;
                    e.partial += r.partial;
                    e.incorrect += r.incorrect;
                }
            }
            // cost: blip2 serves requests, llava is idle (hosting only), '' is unallocated compute, '*' the minute's sum
            CostRow blip = costRow(start, start + MINUTE, "blip2", "blip2-endpoint", 5 + random.nextInt(40), 0.0003 * random.nextInt(100),
                    1.408 / 60, 0.0001 * random.nextInt(20), Double.NaN);
            CostRow llava = costRow(start, start + MINUTE, "llava", "llava-endpoint", 0, 0, 1.515 / 60, 0, Double.NaN);
            CostRow unallocated = costRow(start, start + MINUTE, "", "", 0, 0, 0, 0.00004 * random.nextInt(10), Double.NaN);
            CostRow all = costRow(start, start + MINUTE, "*", "*", blip.requests, blip.llmUsd, blip.hostingUsd + llava.hostingUsd,
                    blip.computeUsd + unallocated.computeUsd, llava.hostingUsd);
            for (CostRow r : List.of(blip, llava, unallocated, all)) {
                cost.add(r);
                for (Expected e : both("cost", start, r.model, r.endpoint)) {
                    e.requests += r.requests;
                    e.llm += r.llmUsd;
                    e.hosting += r.hostingUsd;
                    e.compute += r.computeUsd;
                    e.total += r.totalUsd;
                    if (!Double.isNaN(r.idleHostingUsd)) {
                        e.hasIdle = true;
                        e.idle += r.idleHostingUsd;
                    }
                }
            }
            for (String[] k : LATENCY_KEYS) {
                int n = random.nextInt(30);
                if (n == 0) {
                    continue;
                }
                StageStats stats = new StageStats();
                List<Expected> into = both("latency", start, k[0], k[1], k[2], "total");
                for (int i = 0; i < n; i++) {
                    double v = Math.round(1e3 * 900 * Math.exp(0.7 * random.nextGaussian())) / 1e3; // whole µs
                    stats.add(v);
                    for (Expected e : into) {
                        e.latencies.add(v);
                    }
                }
                latency.add(latencyRow(start, start + MINUTE, k, stats));
            }
        }
        // The job's own 1-hour rows, with numbers no minute has: the views must leave them out.
        for (long hour = START; hour < START + MINUTES * MINUTE; hour += HOUR) {
            TrafficRow t = new TrafficRow();
            t.windowStart = hour;
            t.windowEnd = hour + HOUR;
            t.service = "analyze-api";
            t.route = "/analyze";
            t.model = "blip2";
            t.endpoint = "blip2-endpoint";
            t.requests = t.ok = 1_000_000;
            traffic.add(t);
            AccuracyRow a = new AccuracyRow();
            a.windowStart = hour;
            a.windowEnd = hour + HOUR;
            a.model = "blip2";
            a.modelVersion = "blip2-opt-2.7b-2025-09";
            a.feedback = a.incorrect = 1_000_000;
            accuracy.add(a);
            cost.add(costRow(hour, hour + HOUR, "*", "*", 1_000_000, 1e6, 0, 0, 0));
            StageStats big = new StageStats();
            big.add(1e7);
            latency.add(latencyRow(hour, hour + HOUR, LATENCY_KEYS[0], big));
        }
        write(KpiTables.TRAFFIC, traffic);
        write(KpiTables.ACCURACY, accuracy);
        write(KpiTables.COST, cost);
        write(KpiTables.LATENCY, latency);
    }

    static CostRow costRow(long start, long end, String model, String endpoint, long requests, double llm, double hosting,
            double compute, double idle) {
        CostRow r = new CostRow();
        r.windowStart = start;
        r.windowEnd = end;
        r.model = model;
        r.endpoint = endpoint;
        r.requests = requests;
        r.llmUsd = llm;
        r.hostingUsd = hosting;
        r.computeUsd = compute;
        r.totalUsd = llm + hosting + compute;
        r.usdPerInference = requests == 0 ? Double.NaN : r.totalUsd / requests;
        r.idleHostingUsd = idle;
        return r;
    }

    static LatencyRow latencyRow(long start, long end, String[] key, StageStats s) {
        LatencyRow r = new LatencyRow();
        r.windowStart = start;
        r.windowEnd = end;
        r.service = key[0];
        r.model = key[1];
        r.endpoint = key[2];
        r.stage = "total";
        r.count = s.count();
        r.p50Ms = s.quantile(0.5);
        r.p90Ms = s.quantile(0.9);
        r.p95Ms = s.quantile(0.95);
        r.p99Ms = s.quantile(0.99);
        r.maxMs = s.max();
        r.meanMs = s.mean();
        r.sketch = LatencySketches.toBytes(s.sketch());
        return r;
    }

    static <T> void write(UpsertStatement<T> upsert, List<T> rows) throws SQLException {
        try (Connection c = POSTGRES.db().jdbc().connect(); PreparedStatement s = c.prepareStatement(upsert.sql())) {
            for (T row : rows) {
                upsert.bind(s, row);
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** Every row of a view, keyed as {@link #EXPECTED} (bucket start in epoch millis, then the dimensions). */
    static Map<List<Object>, Map<String, Object>> view(JdbcSettings as, String view, int dimensions) throws SQLException {
        Map<List<Object>, Map<String, Object>> rows = new TreeMap<>(RollupViewsITCase::compare);
        try (Connection c = as.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM kpi." + view)) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnLabel(i), rs.getObject(i));
                }
                long start = rs.getObject("window_start", OffsetDateTime.class).toInstant().toEpochMilli();
                long end = rs.getObject("window_end", OffsetDateTime.class).toInstant().toEpochMilli();
                assertThat(end - start).isEqualTo(view.endsWith("_hourly") ? HOUR : DAY);
                List<Object> key = new ArrayList<>();
                key.add(start);
                for (int i = 3; i < 3 + dimensions; i++) {
                    key.add(rs.getString(i));
                }
                rows.put(key, row);
            }
        }
        return rows;
    }

    static double sum(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).sum();
    }

    @ParameterizedTest
    @ValueSource(strings = {"traffic_hourly", "traffic_daily"})
    void trafficAddsUpTheMinutes(String name) throws SQLException {
        Map<List<Object>, Map<String, Object>> rows = view(POSTGRES.db().jdbc(), name, 4);
        Map<List<Object>, Expected> expected = EXPECTED.get(name);
        assertThat(rows.keySet()).containsExactlyElementsOf(expected.keySet());
        assertThat(rows).hasSize(name.endsWith("hourly") ? 6 * 3 : 2 * 3);
        expected.forEach((key, e) -> {
            Map<String, Object> r = rows.get(key);
            assertThat(r.get("requests")).as("%s", key).isEqualTo(e.requests);
            assertThat(r.get("ok")).isEqualTo(e.ok);
            assertThat(r.get("client_errors")).isEqualTo(e.clientErrors);
            assertThat(r.get("errors")).isEqualTo(e.errors);
            assertThat(r.get("error_rate")).isEqualTo((double) e.errors / e.requests);
            assertThat(r.get("async_requests")).isEqualTo(e.async);
            assertThat(r.get("images")).isEqualTo(e.images);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"accuracy_hourly", "accuracy_daily"})
    void accuracyIsTheMeanScoreOfEveryFeedbackInThePeriod(String name) throws SQLException {
        Map<List<Object>, Map<String, Object>> rows = view(POSTGRES.db().jdbc(), name, 2);
        Map<List<Object>, Expected> expected = EXPECTED.get(name);
        assertThat(rows.keySet()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((key, e) -> {
            Map<String, Object> r = rows.get(key);
            assertThat(r.get("feedback")).as("%s", key).isEqualTo((long) e.scores.size());
            assertThat(r.get("correct")).isEqualTo(e.correct);
            assertThat(r.get("partial")).isEqualTo(e.partial);
            assertThat(r.get("incorrect")).isEqualTo(e.incorrect);
            double mean = sum(e.scores) / e.scores.size();
            assertThat((double) r.get("accuracy")).as("%s", key).isCloseTo(mean, within(1e-12));
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"cost_hourly", "cost_daily"})
    void costAddsUpAndCostsPerInferenceAreThePeriodsTotalOverItsRequests(String name) throws SQLException {
        Map<List<Object>, Map<String, Object>> rows = view(POSTGRES.db().jdbc(), name, 2);
        Map<List<Object>, Expected> expected = EXPECTED.get(name);
        assertThat(rows.keySet()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((key, e) -> {
            Map<String, Object> r = rows.get(key);
            assertThat(r.get("requests")).as("%s", key).isEqualTo(e.requests);
            assertThat((double) r.get("llm_usd")).isCloseTo(e.llm, within(1e-9));
            assertThat((double) r.get("hosting_usd")).isCloseTo(e.hosting, within(1e-9));
            assertThat((double) r.get("compute_usd")).isCloseTo(e.compute, within(1e-9));
            assertThat((double) r.get("total_usd")).isCloseTo(e.llm + e.hosting + e.compute, within(1e-9));
            if (e.requests == 0) {
                assertThat(r.get("usd_per_inference")).as("%s has no requests", key).isNull();
            } else {
                assertThat((double) r.get("usd_per_inference")).as("%s", key)
                        .isCloseTo((e.llm + e.hosting + e.compute) / e.requests, within(1e-12));
            }
            if (e.hasIdle) {
                assertThat((double) r.get("idle_hosting_usd")).isCloseTo(e.idle, within(1e-9));
            } else {
                assertThat(r.get("idle_hosting_usd")).as("%s is not a '*' row", key).isNull();
            }
        });
        // the idle endpoint's hosting over a whole hour: 60 minutes at 1.515 USD an hour
        long hour = Instant.parse("2026-11-20T22:00:00Z").toEpochMilli();
        if (name.endsWith("hourly")) {
            assertThat((double) rows.get(List.of(hour, "*", "*")).get("idle_hosting_usd"))
                    .isCloseTo(1.515, within(1e-9));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"latency_hourly", "latency_daily"})
    void latencyPercentilesComeFromTheMergedSketchesWithinOnePercent(String name) throws SQLException {
        Map<List<Object>, Map<String, Object>> rows = view(POSTGRES.db().jdbc(), name, 4);
        Map<List<Object>, Expected> expected = EXPECTED.get(name);
        assertThat(rows.keySet()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((key, e) -> {
            Map<String, Object> r = rows.get(key);
            double[] sorted = e.latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            assertThat(r.get("count")).as("%s", key).isEqualTo((long) sorted.length);
            assertThat(r.get("max_ms")).isEqualTo(sorted[sorted.length - 1]);
            assertThat((double) r.get("mean_ms")).isCloseTo(sum(e.latencies) / sorted.length,
                    withinPercentage(1e-9));
            for (Object[] p : new Object[][] {{"p50_ms", 0.5}, {"p90_ms", 0.9}, {"p95_ms", 0.95}, {"p99_ms", 0.99}}) {
                double exact = sorted[(int) Math.floor((double) p[1] * (sorted.length - 1))];
                assertThat(Math.abs((double) r.get((String) p[0]) - exact)).as("%s %s", key, p[0])
                        .isLessThanOrEqualTo((0.01 + 1e-9) * exact);
            }
            DDSketch merged = LatencySketches.fromBytes((byte[]) r.get("sketch"));
            assertThat(merged.getCount()).as("the row's sketch holds the period's values").isEqualTo(sorted.length);
        });
    }

    @Test
    void bucketsAreUtcHoursAndDaysWhateverTheSessionTimeZone() throws SQLException {
        // India is 5:30 ahead: a local hour or day would start half an hour off the UTC ones.
        for (String name : List.of("traffic_hourly", "traffic_daily", "latency_daily")) {
            List<Instant> utc = starts(name, "UTC");
            assertThat(starts(name, "Asia/Kolkata")).as(name).isEqualTo(utc);
            assertThat(utc).allSatisfy(t -> assertThat(t.toEpochMilli() % HOUR).isZero());
        }
        assertThat(starts("traffic_daily", "Asia/Kolkata")).contains(Instant.parse("2026-11-20T00:00:00Z"),
                Instant.parse("2026-11-21T00:00:00Z"));
    }

    static List<Instant> starts(String view, String timeZone) throws SQLException {
        List<Instant> out = new ArrayList<>();
        try (Connection c = POSTGRES.db().jdbc().connect(); Statement s = c.createStatement()) {
            s.execute("SET TimeZone = '" + timeZone + "'");
            try (ResultSet rs = s.executeQuery("SELECT DISTINCT window_start FROM kpi." + view + " ORDER BY 1")) {
                while (rs.next()) {
                    out.add(rs.getObject(1, OffsetDateTime.class).toInstant());
                }
            }
        }
        return out;
    }

    /** Rows as text, with a sketch as its hex (arrays do not compare by content in a map). */
    static String printable(Map<List<Object>, Map<String, Object>> rows) {
        StringBuilder out = new StringBuilder();
        rows.forEach((key, row) -> {
            out.append(key);
            row.forEach((column, value) -> out.append(' ').append(column).append('=')
                    .append(value instanceof byte[] b ? java.util.HexFormat.of().formatHex(b) : value));
            out.append('\n');
        });
        return out.toString();
    }

    @Test
    void everyRollupReadsTheSameForALoginGrantedOnlyKpiReader() throws SQLException {
        POSTGRES.db().execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rollup_reader') THEN"
                + " CREATE ROLE rollup_reader LOGIN IN ROLE kpi_reader; END IF; END $$");
        JdbcSettings reader = new JdbcSettings(POSTGRES.db().jdbc().url().replaceAll("[?&]user=postgres", ""), "rollup_reader",
                null);
        for (String name : EXPECTED.keySet()) {
            int dims = name.startsWith("traffic") || name.startsWith("latency") ? 4 : 2;
            Map<List<Object>, Map<String, Object>> asReader = view(reader, name, dims);
            assertThat(asReader).as(name).isNotEmpty();
            assertThat(printable(asReader)).as(name).isEqualTo(printable(view(POSTGRES.db().jdbc(), name, dims)));
        }
        assertThat(EXPECTED).hasSize(8);
    }
}
