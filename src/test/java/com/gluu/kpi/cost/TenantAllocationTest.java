package com.gluu.kpi.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.gluu.kpi.events.InferenceStatus;
import com.gluu.kpi.pipeline.KeyCap;
import com.gluu.kpi.traffic.TrafficObservation;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * A window's {@code kpi.tenant_usage} rows from its cost inputs, through {@link CostAllocation}
 * and {@link TenantAllocation} as the cost window runs them. Every expected number is worked out
 * by hand in the comments; the dollars are exact (whole pico-dollars, rounded once), so most are
 * compared with {@code isEqualTo}.
 */
class TenantAllocationTest {
    private static final long START = 1_795_325_880_000L; // 2026-11-22T05:38:00Z
    private static final long END = START + 60_000;

    /**
     * blip2@blip2-endpoint: acme's 3 requests ($0.003 of tokens, one error, 2 images, 3 000 + 300
     * tokens) and globex's 1 ($0.001, 1 image, 1 000 + 100 tokens), hosting $0.40, no Fargate
     * (analyze-api has no tasks). gemini without endpoint: 2 requests without client_id (tenant
     * ''), no tokens, and all of annotate-worker's $0.06 Fargate (its only requests). Overhead:
     * llava-endpoint's idle $0.25 and thumbnail-worker's $0.01 without requests (row '').
     */
    private static List<CostInput> window() {
        List<CostInput> inputs = new ArrayList<>();
        inputs.add(requests("analyze-api", "blip2", "blip2-endpoint", 4, 4_000_000_000L));
        inputs.add(requests("annotate-worker", "gemini-1.5-flash", "", 2, 0));
        inputs.add(CostInput.hosting("blip2", "blip2-endpoint", 0.40));
        inputs.add(CostInput.hosting("llava", "llava-endpoint", 0.25));
        inputs.add(CostInput.compute("annotate-worker", 0.06));
        inputs.add(CostInput.compute("thumbnail-worker", 0.01));
        inputs.add(tenant("acme", "blip2", "blip2-endpoint", 3, 3_000_000_000L, 1, 2, 3_000, 300));
        inputs.add(tenant("globex", "blip2", "blip2-endpoint", 1, 1_000_000_000L, 0, 1, 1_000, 100));
        inputs.add(tenant("", "gemini-1.5-flash", "", 2, 0, 0, 0, 0, 0));
        return inputs;
    }

    private static List<TenantUsageRow> allocate(List<CostInput> inputs) {
        return TenantAllocation.rows(START, END, inputs, CostAllocation.rows(START, END, inputs));
    }

