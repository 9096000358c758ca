package com.gluu.kpi.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.latency.LatencySketches;
import com.gluu.kpi.latency.StoredSketch;
import com.gluu.kpi.sinks.cloudwatch.CloudWatchSettings;
import com.gluu.kpi.testing.PostgresExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * How long {@code kpi.sketch_merge} takes over a day of 1-minute sketches of one service, on the
 * demo's data: the bundled trace (one hour of real traffic) replayed through the job into
 * PostgreSQL, then the 1-minute rows of its minutes with {@code analyze-api} latencies repeated
 * over the 1,440 minutes of one day (every sketch one the job wrote). Prints the time; asserts only that the
 * answer is the Java merge's. Run alone: {@code mvn -o -B test -Dtest=DemoDaySketchMergeITCase}.
 */
class DemoDaySketchMergeITCase {
    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @TempDir
    static Path tmp;

    static final Instant DAY = Instant.parse("2023-11-20T00:00:00Z");
    static final String SERVICE = DemoTrace.ANALYZE;
    static final String DAY_FILTER = "window_end - window_start = interval '1 minute' AND stage = 'total'"
            + " AND window_start >= '" + DAY + "' AND window_start < '" + DAY.plus(1, ChronoUnit.DAYS) + "'";
    static final String MERGE_A_DAY = "SELECT kpi.sketch_quantile(kpi.sketch_merge(sketch), 0.95) FROM kpi.latency WHERE "
            + DAY_FILTER + " AND service = '" + SERVICE + "'";
    static int rows;

    @BeforeAll
    static void aDayOfTheDemosSketches() throws Exception {
        DemoTrace trace = DemoTrace.bundled();
        Path events = tmp.resolve("demo-events.jsonl");
        trace.writeTo(events);
        KpiJob.replayFile(JobConfig.defaults(), events, POSTGRES.db().jdbc(), (CloudWatchSettings) null);
        // Minute j of the day holds every row of the trace's (j mod n)-th minute with analyze-api latencies
        // (n: the trace's minutes with traffic of that service): 1,440 minutes, all sketches the job wrote.
        POSTGRES.db().execute("INSERT INTO kpi.latency (window_start, window_end, service, model, endpoint, stage, count, p50_ms,"
                + " p90_ms, p95_ms, p99_ms, max_ms, mean_ms, sketch)"
                + " WITH source AS (SELECT window_start, row_number() OVER (ORDER BY window_start) - 1 AS r, count(*) OVER () AS n"
                + "   FROM (SELECT DISTINCT window_start FROM kpi.latency WHERE window_end - window_start = interval '1 minute'"
                + "   AND stage = 'total' AND service = '" + SERVICE + "') m)"
                + " SELECT timestamptz '" + DAY + "' + j * interval '1 minute', timestamptz '" + DAY + "' + (j + 1) * interval '1 minute',"
                + " l.service, l.model, l.endpoint, l.stage, l.count, l.p50_ms, l.p90_ms, l.p95_ms, l.p99_ms, l.max_ms, l.mean_ms, l.sketch"
                + " FROM generate_series(0, 1439) j JOIN source ON source.r = j % source.n"
                + " JOIN kpi.latency l ON l.window_start = source.window_start"
                + " AND l.window_end - l.window_start = interval '1 minute'");
        List<Map<String, Object>> counted = POSTGRES.db().rows("SELECT count(*) AS rows, sum(count) AS latencies,"
                + " sum((length(sketch) - 16) / (2 + get_byte(sketch, 15))) AS bins, sum(length(sketch)) AS bytes,"
                + " count(DISTINCT (model, endpoint)) AS keys, (SELECT count(DISTINCT window_start) FROM kpi.latency"
                + " WHERE window_start < '" + DAY + "' AND service = '" + SERVICE + "' AND stage = 'total'"
                + " AND window_end - window_start = interval '1 minute') AS source_minutes FROM kpi.latency WHERE " + DAY_FILTER + " AND service = '" + SERVICE + "'");
        Map<String, Object> c = counted.get(0);
        rows = ((Number) c.get("rows")).intValue();
        System.out.printf("a day of %s: %s 1-minute rows (%s model/endpoint keys; the trace's %s minutes repeated), %s latencies,"
                + " %s bins, %s bytes of sketch%n", SERVICE, c.get("rows"), c.get("keys"), c.get("source_minutes"), c.get("latencies"),
                c.get("bins"), c.get("bytes"));
    }

