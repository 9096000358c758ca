package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.testing.ExpectedOperations;
import com.gluu.kpi.testing.OperationsTrace;
import com.gluu.kpi.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-hour file with endpoint failures, a scale-out, an idle endpoint, tasks starting and
 * stopping and feedback early, late and unmatched, replayed through {@code run}'s code path into
 * a real PostgreSQL: every row of {@code kpi.accuracy}, {@code kpi.cost} and
 * {@code kpi.endpoint_health} equals what {@link ExpectedOperations} computes from the same
 * events (floating point within 1e-9 relative), and a second replay changes nothing.
 */
class OperationsReplayITCase {
    private static final long MINUTE = 60_000L;
    private static final double RELATIVE = 1e-9;

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
    void everyAccuracyCostAndHealthRowEqualsTheIndependentComputation() throws Exception {
        OperationsTrace trace = OperationsTrace.generate(11, Instant.parse("2026-11-21T21:00:00Z"), 3_000);
        Path events = tmp.resolve("operations.jsonl");
        trace.writeTo(events);
        Path pricing = tmp.resolve("pricing.yaml");
        Files.writeString(pricing, OperationsTrace.PRICING_YAML);
        JobConfig config = JobConfig.defaults().with(Map.of(
                JobConfig.PRICING_FILE.key(), pricing.toString(),
                JobConfig.ACCURACY_HORIZON.key(), "2h",
                JobConfig.ACCURACY_FEEDBACK_WAIT.key(), "10m"));
        ExpectedOperations expected = ExpectedOperations.of(trace, new long[] {MINUTE, 60 * MINUTE}, 2 * 60 * MINUTE,
                10 * MINUTE);
        db.truncateKpiTables();

        JobCounts counts = JobCounts.of(KpiJob.replayFile(config, events, db.jdbc()));

        assertThat(counts.deadLetters).as("every event of this trace is valid and in time").isZero();
        assertThat(counts.records).isEqualTo(trace.lineCount());

        assertRows("SELECT window_start, window_end, model, model_version, feedback, correct, partial, incorrect,"
                + " accuracy FROM kpi.accuracy", 4, accuracyExpected(expected));
        assertRows("SELECT window_start, window_end, model, endpoint, requests, llm_usd, hosting_usd, compute_usd,"
                + " total_usd, usd_per_inference, idle_hosting_usd FROM kpi.cost", 4, costExpected(expected));
        assertRows("SELECT window_start, window_end, endpoint, in_service_seconds, uptime_ratio, restarts, failures"
                + " FROM kpi.endpoint_health", 3, expected.health);

        // The scenario exercises what it is meant to.
        assertThat(expected.accuracy.keySet()).anySatisfy(k -> assertThat(k.get(2)).isEqualTo("unmatched"));
        assertThat(expected.health.values()).anySatisfy(v -> assertThat(v[2]).isEqualTo(1)); // a restart
        assertThat(expected.cost).anySatisfy((k, v) -> {
            assertThat(k.get(2)).isEqualTo("*");
            assertThat(v[6]).isPositive(); // idle hosting
        });

        String snapshot = "SELECT t::text FROM (SELECT window_start, window_end, model, model_version, feedback,"
                + " correct, partial, incorrect, accuracy FROM kpi.accuracy) t"
                + " UNION ALL SELECT t::text FROM (SELECT window_start, window_end, model, endpoint, requests, llm_usd,"
                + " hosting_usd, compute_usd, total_usd, usd_per_inference, idle_hosting_usd FROM kpi.cost) t"
                + " UNION ALL SELECT t::text FROM (SELECT window_start, window_end, endpoint, in_service_seconds,"
                + " uptime_ratio, restarts, failures FROM kpi.endpoint_health) t ORDER BY 1";
        List<Map<String, Object>> before = db.rows(snapshot);
        KpiJob.replayFile(config, events, db.jdbc());
        List<Map<String, Object>> after = db.rows(snapshot);
        List<Map<String, Object>> changed = new ArrayList<>(after);
        changed.removeAll(before);
        List<Map<String, Object>> gone = new ArrayList<>(before);
        gone.removeAll(after);
        assertThat(gone).as("rows the replay replaced").isEmpty();
        assertThat(changed).as("rows the replay changed").isEmpty();
    }

    /** Accuracy rows: counts as they are, and the mean score in place of the score sum. */
    private static Map<List<Object>, double[]> accuracyExpected(ExpectedOperations expected) {
        Map<List<Object>, double[]> out = new TreeMap<>(OperationsReplayITCase::compareKeys);
        expected.accuracy.forEach((k, v) -> out.put(k, new double[] {v[0], v[1], v[2], v[3], v[4] / v[0]}));
        return out;
    }

    private static Map<List<Object>, double[]> costExpected(ExpectedOperations expected) {
        Map<List<Object>, double[]> out = new TreeMap<>(OperationsReplayITCase::compareKeys);
        out.putAll(expected.cost);
        return out;
    }

    /**
     * The table's rows, keyed by their first {@code keyColumns} columns (timestamps as epoch
     * millis), must be exactly the expected keys, with every value within 1e-9 relative; NULL
     * stands for NaN.
     */
    private void assertRows(String sql, int keyColumns, Map<List<Object>, double[]> expected) throws Exception {
        Map<List<Object>, double[]> actual = new TreeMap<>(OperationsReplayITCase::compareKeys);
        for (Map<String, Object> row : db.rows(sql)) {
            List<Object> values = new ArrayList<>(row.values());
            List<Object> key = new ArrayList<>();
            for (int i = 0; i < keyColumns; i++) {
                Object v = values.get(i);
                key.add(v instanceof java.util.Date ? ((java.util.Date) v).getTime() : v);
            }
            double[] numbers = new double[values.size() - keyColumns];
            for (int i = keyColumns; i < values.size(); i++) {
                Object v = values.get(i);
                numbers[i - keyColumns] = v == null ? Double.NaN : ((Number) v).doubleValue();
            }
            actual.put(key, numbers);
        }
        assertThat(actual.keySet()).as(sql).containsExactlyElementsOf(expected.keySet());
        for (Map.Entry<List<Object>, double[]> e : expected.entrySet()) {
            double[] want = e.getValue();
            double[] got = actual.get(e.getKey());
            for (int i = 0; i < want.length; i++) {
                String what = sql.substring(sql.lastIndexOf(' ') + 1) + " " + e.getKey() + " column " + (keyColumns + i + 1);
                if (Double.isNaN(want[i])) {
                    assertThat(got[i]).as(what).isNaN();
                } else {
                    assertThat(Math.abs(got[i] - want[i])).as(what + ": " + got[i] + " vs " + want[i])
                            .isLessThanOrEqualTo(RELATIVE * Math.max(1e-6, Math.abs(want[i])));
                }
            }
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareKeys(List<?> a, List<?> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = ((Comparable) a.get(i)).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }
}
