package com.gluu.kpi.cost;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.pipeline.JobCounts;
import com.gluu.kpi.testing.ExpectedOperations;
import com.gluu.kpi.testing.OperationsTrace;
import com.gluu.kpi.testing.PostgresExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three-hour operations trace (an endpoint scaled out, failed and restarted, an idle endpoint
 * and an unpriced one, Fargate tasks, one service without requests) with four calling tenants
 * ({@code acme}, {@code globex}, {@code initech} and requests without {@code client_id}), errors,
 * images, late requests and producer retries, replayed through the real job into a real
 * PostgreSQL. Every {@code kpi.tenant_usage} row equals what this test works out from the trace's
 * requests and {@link ExpectedOperations}' cost rows (hosting + compute of each row with requests,
 * split by the tenants' requests on it), and per window the tenants' {@code total_usd} adds up to
 * the {@code total_usd} of the {@code kpi.cost} rows with requests, both read from Postgres.
 */
class TenantUsageITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final long MINUTE = 60_000L;
    private static final long HOUR = 60 * MINUTE;
    private static final double RELATIVE = 1e-9;
    private static final String[] CLIENTS = {"acme", "globex", "initech", ""};

    @TempDir
    static Path tmp;

    @Test
    void everyTenantRowEqualsTheIndependentComputationAndAddsUpToTheCostRowsWithRequests() throws Exception {
        OperationsTrace trace = OperationsTrace.withTenants(31, Instant.parse("2026-11-21T21:00:00Z"), 1_500, CLIENTS);
        Path events = tmp.resolve("tenants.jsonl");
        trace.writeTo(events);
        // Producer retries: every 100th line again, a few lines later (counted once).
        List<String> written = Files.readAllLines(events, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>();
        int retries = 0;
        for (int i = 0; i < written.size(); i++) {
            lines.add(written.get(i));
            if (i % 100 == 99) {
                lines.add(written.get(i - 3));
                retries++;
            }
        }
        Files.write(events, lines, StandardCharsets.UTF_8);
        Path pricing = tmp.resolve("pricing.yaml");
        Files.writeString(pricing, OperationsTrace.PRICING_YAML);
        ExpectedOperations cost = ExpectedOperations.of(trace, new long[] {MINUTE, HOUR}, 7 * 24 * HOUR, 10 * MINUTE);
        Map<List<Object>, double[]> expected = expectedTenants(trace, cost);
        // Budgets from the trace's own spend (S = a tenant's whole spend; the trace starts 20.875 days
        // into November, so a spend projects to ×1.437 at the end): acme 0.8 S (the projection and
        // then the spend exceed it: warning, then critical), globex 1.1 S (only the projection
        // exceeds it), initech 10 S (never); '' has none.
        Map<String, Double> spend = new TreeMap<>();
        expected.forEach((k, v) -> {
            if ((Long) k.get(1) - (Long) k.get(0) == MINUTE) {
                spend.merge((String) k.get(2), v[7], Double::sum);
            }
        });
        Map<String, Double> budgets = Map.of("acme", 0.8 * spend.get("acme"), "globex", 1.1 * spend.get("globex"),
                "initech", 10 * spend.get("initech"));
        Path budgetsFile = tmp.resolve("budgets.yaml");
        StringBuilder yaml = new StringBuilder("monthly_usd:\n");
        budgets.forEach((client, usd) -> yaml.append("  ").append(client).append(": ").append(usd).append('\n'));
        Files.writeString(budgetsFile, yaml);
        // Parallelism 1 for the CI budget; the other replay tests run the cost windows at 2.
        JobConfig config = JobConfig.defaults().with(Map.of(
                JobConfig.PRICING_FILE.key(), pricing.toString(),
                JobConfig.BUDGETS_FILE.key(), budgetsFile.toString(),
                JobConfig.PARALLELISM.key(), "1"));

        long started = System.nanoTime();
        JobCounts counts = JobCounts.of(KpiJob.replayFile(config, events, POSTGRES.db().jdbc()));
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertThat(counts.records).isEqualTo(lines.size());
        assertThat(counts.deadLetters).as("every event is valid and within the allowed lateness").isZero();
        assertThat(counts.duplicates).isEqualTo(retries);

        Map<List<Object>, double[]> actual = new TreeMap<>(TenantUsageITCase::compareKeys);
        for (Map<String, Object> r : POSTGRES.db().rows("SELECT * FROM kpi.tenant_usage")) {
            actual.put(List.of(millis(r.get("window_start")), millis(r.get("window_end")), r.get("client_id")),
                    new double[] {number(r, "requests"), number(r, "errors"), number(r, "images"),
                            number(r, "prompt_tokens"), number(r, "completion_tokens"), number(r, "llm_usd"),
                            number(r, "allocated_usd"), number(r, "total_usd"), number(r, "usd_per_request")});
        }
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        String[] columns = {"requests", "errors", "images", "prompt_tokens", "completion_tokens", "llm_usd",
                "allocated_usd", "total_usd", "usd_per_request"};
        for (Map.Entry<List<Object>, double[]> e : expected.entrySet()) {
            double[] want = e.getValue();
            double[] got = actual.get(e.getKey());
            for (int i = 0; i < want.length; i++) {
                assertThat(got[i]).as("%s %s", e.getKey(), columns[i])
                        .isCloseTo(want[i], org.assertj.core.api.Assertions.within(Math.abs(want[i]) * RELATIVE + 1e-12));
            }
        }

        // Per window: Σ tenants' total_usd = Σ total_usd of the kpi.cost rows with requests, within
        // half a pico-dollar per row (the allocation's rounding) and the doubles' sums; the rest of
        // the '*' row is overhead (the README's query, for windows of both sizes).
        List<Map<String, Object>> sums = POSTGRES.db().rows("SELECT t.window_start, t.tenants, c.with_requests,"
                + " c.rows_with_requests, c.all_cost - t.tenants AS overhead"
                + " FROM (SELECT window_start, window_end, sum(total_usd) AS tenants FROM kpi.tenant_usage GROUP BY 1, 2) t"
                + " JOIN (SELECT window_start, window_end,"
                + " sum(total_usd) FILTER (WHERE requests > 0 AND model <> '*') AS with_requests,"
                + " count(*) FILTER (WHERE requests > 0 AND model <> '*') AS rows_with_requests,"
                + " sum(total_usd) FILTER (WHERE model = '*') AS all_cost FROM kpi.cost GROUP BY 1, 2) c"
                + " USING (window_start, window_end)");
        assertThat(sums).as("windows with tenants").hasSize(new java.util.HashSet<>(expected.keySet().stream()
                .map(k -> k.subList(0, 2)).toList()).size());
        double worst = 0;
        double overhead = 0;
        for (Map<String, Object> w : sums) {
            double tenants = number(w, "tenants");
            double rows = number(w, "with_requests");
            assertThat(Math.abs(tenants - rows)).as("window %s: tenants %s, cost rows with requests %s",
                    w.get("window_start"), tenants, rows).isLessThanOrEqualTo(0.5e-12 * number(w, "rows_with_requests") + 1e-12);
            assertThat(number(w, "overhead")).isGreaterThan(-1e-12);
            worst = Math.max(worst, Math.abs(tenants - rows));
            overhead += number(w, "overhead");
        }

        assertTenantBudgetEpisodes(expected, budgets);

        // The scenario exercises what it is meant to.
        assertThat(expected.keySet()).extracting(k -> k.get(2)).contains("acme", "globex", "initech", "");
        assertThat(expected.values()).anySatisfy(v -> assertThat(v[1]).as("errors").isPositive());
        assertThat(overhead).as("idle hosting and unallocated Fargate, nobody's").isGreaterThan(1.0);
        assertThat(lateLines(written)).as("lines a minute or more behind the latest ts before them").isGreaterThan(20);
        System.out.println("TenantUsageITCase: " + lines.size() + " lines, " + actual.size() + " kpi.tenant_usage rows,"
                + " replay " + millis + " ms; worst |Σ tenants − Σ cost rows with requests| of a window "
                + worst + " USD; overhead allocated to nobody (both sizes) " + overhead + " USD");
    }

    /**
     * (window_start, window_end, client_id) → {requests, errors, images, prompt, completion, llm,
     * allocated, total, per request}, the slow way: every window of both sizes, every request of
     * the trace in it, and each cost row's hosting + compute (as {@link ExpectedOperations} has it)
     * times the tenant's share of the row's requests.
     */
    private static Map<List<Object>, double[]> expectedTenants(OperationsTrace trace, ExpectedOperations cost) {
        Map<List<Object>, double[]> out = new TreeMap<>(TenantUsageITCase::compareKeys);
        for (long size : new long[] {MINUTE, HOUR}) {
            Map<Long, List<OperationsTrace.Inference>> byWindow = new TreeMap<>();
            for (OperationsTrace.Inference i : trace.inferences) {
                byWindow.computeIfAbsent(Math.floorDiv(i.ts, size) * size, w -> new ArrayList<>()).add(i);
            }
            for (Map.Entry<Long, List<OperationsTrace.Inference>> w : byWindow.entrySet()) {
                long ws = w.getKey();
                Map<List<String>, Long> rowRequests = new HashMap<>();
                for (OperationsTrace.Inference i : w.getValue()) {
                    rowRequests.merge(List.of(i.model, i.endpoint), 1L, Long::sum);
                }
                for (OperationsTrace.Inference i : w.getValue()) {
                    double[] t = out.computeIfAbsent(List.of(ws, ws + size, i.clientId), k -> new double[9]);
                    t[0]++;
                    t[1] += i.status.equals("error") ? 1 : 0;
                    t[2] += i.images;
                    t[3] += i.promptTokens;
                    t[4] += i.completionTokens;
                    double[] price = OperationsTrace.llmUsdPerToken(i.llmModel);
                    t[5] += price == null ? 0 : i.promptTokens * price[0] + i.completionTokens * price[1];
                    double[] row = cost.cost.get(List.of(ws, ws + size, i.model, i.endpoint));
                    t[6] += (row[2] + row[3]) / rowRequests.get(List.of(i.model, i.endpoint)); // (hosting + compute) / requests
                }
            }
        }
        for (double[] t : out.values()) {
            t[7] = t[5] + t[6];
            t[8] = t[7] / t[0];
        }
        return out;
    }

    /**
     * The tenant_budget rule worked out from the expected 1-minute rows, in window order: at each
     * window end of a tenant with a budget, spend = Σ its total_usd so far, projected = spend ÷ the
     * elapsed share of the month (November: 30 days); it fires when the spend or (after the month's
     * first day) the projection exceeds the budget, escalates to critical once the spend does (one
     * more notification), repeats hourly, resolves when neither holds. Compared with each
     * kpi.alerts row's final state, severity, start and notifications.
     */
    private static void assertTenantBudgetEpisodes(Map<List<Object>, double[]> expected, Map<String, Double> budgets)
            throws Exception {
        long monthStart = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
        double monthMs = 30 * 24 * HOUR;
        List<String> want = new ArrayList<>();
        for (Map.Entry<String, Double> b : new TreeMap<>(budgets).entrySet()) {
            double total = 0;
            boolean firing = false;
            boolean critical = false;
            long started = 0;
            long notified = 0;
            int seq = 0;
            for (Map.Entry<List<Object>, double[]> e : expected.entrySet()) { // keys in window order
                List<Object> k = e.getKey();
                if ((Long) k.get(1) - (Long) k.get(0) != MINUTE || !k.get(2).equals(b.getKey())) {
                    continue;
                }
                long at = (Long) k.get(1);
                total += e.getValue()[7];
                double projected = total / ((at - monthStart) / monthMs);
                boolean exceeded = total > b.getValue();
                boolean holds = exceeded || (at - monthStart >= 24 * HOUR && projected > b.getValue());
                if (!firing && holds) {
                    firing = true;
                    started = at;
                    notified = at;
                    seq = 1;
                    critical = exceeded;
                } else if (firing && !holds) {
                    want.add(b.getKey() + " resolved " + (critical ? "critical" : "warning") + " from " + started + " #" + (seq + 1));
                    firing = false;
                    critical = false;
                } else if (firing) {
                    if (exceeded && !critical) {
                        critical = true;
                        seq++;
                        notified = at;
                    } else if (at - notified >= HOUR) {
                        seq++;
                        notified = at;
                    }
                }
            }
            if (firing) {
                want.add(b.getKey() + " firing " + (critical ? "critical" : "warning") + " from " + started + " #" + seq);
            }
        }
        assertThat(want).as("acme escalates, globex only warns").anyMatch(w -> w.startsWith("acme") && w.contains("critical"))
                .anyMatch(w -> w.startsWith("globex") && w.contains("warning")).noneMatch(w -> w.startsWith("initech"));
        List<String> got = new ArrayList<>();
        for (Map<String, Object> r : POSTGRES.db().rows("SELECT labels->>'client_id' AS client, state, severity, started_at,"
                + " notify_seq FROM kpi.alerts WHERE rule = 'tenant_budget' ORDER BY 1, started_at")) {
            got.add(r.get("client") + " " + r.get("state") + " " + r.get("severity") + " from " + millis(r.get("started_at"))
                    + " #" + r.get("notify_seq"));
        }
        assertThat(got).containsExactlyElementsOf(want);
        System.out.println("TenantUsageITCase tenant_budget: " + got);
    }

    /** Lines whose ts is a minute or more behind the latest ts of the lines before them: late, re-firing windows. */
    private static int lateLines(List<String> lines) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        long latest = Long.MIN_VALUE;
        int late = 0;
        for (String line : lines) {
            com.fasterxml.jackson.databind.JsonNode ts = json.readTree(line).get("ts");
            long t = ts.isNumber() ? ts.asLong() : Instant.parse(ts.asText()).toEpochMilli();
            late += t <= latest - MINUTE ? 1 : 0;
            latest = Math.max(latest, t);
        }
        return late;
    }

    private static double number(Map<String, Object> row, String column) {
        return ((Number) row.get(column)).doubleValue();
    }

    private static long millis(Object timestamp) {
        if (timestamp instanceof OffsetDateTime) {
            return ((OffsetDateTime) timestamp).toInstant().toEpochMilli();
        }
        return ((java.util.Date) timestamp).getTime();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareKeys(List<Object> a, List<Object> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = ((Comparable) a.get(i)).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }
}
