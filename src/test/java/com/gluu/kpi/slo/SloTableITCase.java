package com.gluu.kpi.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.sinks.cloudwatch.CloudWatchSettings;
import com.gluu.kpi.testing.PostgresExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kpi.slo} through the real job into a real PostgreSQL: eight hours of two services, an
 * availability SLO for both and a latency SLO for one, a rolling 6-hour period. Every row equals
 * the one an obvious computation over the generated requests gives (per service, SLO and hour:
 * the hour's requests and bad ones, the sums over the hours {@code (h - 6, h]}, the budget);
 * duplicates count once; a replay leaves the same rows; and worker's hour of errors pages through
 * the same alert table as every rule.
 */
class SloTableITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @TempDir
    static Path tmp;

    private static final long MINUTE = 60_000;
    private static final long HOUR = 60 * MINUTE;
    private static final long T0 = Instant.parse("2026-11-22T00:00:00Z").toEpochMilli();
    private static final int HOURS = 8;
    private static final int PERIOD_HOURS = 6;

    private static final String RULES = "rules: []\nslos:\n"
            + "  - {name: availability, kind: availability, objective: 0.99, period: 6h,"
            + " min_sample: 20}\n"
            + "  - {name: latency, kind: latency, objective: 0.95, threshold_ms: 1000, period: 6h, services: [api]}\n";

    /** (slo, service, hour) → {requests, bad}, from the requests as generated (each once). */
    private final Map<List<Object>, long[]> expected = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));

    private void expect(String slo, String service, int hour, boolean bad) {
        long[] c = expected.computeIfAbsent(List.of(slo, service, hour), k -> new long[2]);
        c[0]++;
        c[1] += bad ? 1 : 0;
    }

    private Path generate() throws Exception {
        List<String> lines = new ArrayList<>();
        Random random = new Random(5);
        int id = 0;
        for (int hour = 0; hour < HOURS; hour++) {
            for (String service : List.of("api", "worker")) {
                if (service.equals("worker") && hour == 4) {
                    continue; // an hour without requests has no row
                }
                int n = 40 + random.nextInt(80);
                for (int i = 0; i < n; i++) {
                    long ts = T0 + hour * HOUR + (long) (random.nextDouble() * HOUR);
                    // worker fails every request of its hour 3 (a page); otherwise about 2 % errors
                    boolean error = service.equals("worker") && hour == 3 || random.nextDouble() < 0.02;
                    double total = random.nextDouble() < 0.08 * (hour % 3) ? 1000 + random.nextDouble() * 4000
                            : random.nextDouble() < 0.01 ? 1000 : 50 + random.nextDouble() * 900;
                    String line = String.format(java.util.Locale.ROOT, "{\"event_id\":\"i-%d\",\"type\":\"inference\","
                            + "\"ts\":%d,\"request_id\":\"r-%d\",\"service\":\"%s\",\"model\":\"m\",\"status\":\"%s\","
                            + "\"latency_ms\":{\"total\":%.3f}}", id, ts, id, service, error ? "error" : "ok", total);
                    lines.add(line);
                    if (id % 25 == 0) {
                        lines.add(line); // a duplicate: counted once
                    }
                    id++;
                    expect("availability", service, hour, error);
                    if (service.equals("api")) {
                        expect("latency", service, hour, Double.parseDouble(String.format(java.util.Locale.ROOT,
                                "%.3f", total)) > 1000);
                    }
                }
            }
        }
        // in event time order (late input is SloBudgetTest's)
        lines.sort(java.util.Comparator.comparingLong(SloTableITCase::ts));
        Path file = tmp.resolve("slo.jsonl");
        Files.write(file, lines);
        return file;
    }

    private static long ts(String line) {
        int at = line.indexOf("\"ts\":") + 5;
        return Long.parseLong(line.substring(at, line.indexOf(',', at)));
    }

    /** The rows an obvious computation gives, as text in key order. */
    private List<String> expectedRows() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<List<Object>, long[]> e : expected.entrySet()) {
            String slo = (String) e.getKey().get(0);
            String service = (String) e.getKey().get(1);
            int hour = (Integer) e.getKey().get(2);
            long periodRequests = 0;
            long periodBad = 0;
            for (int h = hour - PERIOD_HOURS + 1; h <= hour; h++) {
                long[] c = expected.get(List.of(slo, service, h));
                if (c != null) {
                    periodRequests += c[0];
                    periodBad += c[1];
                }
            }
            double budget = slo.equals("availability") ? 0.01 : 0.05;
            out.add(row(hour, service, slo, e.getValue()[0], e.getValue()[1], periodRequests, periodBad,
                    periodBad / (budget * periodRequests)));
        }
        out.sort(null);
        return out;
    }

    private static String row(int hour, String service, String slo, long requests, long bad, long periodRequests,
            long periodBad, double consumed) {
        return String.format(java.util.Locale.ROOT, "%d %s %s %d/%d period %d/%d consumed %.9f", hour, service, slo,
                requests, bad, periodRequests, periodBad, consumed);
    }

    private static long ms(Object timestamp) {
        return ((java.sql.Timestamp) timestamp).getTime();
    }

    private static List<String> tableRows() throws Exception {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> r : POSTGRES.db().rows("SELECT * FROM kpi.slo")) {
            long start = ms(r.get("window_start"));
            long end = ms(r.get("window_end"));
            assertThat(end - start).isEqualTo(HOUR);
            double consumed = ((Number) r.get("budget_consumed")).doubleValue();
            assertThat(((Number) r.get("budget_remaining")).doubleValue()).isCloseTo(1 - consumed, within(1e-12));
            out.add(row((int) ((start - T0) / HOUR), (String) r.get("service"), (String) r.get("slo"),
                    ((Number) r.get("requests")).longValue(), ((Number) r.get("bad")).longValue(),
                    ((Number) r.get("period_requests")).longValue(), ((Number) r.get("period_bad")).longValue(), consumed));
        }
        out.sort(null);
        return out;
    }

    @Test
    void everyRowIsTheHourAndItsRollingPeriodAndAReplayLeavesTheSameRows() throws Exception {
        Path events = generate();
        Path rules = tmp.resolve("rules.yaml");
        Files.writeString(rules, RULES);
        JobConfig config = JobConfig.defaults().with(Map.of(JobConfig.RULES_FILE.key(), rules.toString()));

        POSTGRES.db().truncateKpiTables();
        KpiJob.replayFile(config, events, POSTGRES.db().jdbc(), (CloudWatchSettings) null);
        List<String> first = tableRows();

        // 8 hours of api for 2 SLOs, 7 of worker for availability only
        assertThat(first).hasSize(HOURS * 2 + HOURS - 1);
        assertThat(first).containsExactlyElementsOf(expectedRows());

        // hour 3 of worker: every request failed, 100 budgets in an hour; the fast burn pages
        List<Map<String, Object>> pages = POSTGRES.db().rows("SELECT rule, labels::text AS labels, started_at"
                + " FROM kpi.alerts WHERE rule = 'availability_fast_burn'");
        assertThat(pages).isNotEmpty().extracting(p -> p.get("labels")).containsOnly("{\"service\": \"worker\"}");
        assertThat(pages).allSatisfy(p -> assertThat(ms(p.get("started_at")))
                .isBetween(T0 + 3 * HOUR, T0 + 4 * HOUR));

        KpiJob.replayFile(config, events, POSTGRES.db().jdbc(), (CloudWatchSettings) null);
        assertThat(tableRows()).as("after a replay").containsExactlyElementsOf(first);
    }
}