    @Test
    void mergingADayOfOneServiceGivesTheJavaMergeAndPrintsHowLongItTook() throws SQLException {
        assertThat(rows).as("one row a minute: analyze-api has one model and endpoint").isEqualTo(1_440);
        DDSketch java = LatencySketches.create();
        for (Map<String, Object> r : POSTGRES.db().rows("SELECT sketch FROM kpi.latency WHERE " + DAY_FILTER
                + " AND service = '" + SERVICE + "'")) {
            java.mergeWith(StoredSketch.decode((byte[]) r.get("sketch")));
        }
        double[] millis = new double[25];
        double p95 = Double.NaN;
        try (Connection c = POSTGRES.db().jdbc().connect(); PreparedStatement s = c.prepareStatement(MERGE_A_DAY)) {
            for (int run = -5; run < millis.length; run++) { // 5 warm-up runs (plan cache, buffers)
                long t0 = System.nanoTime();
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    p95 = rs.getDouble(1);
                }
                if (run >= 0) {
                    millis[run] = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        assertThat(Math.abs(p95 - java.getValueAtQuantile(0.95))).isLessThanOrEqualTo(1e-12 * p95);
        Arrays.sort(millis);
        System.out.printf("sketch_quantile(sketch_merge(...), 0.95) over the day's %d rows: median %.1f ms, min %.1f ms,"
                        + " max %.1f ms over %d runs (JDBC round trip, embedded PostgreSQL %s); p95 = %.1f ms%n",
                rows, millis[millis.length / 2], millis[0], millis[millis.length - 1], millis.length, serverVersion(), p95);
        System.out.println("server side: " + explainAnalyze(MERGE_A_DAY));
        System.out.println("the same rows in DDSketch's own encoding (before V5), decoded by PL/pgSQL and merged: "
                + legacyMerge(java.getValueAtQuantile(0.95)));
        String perService = "SELECT service, kpi.sketch_quantile(kpi.sketch_merge(sketch), 0.95) FROM kpi.latency WHERE " + DAY_FILTER
                + " GROUP BY service";
        System.out.println("the SPEC's per-service query over the same day, every service: " + explainAnalyze(perService));
    }

    /**
     * Why the column changed format: the day's sketches in DDSketch's encoding, decoded with
     * kpi.sketch_from_ddsketch (a PL/pgSQL loop per byte), then merged. Median of 3 runs.
     */
    static String legacyMerge(double expectedP95) throws SQLException {
        List<byte[]> sketches = new ArrayList<>();
        for (Map<String, Object> r : POSTGRES.db().rows("SELECT sketch FROM kpi.latency WHERE " + DAY_FILTER
                + " AND service = '" + SERVICE + "'")) {
            sketches.add(LatencySketches.toBytes(StoredSketch.decode((byte[]) r.get("sketch"))));
        }
        double[] millis = new double[3];
        try (Connection c = POSTGRES.db().jdbc().connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE legacy_day (sketch bytea)");
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO legacy_day VALUES (?)")) {
                for (byte[] b : sketches) {
                    insert.setBytes(1, b);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            for (int run = 0; run < millis.length; run++) {
                long t0 = System.nanoTime();
                try (ResultSet rs = s.executeQuery("SELECT kpi.sketch_quantile(kpi.sketch_merge(kpi.sketch_from_ddsketch(sketch)),"
                        + " 0.95) FROM legacy_day")) {
                    rs.next();
                    assertThat(Math.abs(rs.getDouble(1) - expectedP95)).isLessThanOrEqualTo(1e-12 * expectedP95);
                }
                millis[run] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(millis);
        return String.format("median %.0f ms over %d runs (%d rows)", millis[1], millis.length, sketches.size());
    }

    static String serverVersion() throws SQLException {
        return (String) POSTGRES.db().rows("SHOW server_version").get(0).get("server_version");
    }

    /** EXPLAIN ANALYZE's own execution time for the statement (no network, no result transfer). */
    static String explainAnalyze(String sql) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (Connection c = POSTGRES.db().jdbc().connect(); Statement s = c.createStatement()) {
            for (int i = 0; i < 3; i++) {
                lines.clear();
                try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, TIMING OFF) " + sql)) {
                    while (rs.next()) {
                        lines.add(rs.getString(1).trim());
                    }
                }
            }
        }
        return lines.stream().filter(l -> l.startsWith("Execution Time")).findFirst().orElse("?");
    }
}
