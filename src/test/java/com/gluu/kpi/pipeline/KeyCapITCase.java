package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.sinks.cloudwatch.CloudWatchSettings;
import com.gluu.kpi.testing.PostgresExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key caps through the real job into a real PostgreSQL, with {@code limits.max_keys_per_window:
 * 50}: three minutes of 500 services, 80 models on 80 endpoints and 60 billed endpoints overflow
 * every table; the next hour has 10 services, 5 models and 45 endpoints and overflows nothing.
 * Compared with the same file run with the default cap (nothing overflows there):
 *
 * <ul>
 *   <li>in every table, the sum over a window's rows equals the window's events, worked out here
 *       from the input, and a window has at most cap + 1 rows (per stage for latency; cost has
 *       its {@code '*'} and {@code ''} rows besides);
 *   <li>every row that is not {@code ~other} equals the uncapped run's row of the same key (with
 *       1 m and 1 h windows a key is on its own row for a whole hour or not at all);
 *   <li>the cost {@code '*'} row equals the uncapped one's (its requests exactly; its dollars, sums
 *       of the rows' doubles, to the last bit), and its {@code idle_hosting_usd} is the hosting of
 *       the rows without requests;
 *   <li>the hour that does not overflow has exactly the rows of the uncapped run.
 * </ul>
 */
class KeyCapITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final int CAP = 50;
    private static final long MINUTE = 60_000;
    private static final long HOUR = 60 * MINUTE;
    /** 05:57, three minutes before an hour boundary. */
    private static final long T0 = Instant.parse("2026-11-22T05:57:00Z").toEpochMilli();
    private static final long H1 = Instant.parse("2026-11-22T06:00:00Z").toEpochMilli();
    private static final String OTHER = "~other";
    private static final List<String> TABLES = List.of("latency", "traffic", "accuracy", "cost", "endpoint_health");

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @TempDir
    static Path tmp;

    /** Per (window size, window start): inferences and feedback in it, from the input. */
    private final Map<List<Long>, Long> inferences = new HashMap<>();
    private final Map<List<Long>, Long> feedback = new HashMap<>();

    private void count(Map<List<Long>, Long> counts, long ts) {
        for (long size : new long[] {MINUTE, HOUR}) {
            counts.merge(List.of(size, Math.floorDiv(ts, size) * size), 1L, Long::sum);
        }
    }

    private Path generate() throws IOException {
        List<String> lines = new ArrayList<>();
        Random random = new Random(11);
        int id = 0;
        for (int e = 0; e < 60; e++) {
            lines.add(String.format("{\"event_id\":\"ep-%d\",\"type\":\"endpoint\",\"ts\":%d,\"endpoint\":\"ep-%d\","
                    + "\"model\":\"m%d\",\"state\":\"InService\",\"instance_type\":\"ml.g5.xlarge\",\"instance_count\":1}",
                    e, T0, e, e));
            if (e >= 45) {
                lines.add(String.format("{\"event_id\":\"del-%d\",\"type\":\"endpoint\",\"ts\":%d,\"endpoint\":\"ep-%d\","
                        + "\"model\":\"m%d\",\"state\":\"Deleted\"}", e, T0 + 150_000, e, e));
            }
        }
        for (int s = 0; s < 2; s++) {
            lines.add(String.format("{\"event_id\":\"task-%d\",\"type\":\"task\",\"ts\":%d,\"task_id\":\"t%d\","
                    + "\"service\":\"s%d\",\"state\":\"RUNNING\",\"vcpu\":1,\"memory_gb\":2}", s, T0, s, s));
        }
        // Hour 05: 3 minutes × 1 000 inferences of 500 services, 80 models, 80 endpoints.
        // Hour 06: 3 minutes × 200 inferences of 10 services, 5 models, 5 endpoints.
        for (int minute = 0; minute < 6; minute++) {
            boolean wide = minute < 3;
            int n = wide ? 1000 : 200;
            for (int i = 0; i < n; i++) {
                long ts = T0 + minute * MINUTE + i * 50_000L / n;
                int model = wide ? i % 80 : i % 5;
                String service = wide ? "s" + (i % 500) : "a" + (i % 10);
                String status = i % 7 == 0 ? "error" : i % 11 == 0 ? "client_error" : "ok";
                String request = "r-" + id;
                lines.add(String.format("{\"event_id\":\"i-%d\",\"type\":\"inference\",\"ts\":%d,\"request_id\":\"%s\","
                        + "\"service\":\"%s\",\"route\":\"/r%d\",\"model\":\"m%d\",\"model_version\":\"v1\","
                        + "\"endpoint\":\"ep-%d\",\"status\":\"%s\",\"latency_ms\":{\"total\":%.1f,\"model\":%.1f},"
                        + "\"llm\":{\"model\":\"gpt-4o\",\"prompt_tokens\":%d,\"completion_tokens\":%d},\"images\":%d}",
                        id, ts, request, service, i % 3, model, model, status, 50 + random.nextDouble() * 2000,
                        20 + random.nextDouble() * 500, random.nextInt(1000), random.nextInt(300), i % 4));
                count(inferences, ts);
                if ((i / 80) % 5 == 0) { // every model gets feedback
                    lines.add(String.format("{\"event_id\":\"f-%d\",\"type\":\"feedback\",\"ts\":%d,\"request_id\":\"%s\","
                            + "\"verdict\":\"%s\"}", id, ts + 5_000, request, i % 10 == 0 ? "correct" : "incorrect"));
                    count(feedback, ts + 5_000);
                }
                id++;
            }
        }
        Path file = tmp.resolve("wide.jsonl");
        Files.write(file, lines);
        return file;
    }

    @Test
    void everyWindowKeepsAtMostCapKeysAndItsRowsStillSumToItsEvents() throws Exception {
        Path file = generate();
        POSTGRES.db().truncateKpiTables();
        KpiJob.replayFile(JobConfig.defaults(), file, POSTGRES.db().jdbc(), (CloudWatchSettings) null);
        Map<String, Map<List<Object>, Map<String, Object>>> uncapped = snapshot();
        POSTGRES.db().truncateKpiTables();
        JobExecutionResult result = KpiJob.replayFile(
                JobConfig.defaults().with(Map.of(JobConfig.LIMITS_MAX_KEYS_PER_WINDOW.key(), CAP)), file, POSTGRES.db().jdbc(), (CloudWatchSettings) null);
        Map<String, Map<List<Object>, Map<String, Object>>> capped = snapshot();

        for (String table : List.of("kpi.latency", "kpi.traffic", "kpi.accuracy", "kpi.cost", "kpi.cost.services",
                "kpi.endpoint_health")) {
            Object over = result.getAccumulatorResult("keys-over-cap." + table);
            assertThat(over).as("partials over the cap in %s", table).isNotNull();
            assertThat(((Number) over).longValue()).as("partials over the cap in %s", table).isPositive();
        }

        for (String table : TABLES) {
            Map<List<Object>, Map<String, Object>> rows = capped.get(table);
            // Σ over a window's rows = the window's events; at most cap + 1 keys per window.
            Map<List<Long>, Long> sums = new TreeMap<>(KeyCapITCase::compare);
            Map<List<Object>, Integer> keys = new HashMap<>();
            boolean sawOther = false;
            for (Map.Entry<List<Object>, Map<String, Object>> e : rows.entrySet()) {
                List<Object> key = e.getKey();
                Map<String, Object> row = e.getValue();
                List<Long> window = List.of((Long) key.get(1) - (Long) key.get(0), (Long) key.get(0));
                sawOther |= key.contains(OTHER);
                List<Object> group = new ArrayList<>(window);
                switch (table) {
                    case "latency":
                        group.add(row.get("stage"));
                        if (row.get("stage").equals("total")) {
                            sums.merge(window, (Long) row.get("count"), Long::sum);
                        }
                        break;
                    case "traffic":
                        sums.merge(window, (Long) row.get("requests"), Long::sum);
                        break;
                    case "accuracy":
                        sums.merge(window, (Long) row.get("feedback"), Long::sum);
                        break;
                    case "cost":
                        if (row.get("model").equals("*") || row.get("model").equals("")) {
                            continue; // the window's total and the unallocated compute: no keys of the input
                        }
                        sums.merge(window, (Long) row.get("requests"), Long::sum);
                        break;
                    default:
                        break;
                }
                keys.merge(group, 1, Integer::sum);
            }
            assertThat(sawOther).as("%s has ~other rows", table).isTrue();
            assertThat(keys.values()).as("%s keys per window", table).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(CAP + 1));
            assertThat(keys.values()).as("%s reaches the cap", table).contains(CAP + 1);
            Map<List<Long>, Long> expected = new TreeMap<>(KeyCapITCase::compare);
            expected.putAll(table.equals("accuracy") ? feedback : inferences);
            if (!table.equals("endpoint_health")) {
                assertThat(sums).as("%s: Σ rows per window = events", table).isEqualTo(expected);
            }

            // Every row with its own key is the uncapped run's row; the hour that did not
            // overflow is exactly the uncapped run.
            for (Map.Entry<List<Object>, Map<String, Object>> e : rows.entrySet()) {
                if (e.getKey().contains(OTHER) || e.getKey().contains("*") || e.getKey().contains("")) {
                    continue;
                }
                Map<String, Object> row = new HashMap<>(e.getValue());
                Map<String, Object> plain = new HashMap<>(uncapped.get(table).get(e.getKey()));
                if (table.equals("cost")) {
                    // The Fargate split changes when a service's requests are under ~other.
                    for (String c : List.of("compute_usd", "total_usd", "usd_per_inference")) {
                        row.remove(c);
                        plain.remove(c);
                    }
                }
                assertThat(row).as("%s %s", table, e.getKey()).isEqualTo(plain);
            }
            Map<List<Object>, Map<String, Object>> secondHour = new HashMap<>(rows);
            secondHour.keySet().removeIf(k -> (Long) k.get(0) < H1);
            Map<List<Object>, Map<String, Object>> secondHourUncapped = new HashMap<>(uncapped.get(table));
            secondHourUncapped.keySet().removeIf(k -> (Long) k.get(0) < H1);
            assertThat(secondHour).as("%s in the hour that does not overflow", table).isNotEmpty()
                    .isEqualTo(secondHourUncapped);
        }

        // Health: the overflow row holds the slots of the endpoints it stands for.
        Map<List<Long>, Double> inService = new HashMap<>();
        Map<List<Long>, Double> inServiceUncapped = new HashMap<>();
        capped.get("endpoint_health").forEach((k, r) -> inService.merge(List.of((Long) k.get(0), (Long) k.get(1)),
                (Double) r.get("in_service_seconds"), Double::sum));
        uncapped.get("endpoint_health").forEach((k, r) -> inServiceUncapped.merge(List.of((Long) k.get(0), (Long) k.get(1)),
                (Double) r.get("in_service_seconds"), Double::sum));
        assertThat(inService.keySet()).isEqualTo(inServiceUncapped.keySet());
        inService.forEach((w, s) -> assertThat(s).as("in-service seconds of %s", w).isCloseTo(inServiceUncapped.get(w), within(1e-6)));

        // Cost: '*' is the uncapped window total; idle hosting is the hosting of rows without requests.
        Map<List<Long>, Double> idle = new HashMap<>();
        capped.get("cost").forEach((k, r) -> {
            if (!k.contains("*") && (Long) r.get("requests") == 0) {
                idle.merge(List.of((Long) k.get(0), (Long) k.get(1)), (Double) r.get("hosting_usd"), Double::sum);
            }
        });
        capped.get("cost").forEach((k, r) -> {
            if (!k.contains("*")) {
                return;
            }
            Map<String, Object> plain = uncapped.get("cost").get(k);
            assertThat(r.get("requests")).as("* requests %s", k).isEqualTo(plain.get("requests"));
            // '*' adds up its rows' dollars as doubles: other rows, other rounding in the last bit.
            for (String c : List.of("llm_usd", "hosting_usd", "compute_usd", "total_usd")) {
                assertThat((Double) r.get(c)).as("* %s %s", c, k).isCloseTo((Double) plain.get(c), within(1e-9));
            }
            assertThat((Double) r.get("idle_hosting_usd")).as("* idle %s", k)
                    .isCloseTo(idle.getOrDefault(List.of((Long) k.get(0), (Long) k.get(1)), 0.0), within(1e-9));
        });
    }

    private static long millis(Object timestamp) {
        if (timestamp instanceof java.time.OffsetDateTime) {
            return ((java.time.OffsetDateTime) timestamp).toInstant().toEpochMilli();
        }
        return ((java.sql.Timestamp) timestamp).getTime();
    }

    private static int compare(List<Long> a, List<Long> b) {
        int c = Long.compare(a.get(0), b.get(0));
        return c != 0 ? c : Long.compare(a.get(1), b.get(1));
    }

    /** Table → row key (window start, window end, dimensions…) → row without updated_at. */
    private Map<String, Map<List<Object>, Map<String, Object>>> snapshot() throws Exception {
        Map<String, List<String>> dimensions = Map.of(
                "latency", List.of("service", "model", "endpoint", "stage"),
                "traffic", List.of("service", "route", "model", "endpoint"),
                "accuracy", List.of("model", "model_version"),
                "cost", List.of("model", "endpoint"),
                "endpoint_health", List.of("endpoint"));
        Map<String, Map<List<Object>, Map<String, Object>>> all = new HashMap<>();
        for (String table : TABLES) {
            Map<List<Object>, Map<String, Object>> rows = new HashMap<>();
            String select = table.equals("latency") ? "SELECT t.*, md5(sketch) AS sketch_md5 FROM kpi.latency t"
                    : "SELECT * FROM kpi." + table;
            for (Map<String, Object> r : POSTGRES.db().rows(select)) {
                r.remove("updated_at");
                r.remove("sketch");
                long start = millis(r.remove("window_start"));
                long end = millis(r.remove("window_end"));
                List<Object> key = new ArrayList<>(List.of(start, end));
                for (String d : dimensions.get(table)) {
                    key.add(r.get(d));
                }
                assertThat(rows.put(key, r)).isNull();
            }
            all.put(table, rows);
        }
        return all;
    }
}