    @Test
    void eachTenantGetsItsShareByRequestsOfTheRowsItsRequestsFellIn() {
        List<TenantUsageRow> rows = allocate(window());

        assertThat(rows).extracting(r -> r.clientId).containsExactly("", "acme", "globex");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.windowStart).isEqualTo(START);
            assertThat(r.windowEnd).isEqualTo(END);
        });
        // blip2's $0.40 hosting: acme 3/4 = $0.30, globex 1/4 = $0.10.
        TenantUsageRow acme = rows.get(1);
        assertThat(acme.requests).isEqualTo(3);
        assertThat(acme.errors).isEqualTo(1);
        assertThat(acme.images).isEqualTo(2);
        assertThat(acme.promptTokens).isEqualTo(3_000);
        assertThat(acme.completionTokens).isEqualTo(300);
        assertThat(acme.llmUsd).isEqualTo(0.003);
        assertThat(acme.allocatedUsd).isEqualTo(0.30);
        assertThat(acme.totalUsd).isEqualTo(0.303);
        assertThat(acme.usdPerRequest).isEqualTo(0.303 / 3);
        TenantUsageRow globex = rows.get(2);
        assertThat(globex.requests).isEqualTo(1);
        assertThat(globex.errors).isZero();
        assertThat(globex.llmUsd).isEqualTo(0.001);
        assertThat(globex.allocatedUsd).isEqualTo(0.10);
        assertThat(globex.totalUsd).isEqualTo(0.101);
        assertThat(globex.usdPerRequest).isEqualTo(0.101);
        // Requests without client_id are tenant '': all of gemini's $0.06 Fargate.
        TenantUsageRow none = rows.get(0);
        assertThat(none.requests).isEqualTo(2);
        assertThat(none.llmUsd).isZero();
        assertThat(none.allocatedUsd).isEqualTo(0.06);
        assertThat(none.totalUsd).isEqualTo(0.06);
        assertThat(none.usdPerRequest).isEqualTo(0.03);
    }

    @Test
    void rowsWithoutRequestsAreOverheadAllocatedToNobody() {
        List<CostInput> inputs = window();
        List<CostRow> cost = CostAllocation.rows(START, END, inputs);
        List<TenantUsageRow> rows = TenantAllocation.rows(START, END, inputs, cost);

        // The window costs $0.724 ('*': $0.004 tokens + $0.65 hosting + $0.07 Fargate); the idle
        // llava-endpoint ($0.25) and the '' Fargate row ($0.01) are nobody's: tenants get $0.464,
        // which is blip2's $0.404 + gemini's $0.06, the cost rows with requests.
        assertThat(cost.get(cost.size() - 1).totalUsd).isEqualTo(0.724);
        double tenants = rows.stream().mapToDouble(r -> r.totalUsd).sum();
        double withRequests = cost.stream().filter(r -> r.requests > 0 && !r.model.equals(CostAllocation.TOTAL))
                .mapToDouble(r -> r.totalUsd).sum();
        // (Each value is exact to the pico-dollar; only adding the doubles up rounds, in the 17th digit.)
        assertThat(withRequests).isCloseTo(0.464, within(1e-15));
        assertThat(tenants).isCloseTo(0.464, within(1e-15));
        assertThat(rows.stream().mapToDouble(r -> r.allocatedUsd).sum()).isCloseTo(0.46, within(1e-15));

        // A window of idle hosting alone: cost rows, no tenant rows.
        List<CostInput> idle = List.of(CostInput.hosting("llava", "llava-endpoint", 0.25));
        assertThat(TenantAllocation.rows(START, END, idle, CostAllocation.rows(START, END, idle))).isEmpty();
    }

    @Test
    void tenantsBeyondTheKeyCapCountUnderOtherAndStillGetTheirShare() throws Exception {
        // At most 2 (client_id, model, endpoint) per window: acme and globex get theirs, initech's
        // 2 requests go to ~other. blip2's $0.60 over 6 requests: acme 3 → $0.30, globex 1 →
        // $0.10, ~other 2 → $0.20.
        List<CostInput> capped = new ArrayList<>();
        try (var cap = new OneInputStreamOperatorTestHarness<>(new KeyCap<>("kpi.tenant_usage",
                List.of(Duration.ofMinutes(1), Duration.ofHours(1)), Duration.ofMinutes(5), 2, new CostKpis.TenantCap()))) {
            cap.open();
            cap.processElement(requests("analyze-api", "blip2", "blip2-endpoint", 6, 0), END - 1);
            cap.processElement(CostInput.hosting("blip2", "blip2-endpoint", 0.60), END - 1);
            cap.processElement(tenant("acme", "blip2", "blip2-endpoint", 3, 0, 0, 0, 0, 0), END - 1);
            cap.processElement(tenant("globex", "blip2", "blip2-endpoint", 1, 0, 0, 0, 0, 0), END - 1);
            cap.processElement(tenant("initech", "blip2", "blip2-endpoint", 2, 0, 1, 5, 20, 2), END - 1);
            capped.addAll(cap.extractOutputValues());
        }
        assertThat(capped).extracting(c -> c.tenant == null ? c.kind : c.tenant.clientId)
                .containsExactly("requests", "hosting", "acme", "globex", KeyCap.OTHER);

        List<TenantUsageRow> rows = allocate(capped);
        assertThat(rows).extracting(r -> r.clientId).containsExactly("acme", "globex", KeyCap.OTHER);
        assertThat(rows).extracting(r -> r.allocatedUsd).containsExactly(0.30, 0.10, 0.20);
        TenantUsageRow other = rows.get(2);
        assertThat(other.requests).isEqualTo(2);
        assertThat(other.errors).isEqualTo(1);
        assertThat(other.images).isEqualTo(5);
        assertThat(other.promptTokens).isEqualTo(20);
        assertThat(other.completionTokens).isEqualTo(2);
    }

    @Test
    void theRoundingResidueGoesToTheLargestRemaindersThenTheSmallerClientId() {
        // 10 units over a:1, b:2 (N = 3): a 10/3 = 3 rest 1, b 20/3 = 6 rest 2; the unit left goes to b.
        assertThat(TenantAllocation.split(BigInteger.TEN, new TreeMap<>(Map.of("a", 1L, "b", 2L))))
                .isEqualTo(Map.of("a", BigInteger.valueOf(3), "b", BigInteger.valueOf(7)));
        // $0.01 = 10^10 pico-dollars over three equal tenants: 3 333 333 333 rest 1 each; the one
        // left goes to the first client_id.
        assertThat(TenantAllocation.split(BigInteger.TEN.pow(10), new TreeMap<>(Map.of("x", 1L, "y", 1L, "z", 1L))))
                .isEqualTo(Map.of("x", BigInteger.valueOf(3_333_333_334L), "y", BigInteger.valueOf(3_333_333_333L),
                        "z", BigInteger.valueOf(3_333_333_333L)));

        // Through the window: the three shares of $0.01 are those pico-dollars, and add up to it.
        List<CostInput> inputs = new ArrayList<>();
        inputs.add(requests("analyze-api", "blip2", "blip2-endpoint", 3, 0));
        inputs.add(CostInput.hosting("blip2", "blip2-endpoint", 0.01));
        for (String client : new String[] {"z", "x", "y"}) {
            inputs.add(tenant(client, "blip2", "blip2-endpoint", 1, 0, 0, 0, 0, 0));
        }
        List<TenantUsageRow> rows = allocate(inputs);
        assertThat(rows).extracting(r -> r.allocatedUsd).containsExactly(0.003333333334, 0.003333333333, 0.003333333333);
        assertThat(rows.stream().mapToLong(r -> Math.round(r.allocatedUsd * 1e12)).sum()).isEqualTo(10_000_000_000L);
    }

    /**
     * 300 random windows (1–5 rows, some idle, 1–8 tenants, hosting and Fargate at random, inputs
     * shuffled): per window, the tenants' allocated pico-dollars add up exactly to the rows'
     * hosting + compute rounded to the pico-dollar, over the rows with requests; their total_usd
     * to those rows' total_usd within half a pico-dollar per row (that rounding) + 10^-13 (adding
     * doubles up); and the same inputs in another order give the same rows, to the bit.
     */
    @Test
    void theTenantsOfAWindowAddUpToItsCostRowsWithRequests() {
        Random random = new Random(12);
        for (int w = 0; w < 300; w++) {
            List<CostInput> inputs = new ArrayList<>();
            int rowCount = 1 + random.nextInt(5);
            for (int r = 0; r < rowCount; r++) {
                String model = "m" + r;
                String endpoint = r % 2 == 0 ? "ep-" + r : "";
                if (random.nextInt(4) > 0) {
                    inputs.add(CostInput.hosting(model, endpoint, random.nextInt(100_000) * 1e-5 + random.nextDouble() * 1e-3));
                }
                if (r > 0 && random.nextInt(3) == 0) {
                    continue; // an idle row (or no row at all)
                }
                Map<String, Long> byService = new HashMap<>();
                int tenants = 1 + random.nextInt(8);
                for (int t = 0; t < tenants; t++) {
                    long n = 1 + random.nextInt(50);
                    long llm = random.nextInt(3_000_000) * 1_000L;
                    inputs.add(tenant(t == 0 ? "" : "t" + t, model, endpoint, n, llm, 0, 0, 0, 0));
                    String service = "s" + random.nextInt(3);
                    inputs.add(requests(service, model, endpoint, n, llm));
                    byService.merge(service, n, Long::sum);
                }
            }
            for (int s = 0; s < 4; s++) {
                inputs.add(CostInput.compute("s" + s, random.nextDouble() * 0.01));
            }
            java.util.Collections.shuffle(inputs, random);

            List<CostRow> cost = CostAllocation.rows(START, END, inputs);
            List<TenantUsageRow> rows = TenantAllocation.rows(START, END, inputs, cost);
            long rowsPico = 0;
            double rowsTotal = 0;
            int rowsWithRequests = 0;
            for (CostRow r : cost) {
                if (r.requests > 0 && !r.model.equals(CostAllocation.TOTAL)) {
                    rowsPico += TenantAllocation.picoUsd(r.hostingUsd, r.computeUsd).longValueExact();
                    rowsTotal += r.totalUsd;
                    rowsWithRequests++;
                }
            }
            long tenantsPico = rows.stream().mapToLong(r -> Math.round(r.allocatedUsd * 1e12)).sum();
            double tenantsTotal = rows.stream().mapToDouble(r -> r.totalUsd).sum();
            assertThat(tenantsPico).as("window %d: allocated pico-dollars", w).isEqualTo(rowsPico);
            assertThat(Math.abs(tenantsTotal - rowsTotal)).as("window %d: total_usd", w)
                    .isLessThanOrEqualTo(0.5e-12 * rowsWithRequests + 1e-13);

            List<CostInput> reversed = new ArrayList<>(inputs);
            java.util.Collections.reverse(reversed);
            List<TenantUsageRow> again = TenantAllocation.rows(START, END, reversed, CostAllocation.rows(START, END, reversed));
            assertThat(again).usingRecursiveFieldByFieldElementComparator().isEqualTo(rows);
        }
    }

    @Test
    void theTenantPartialFoldsOneTenantsRequestsToOneRow() {
        CostKpis.PerTenant perTenant = new CostKpis.PerTenant();
        TrafficObservation ok = observation(InferenceStatus.OK, 2, 1_000, 100, 3_500_000_000L);
        TrafficObservation failed = observation(InferenceStatus.ERROR, 0, 0, 0, 0);
        TrafficObservation rejected = observation(InferenceStatus.CLIENT_ERROR, 5, 10, 0, 25_000_000L);

        assertThat(perTenant.key(ok)).isEqualTo(perTenant.key(rejected));
        CostInput p = perTenant.create(ok);
        for (TrafficObservation o : List.of(ok, failed, rejected)) {
            perTenant.add(p, o);
        }
        assertThat(p.kind).isEqualTo(CostInput.TENANT);
        assertThat(p.tenant.clientId).isEqualTo("acme");
        assertThat(p.model + "@" + p.endpoint).isEqualTo("blip2@blip2-endpoint");
        assertThat(p.requests).isEqualTo(3);
        assertThat(p.tenant.errors).as("status error only, as kpi.traffic's errors").isEqualTo(1);
        assertThat(p.tenant.images).isEqualTo(7);
        assertThat(p.tenant.promptTokens).isEqualTo(1_010);
        assertThat(p.tenant.completionTokens).isEqualTo(100);
        assertThat(p.llmPicoUsd).isEqualTo(3_525_000_000L);
    }

    private static TrafficObservation observation(InferenceStatus status, int images, long prompt, long completion,
            long llmPico) {
        TrafficObservation o = new TrafficObservation();
        o.service = "analyze-api";
        o.route = "/analyze";
        o.model = "blip2";
        o.endpoint = "blip2-endpoint";
        o.clientId = "acme";
        o.status = status;
        o.images = images;
        o.promptTokens = prompt;
        o.completionTokens = completion;
        o.llmPicoUsd = llmPico;
        return o;
    }

    private static CostInput requests(String service, String model, String endpoint, long n, long llmPico) {
        CostInput c = new CostInput();
        c.kind = CostInput.REQUESTS;
        c.service = service;
        c.model = model;
        c.endpoint = endpoint;
        c.requests = n;
        c.llmPicoUsd = llmPico;
        return c;
    }

    private static CostInput tenant(String client, String model, String endpoint, long n, long llmPico, long errors,
            long images, long prompt, long completion) {
        CostInput c = CostInput.tenant(client, model, endpoint);
        c.requests = n;
        c.llmPicoUsd = llmPico;
        c.tenant.errors = errors;
        c.tenant.images = images;
        c.tenant.promptTokens = prompt;
        c.tenant.completionTokens = completion;
        return c;
    }
}
