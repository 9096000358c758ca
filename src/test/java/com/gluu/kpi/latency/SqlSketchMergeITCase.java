package com.gluu.kpi.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.gluu.kpi.sinks.JdbcSettings;
import com.gluu.kpi.sinks.KpiTables;
import com.gluu.kpi.testing.PostgresExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SPEC §4 "Percentiles over any range, in SQL": 1-minute sketches built by the job's own code
 * ({@link StageStats}, {@link LatencyWindowRows#toRow}) from raw latencies generated here and
 * written as the sink writes them ({@link KpiTables#LATENCY}), then
 * {@code kpi.sketch_quantile(kpi.sketch_merge(sketch), q)} over ranges and groupings that no
 * stored row holds, against the exact percentile of the raw values (sorted, element
 * ⌊q·(n−1)⌋), and against the Java merge of the same rows.
 */
class SqlSketchMergeITCase {
    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    /** 22:00 to 03:00 UTC: five hours across midnight. */
    static final Instant START = Instant.parse("2026-11-20T22:00:00Z");
    static final int MINUTES = 300;
    static final double[] QUANTILES = {0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1};
    /** 1 % relative accuracy, plus floating-point slack far below it (as in LatencySketchTest). */
    static final double ACCURACY = 0.01 + 1e-9;

    record Key(String service, String model, String endpoint) {}

    record Cell(int minute, Key key, String stage) {
        Instant start() {
            return START.plus(Duration.ofMinutes(minute));
        }
    }

    static final List<Key> KEYS = List.of(new Key("analyze-api", "blip2", "blip2-endpoint"),
            new Key("analyze-api", "llava", "llava-endpoint"), new Key("annotate-worker", "blip2", "blip2-endpoint"),
            new Key("thumbnail-worker", "", ""));
    /** Median total latency (ms) and lognormal sigma per service. */
    static final Map<String, double[]> SHAPE = Map.of("analyze-api", new double[] {2500, 0.5}, "annotate-worker",
            new double[] {800, 0.4}, "thumbnail-worker", new double[] {120, 0.7});
    /** Every raw latency, by the 1-minute row it went into. */
    static final Map<Cell, double[]> RAW = new LinkedHashMap<>();

    @BeforeAll
    static void writeOneMinuteRowsAsTheSinkDoes() throws SQLException {
        Random random = new Random(20261120L);
        List<LatencyRow> rows = new ArrayList<>();
        for (int m = 0; m < MINUTES; m++) {
            for (Key key : KEYS) {
                int n = random.nextInt(8) == 0 ? 0 : random.nextInt(40); // some quiet minutes: no row
                if (n == 0) {
                    continue;
                }
                double[] shape = SHAPE.get(key.service());
                double[] total = new double[n];
                double[] model = new double[n];
                for (int i = 0; i < n; i++) {
                    // a few 0 ms (cache hits), a rare timeout far out, the rest lognormal
                    int kind = random.nextInt(200);
                    total[i] = kind == 0 ? 0 : kind == 1 ? 30_000 + random.nextInt(30_000)
                            : shape[0] * Math.exp(shape[1] * random.nextGaussian());
                    model[i] = 0.6 * total[i] * Math.exp(0.1 * random.nextGaussian());
                }
                add(rows, m, key, LatencyStage.TOTAL, total);
                if (!key.model().isEmpty()) {
                    add(rows, m, key, LatencyStage.MODEL, model);
                }
            }
        }
        var upsert = KpiTables.LATENCY;
        try (Connection c = POSTGRES.db().jdbc().connect(); PreparedStatement s = c.prepareStatement(upsert.sql())) {
            for (LatencyRow row : rows) {
                upsert.bind(s, row);
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    private static void add(List<LatencyRow> rows, int minute, Key key, LatencyStage stage, double[] values) {
        StageStats stats = new StageStats();
        for (double v : values) {
            stats.add(v);
        }
        long start = START.plus(Duration.ofMinutes(minute)).toEpochMilli();
        rows.add(LatencyWindowRows.toRow(new TimeWindow(start, start + 60_000), Tuple3.of(key.service(), key.model(),
                key.endpoint()), stage, stats));
        RAW.put(new Cell(minute, key, stage.wireName()), values);
    }

    /** A range and grouping of 1-minute rows: the SQL filter and the same filter on {@link #RAW}. */
    record Selection(String name, String where, Predicate<Cell> cells) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Instant at(String utc) {
        return Instant.parse(utc);
    }

    static String between(Instant from, Instant to) {
        return " AND window_start >= '" + from + "' AND window_start < '" + to + "'";
    }

    static boolean within(Cell c, Instant from, Instant to) {
        return !c.start().isBefore(from) && c.start().isBefore(to);
    }

    static Stream<Arguments> selections() {
        Instant from3h = at("2026-11-20T22:30:00Z");
        Instant to3h = at("2026-11-21T01:30:00Z");
        Instant fromHour = at("2026-11-20T23:00:00Z");
        Instant toHour = at("2026-11-21T00:00:00Z");
        return Stream.of(
                Arguments.of(new Selection("3 hours of one service, across midnight and both of its models",
                        "service = 'analyze-api' AND stage = 'total'" + between(from3h, to3h),
                        c -> c.key().service().equals("analyze-api") && c.stage().equals("total") && within(c, from3h, to3h))),
                Arguments.of(new Selection("one hour across every service", "stage = 'total'" + between(fromHour, toHour),
                        c -> c.stage().equals("total") && within(c, fromHour, toHour))),
                Arguments.of(new Selection("one model over every service and all five hours",
                        "model = 'blip2' AND stage = 'model'", c -> c.key().model().equals("blip2") && c.stage().equals("model"))),
                Arguments.of(new Selection("a single minute of one key (one stored row)",
                        "service = 'thumbnail-worker' AND stage = 'total'" + between(START.plusSeconds(3600), START.plusSeconds(3660)),
                        c -> c.key().service().equals("thumbnail-worker") && c.stage().equals("total")
                                && c.start().equals(START.plusSeconds(3600)))));
    }

    static final String ONE_MINUTE = "window_end - window_start = interval '1 minute' AND ";

    @ParameterizedTest(name = "{0}")
    @MethodSource("selections")
    void mergedPercentilesAreWithinOnePercentOfTheExactOnes(Selection selection) throws SQLException {
        double[] raw = rawOf(selection.cells());
        assertThat(raw.length).as("raw values in the selection").isGreaterThan(0);
        byte[] merged = sqlMerge(selection.where());
        for (double q : QUANTILES) {
            double exact = exactPercentile(raw, q);
            double fromSql = quantile(merged, q);
            assertThat(Math.abs(fromSql - exact)).as("q %s: %s against exact %s over %d values", q, fromSql, exact, raw.length)
                    .isLessThanOrEqualTo(ACCURACY * exact);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("selections")
    void theSqlMergeIsTheJavaMergeOfTheSameRows(Selection selection) throws SQLException {
        DDSketch java = LatencySketches.create();
        int rows = 0;
        for (byte[] stored : storedSketches(selection.where())) {
            java.mergeWith(StoredSketch.decode(stored));
            rows++;
        }
        assertThat(rows).isGreaterThan(0);
        assertThat((long) java.getCount()).isEqualTo(rawOf(selection.cells()).length);
        byte[] merged = sqlMerge(selection.where());
        assertThat(merged).as("the same bytes as the job's encoder writes for the Java merge").isEqualTo(StoredSketch.encode(java));
        for (double q : QUANTILES) {
            double javaValue = java.getValueAtQuantile(q);
            assertThat(Math.abs(quantile(merged, q) - javaValue)).as("q %s", q).isLessThanOrEqualTo(1e-12 * javaValue);
        }
    }

    @Test
    void theSpecQueryGroupsByServiceWithinOnePercent() throws SQLException {
        Instant from = at("2026-11-20T23:00:00Z");
        Instant to = at("2026-11-21T03:00:00Z");
        Map<String, Double> p95 = new TreeMap<>();
        String sql = "SELECT service, kpi.sketch_quantile(kpi.sketch_merge(sketch), 0.95) AS p95_ms FROM kpi.latency"
                + " WHERE window_end - window_start = interval '1 minute' AND stage = 'total'"
                + " AND window_start >= ? AND window_start < ? GROUP BY service";
        try (Connection c = POSTGRES.db().jdbc().connect(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setTimestamp(1, Timestamp.from(from));
            s.setTimestamp(2, Timestamp.from(to));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    p95.put(rs.getString(1), rs.getDouble(2));
                }
            }
        }
        assertThat(p95).containsOnlyKeys("analyze-api", "annotate-worker", "thumbnail-worker");
        p95.forEach((service, value) -> {
            double exact = exactPercentile(rawOf(c -> c.key().service().equals(service) && c.stage().equals("total")
                    && within(c, from, to)), 0.95);
            assertThat(Math.abs(value - exact)).as(service).isLessThanOrEqualTo(ACCURACY * exact);
        });
    }

    @Test
    void noDataMergesToNullAndItsQuantileIsNull() throws SQLException {
        assertThat(scalar("SELECT kpi.sketch_merge(sketch) IS NULL FROM kpi.latency WHERE service = 'nobody'")).isEqualTo(true);
        assertThat(scalar("SELECT kpi.sketch_quantile(kpi.sketch_merge(sketch), 0.95) FROM kpi.latency WHERE service = 'nobody'"))
                .isNull();
        assertThat(scalar("SELECT kpi.sketch_quantile(NULL, 0.5)")).isNull();
        assertThat(scalar("SELECT kpi.sketch_quantile('\\x'::bytea, 0.5)")).isNull();
        assertThat(scalar("SELECT kpi.sketch_quantile(kpi.sketch_merge(s), 0.5) FROM (VALUES (NULL::bytea), ('\\x'::bytea)) v(s)"))
                .as("only NULL and empty inputs").isNull();
        String empty = hex(StoredSketch.encode(LatencySketches.create()));
        assertThat(scalar("SELECT kpi.sketch_quantile('\\x" + empty + "'::bytea, 0.5)")).as("a sketch without values").isNull();
        assertThat(scalar("SELECT kpi.sketch_quantile(NULL, NULL)")).isNull();
    }

    @Test
    void nullAndEmptyInputsAreSkippedByTheMerge() throws SQLException {
        String where = "service = 'annotate-worker' AND stage = 'total'";
        byte[] merged = sqlMerge(where);
        byte[] withGaps = (byte[]) scalar("SELECT kpi.sketch_merge(s) FROM (SELECT sketch AS s FROM kpi.latency WHERE " + ONE_MINUTE
                + where + " UNION ALL VALUES (NULL::bytea), ('\\x'::bytea)) v");
        assertThat(withGaps).isEqualTo(merged);
    }

    @Test
    void aQuantileOutsideZeroToOneOrABadSketchIsAnError() {
        String sketch = "'\\x" + hex(StoredSketch.encode(LatencySketches.create())) + "'::bytea";
        assertThat(sqlState("SELECT kpi.sketch_quantile(" + sketch + ", 1.5)")).isEqualTo("22003");
        assertThat(sqlState("SELECT kpi.sketch_quantile(" + sketch + ", -0.1)")).isEqualTo("22003");
        assertThat(sqlState("SELECT kpi.sketch_quantile(" + sketch + ", 'NaN')")).isEqualTo("22003");
        assertThat(sqlState("SELECT kpi.sketch_quantile('\\x0102'::bytea, 0.5)")).isEqualTo("22P03");
        assertThat(sqlState("SELECT kpi.sketch_merge(s) FROM (VALUES ('\\x0102'::bytea)) v(s)")).isEqualTo("22P03");
        byte[] legacy = LatencySketches.toBytes(LatencySketches.create());
        assertThat(sqlState("SELECT kpi.sketch_merge(s) FROM (VALUES ('\\x" + hex(legacy) + "'::bytea)) v(s)"))
                .as("DDSketch's own encoding is not format 1").isEqualTo("22P03");
    }

    @Test
    void aMergeSpanningMoreThan2048BinsFoldsTheLowestAsTheJavaStoreDoes() throws SQLException {
        // Each sketch alone fits; together they span ~35,000 bins (1e-300 ms is legal input).
        DDSketch tiny = LatencySketches.create();
        tiny.accept(1e-300);
        tiny.accept(1e-250);
        DDSketch normal = LatencySketches.create();
        for (double v : new double[] {0, 3, 40, 500, 6_000, 70_000}) {
            normal.accept(v);
        }
        DDSketch java = LatencySketches.create();
        java.mergeWith(tiny);
        java.mergeWith(normal);
        byte[] merged = (byte[]) scalar("SELECT kpi.sketch_merge(s) FROM (VALUES ('\\x" + hex(StoredSketch.encode(tiny))
                + "'::bytea), ('\\x" + hex(StoredSketch.encode(normal)) + "'::bytea)) v(s)");
        assertThat(merged).isEqualTo(StoredSketch.encode(java));
        for (double q : QUANTILES) {
            assertThat(quantile(merged, q)).as("q %s", q).isCloseTo(java.getValueAtQuantile(q),
                    withinPercentage(1e-10));
        }
    }

    @Test
    void theFunctionsAndTheLatencyViewsWorkForALoginGrantedOnlyKpiReader() throws SQLException {
        POSTGRES.db().execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sketch_reader') THEN"
                + " CREATE ROLE sketch_reader LOGIN IN ROLE kpi_reader; END IF; END $$");
        String url = POSTGRES.db().jdbc().url().replaceAll("[?&]user=postgres", "");
        JdbcSettings reader = new JdbcSettings(url, "sketch_reader", null);
        String where = "service = 'analyze-api' AND stage = 'total'";
        String sql = "SELECT kpi.sketch_quantile(kpi.sketch_merge(sketch), 0.95) FROM kpi.latency WHERE " + ONE_MINUTE + where;
        String view = "SELECT sum(count) FROM kpi.latency_daily WHERE " + where;
        try (Connection c = reader.connect(); var s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT current_user, pg_has_role('kpi_writer', 'MEMBER')")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("sketch_reader");
                assertThat(rs.getBoolean(2)).isFalse();
            }
            try (ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                assertThat(rs.getDouble(1)).isEqualTo(quantile(sqlMerge(where), 0.95));
            }
            try (ResultSet rs = s.executeQuery(view)) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(rawOf(c2 -> c2.key().service().equals("analyze-api") && c2.stage().equals("total"))
                        .length);
            }
        }
    }

    // --- helpers

    static double[] rawOf(Predicate<Cell> cells) {
        return RAW.entrySet().stream().filter(e -> cells.test(e.getKey())).flatMapToDouble(e -> Arrays.stream(e.getValue()))
                .toArray();
    }

    /** The value at rank q·(n−1) of the sorted values: element ⌊q·(n−1)⌋ (DDSketch's definition). */
    static double exactPercentile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.floor(q * (sorted.length - 1))];
    }

    static byte[] sqlMerge(String where) throws SQLException {
        return (byte[]) scalar("SELECT kpi.sketch_merge(sketch) FROM kpi.latency WHERE " + ONE_MINUTE + where);
    }

    static List<byte[]> storedSketches(String where) throws SQLException {
        List<byte[]> out = new ArrayList<>();
        for (Map<String, Object> r : POSTGRES.db().rows("SELECT sketch FROM kpi.latency WHERE " + ONE_MINUTE + where)) {
            out.add((byte[]) r.get("sketch"));
        }
        return out;
    }

    static double quantile(byte[] sketch, double q) throws SQLException {
        try (Connection c = POSTGRES.db().jdbc().connect();
                PreparedStatement s = c.prepareStatement("SELECT kpi.sketch_quantile(?, ?)")) {
            s.setBytes(1, sketch);
            s.setDouble(2, q);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getDouble(1);
            }
        }
    }

    static Object scalar(String sql) throws SQLException {
        List<Map<String, Object>> rows = POSTGRES.db().rows(sql);
        return rows.get(0).values().iterator().next();
    }

    static String sqlState(String sql) {
        try {
            POSTGRES.db().rows(sql);
            return "ok";
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    /** Lower-case hex, for bytea literals. */
    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
