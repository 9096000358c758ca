package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.testing.ExpectedKpis;
import com.gluu.kpi.testing.GeneratedTrace;
import com.gluu.kpi.testing.TestDatabase;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A generated three-hour file — several services, routes, models and endpoints, out-of-order,
 * late, too-late and duplicate records, and bad records of every kind — replayed through the
 * real job into a real PostgreSQL. Every row of kpi.traffic, kpi.latency and kpi.dead_letters
 * is compared with {@link ExpectedKpis}, which computes them from the generator's own record of
 * each line. The file is then replayed at parallelism 1 and in 4 KiB byte ranges at parallelism 2
 * into empty tables (every row the same each time) and once more over them (nothing changes).
 */
public class GeneratedReplayITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final double[] QUANTILES = {0.50, 0.90, 0.95, 0.99};
    private static final long MINUTE = 60_000L;

    static TestDatabase db;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startDatabase() {
        db = TestDatabase.startMigrated();
    }

    @AfterAll
    static void stopDatabase() {
        db.close();
    }

    @Test
    void everyRowEqualsTheIndependentComputationWhateverTheParallelismAndAReplayChangesNothing() throws Exception {
        GeneratedTrace trace = GeneratedTrace.generate(42, Instant.parse("2026-11-21T21:00:00Z"), 3, 15_000);
        Path file = tmp.resolve("generated.jsonl");
        trace.writeTo(file);
        JobConfig config = JobConfig.defaults();
        ExpectedKpis expected = ExpectedKpis.of(trace, new long[] {MINUTE, 60 * MINUTE}, 30_000, 5 * MINUTE, 10 * MINUTE);
        db.truncateKpiTables();

        JobExecutionResult result = KpiJob.replayFile(config, file, db.jdbc());

        JobCounts counts = JobCounts.of(result);
        assertThat(counts.records).isEqualTo(trace.lines.size());
        assertThat(counts.deadLetters).isEqualTo(expected.deadLetters.size());
        assertThat(counts.duplicates).isEqualTo(expected.duplicates);
        assertThat(expected.duplicates).as("the trace exercises duplicates").isGreaterThan(50);
        assertThat(expected.deadLetters.values()).as("the trace exercises every reason").contains(
                "too_late", "malformed_json", "missing_field", "wrong_type", "bad_value", "unknown_type",
                "invalid_utf8", "too_large");

        assertDeadLetters(expected);
        assertTraffic(expected);
        assertLatency(expected);

        String snapshot = "SELECT t::text FROM (SELECT window_start, window_end, service, model, endpoint, stage, count,"
                + " p50_ms, p90_ms, p95_ms, p99_ms, max_ms, mean_ms, md5(sketch) FROM kpi.latency) t"
                + " UNION ALL SELECT t::text FROM (SELECT window_start, window_end, service, route, model, endpoint,"
                + " requests, ok, client_errors, errors, error_rate, async_requests, images FROM kpi.traffic) t"
                + " UNION ALL SELECT t::text FROM (SELECT id, received_at, reason, detail, md5(raw) FROM kpi.dead_letters) t"
                + " ORDER BY 1";
        // received_at is the wall-clock time of the insert: left out where tables are emptied in between.
        String results = snapshot.replace("SELECT id, received_at, reason", "SELECT id, reason");
        List<Map<String, Object>> before = db.rows(results);

        // The same file at parallelism 1 (jobs/local.yaml's setting) into empty tables: the same rows,
        // sketches and dead-letter ids, so the parallelism is a matter of speed, not of results.
        JobConfig single = config.with(Map.of(JobConfig.PARALLELISM.key(), 1));
        db.truncateKpiTables();
        JobCounts singleCounts = JobCounts.of(KpiJob.replayFile(single, file, db.jdbc()));
        assertThat(singleCounts.deadLetters).isEqualTo(counts.deadLetters);
        assertThat(singleCounts.duplicates).isEqualTo(counts.duplicates);
        assertSameRows(before, db.rows(results), "replay at parallelism 1");

        // At parallelism 2 in 4 KiB byte ranges: some thousands of ranges, lines of the same minute read by
        // different subtasks, every range boundary a place where order could slip: still the same rows,
        // lateness verdicts and dead-letter ids.
        assertThat(java.nio.file.Files.size(file)).as("thousands of 4 KiB ranges").isGreaterThan(4L << 20);
        JobConfig smallRanges = config.with(Map.of(JobConfig.SOURCE_RANGE_BYTES.key(), "4k"));
        assertThat(KpiJob.readsInRanges(smallRanges)).isTrue();
        db.truncateKpiTables();
        JobCounts rangedCounts = JobCounts.of(KpiJob.replayFile(smallRanges, file, db.jdbc()));
        assertThat(rangedCounts.records).isEqualTo(trace.lines.size());
        assertThat(rangedCounts.duplicates).isEqualTo(counts.duplicates);
        assertSameRows(before, db.rows(results), "replay in 4 KiB ranges");

        // And a replay over the rows already there changes none of them, received_at included
        // (idempotent upserts; a dead letter is recorded once).
        List<Map<String, Object>> written = db.rows(snapshot);
        KpiJob.replayFile(single, file, db.jdbc());
        assertSameRows(written, db.rows(snapshot), "second replay");
    }

    private static void assertSameRows(List<Map<String, Object>> before, List<Map<String, Object>> after, String what) {
        List<Map<String, Object>> changed = new ArrayList<>(after);
        changed.removeAll(before);
        List<Map<String, Object>> gone = new ArrayList<>(before);
        gone.removeAll(after);
        assertThat(gone).as("rows missing after the %s", what).isEmpty();
        assertThat(changed).as("rows new or changed after the %s", what).isEmpty();
        assertThat(after).isEqualTo(before);
    }

    private void assertDeadLetters(ExpectedKpis expected) throws Exception {
        Map<Integer, String> actual = new HashMap<>();
        for (Map<String, Object> row : db.rows("SELECT id, reason, length(raw) AS raw_length FROM kpi.dead_letters")) {
            String id = (String) row.get("id");
            assertThat(id).startsWith("generated.jsonl:");
            actual.put(Integer.parseInt(id.substring("generated.jsonl:".length())), (String) row.get("reason"));
            assertThat((Integer) row.get("raw_length")).isLessThanOrEqualTo(64 * 1024);
        }
        assertThat(actual).isEqualTo(expected.deadLetters);
    }

    private void assertTraffic(ExpectedKpis expected) throws Exception {
        Map<List<Object>, long[]> actual = new HashMap<>();
        for (Map<String, Object> r : db.rows("SELECT * FROM kpi.traffic")) {
            long requests = (Long) r.get("requests");
            long errors = (Long) r.get("errors");
            assertThat((Double) r.get("error_rate")).isEqualTo((double) errors / requests);
            actual.put(List.of(millis(r.get("window_start")), millis(r.get("window_end")), r.get("service"), r.get("route"),
                    r.get("model"), r.get("endpoint")), new long[] {requests, (Long) r.get("ok"),
                            (Long) r.get("client_errors"), errors, (Long) r.get("async_requests"), (Long) r.get("images")});
        }
        assertThat(actual.keySet()).isEqualTo(expected.traffic.keySet());
        for (Map.Entry<List<Object>, long[]> e : expected.traffic.entrySet()) {
            assertThat(actual.get(e.getKey())).as("traffic %s", e.getKey()).containsExactly(e.getValue());
        }
    }

    private void assertLatency(ExpectedKpis expected) throws Exception {
        Map<List<Object>, Map<String, Object>> actual = new HashMap<>();
        for (Map<String, Object> r : db.rows("SELECT * FROM kpi.latency")) {
            actual.put(List.of(millis(r.get("window_start")), millis(r.get("window_end")), r.get("service"), r.get("model"),
                    r.get("endpoint"), r.get("stage")), r);
        }
        assertThat(actual.keySet()).isEqualTo(expected.latency.keySet());
        for (Map.Entry<List<Object>, List<Double>> e : expected.latency.entrySet()) {
            List<Double> values = new ArrayList<>(e.getValue());
            Collections.sort(values);
            Map<String, Object> row = actual.get(e.getKey());
            double sum = 0;
            for (double v : values) {
                sum += v;
            }
            assertThat(row.get("count")).as("count %s", e.getKey()).isEqualTo((long) values.size());
            assertThat((Double) row.get("max_ms")).isEqualTo(values.get(values.size() - 1));
            assertThat((Double) row.get("mean_ms")).isCloseTo(sum / values.size(), org.assertj.core.data.Percentage.withPercentage(1e-7));
            String[] columns = {"p50_ms", "p90_ms", "p95_ms", "p99_ms"};
            for (int i = 0; i < QUANTILES.length; i++) {
                assertWithinOnePercentOfRank((Double) row.get(columns[i]), values, QUANTILES[i], e.getKey() + " " + columns[i]);
            }
        }
    }

    /** SPEC: within 1 % of a true value at that rank; DDSketch's rank is q·(n−1), between two neighbours. */
    public static void assertWithinOnePercentOfRank(double actual, List<Double> sorted, double q, String what) {
        double rank = q * (sorted.size() - 1);
        double low = sorted.get((int) Math.floor(rank));
        double high = sorted.get((int) Math.ceil(rank));
        boolean ok = Math.abs(actual - low) <= 0.01 * low + 1e-9 || Math.abs(actual - high) <= 0.01 * high + 1e-9;
        assertThat(ok).as("%s = %s, true values at rank %.2f: %s / %s", what, actual, rank, low, high).isTrue();
    }

    private static long millis(Object timestamp) {
        if (timestamp instanceof java.time.OffsetDateTime) {
            return ((java.time.OffsetDateTime) timestamp).toInstant().toEpochMilli();
        }
        return ((Timestamp) timestamp).getTime();
    }
}
