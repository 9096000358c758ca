package com.gluu.kpi.cost;

import com.gluu.kpi.pipeline.WideSum;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns everything a window cost into its {@code kpi.cost} rows (SPEC §4):
 *
 * <ul>
 *   <li>one row per (model, endpoint) that had requests or hosting cost: its requests, LLM cost,
 *       hosting cost, and a share of each ECS service's Fargate cost in proportion to that
 *       service's requests to the row;
 *   <li>a row with model and endpoint {@code ''} for the Fargate cost of services with no
 *       request in the window (nothing to split it over);
 *   <li>a row with model and endpoint {@code '*'}: the window's whole cost, its cost per
 *       inference, and {@code idle_hosting_usd}, the hosting cost of rows without requests.
 * </ul>
 *
 * <p>Hosting and compute inputs (doubles) are summed in a fixed order (sorted); requests and
 * LLM pico-dollars are integers, exact in any order. So the same inputs give bit-identical rows
 * whatever order they arrived in.
 */
public final class CostAllocation {
    public static final String TOTAL = "*";
    public static final String UNALLOCATED = "";
    private static final long PICO_PER_USD = 1_000_000_000_000L;

    /**
     * The fixed order the hosting and compute inputs are summed in: kind, service, model,
     * endpoint, requests, LLM pico-dollars, usd. Written out rather than chained from {@code
     * Comparator.comparing}: every (re-)firing of a window sorts with it, and when it sorted all
     * inputs the chain of lambdas was the replay's hottest frame (issue 16).
     */
    private static final Comparator<CostInput> ORDER = CostAllocation::compareInputs;

    private static int compareInputs(CostInput a, CostInput b) {
        int c = a.kind.compareTo(b.kind);
        if (c != 0) {
            return c;
        }
        c = a.service.compareTo(b.service);
        if (c != 0) {
            return c;
        }
        c = a.model.compareTo(b.model);
        if (c != 0) {
            return c;
        }
        c = a.endpoint.compareTo(b.endpoint);
        if (c != 0) {
            return c;
        }
        c = Long.compare(a.requests, b.requests);
        if (c != 0) {
            return c;
        }
        c = Long.compare(a.llmPicoUsdHigh, b.llmPicoUsdHigh);
        if (c != 0) {
            return c;
        }
        c = Long.compare(a.llmPicoUsd, b.llmPicoUsd);
        return c != 0 ? c : Double.compare(a.usd, b.usd);
    }

    private CostAllocation() {}

    public static List<CostRow> rows(long windowStart, long windowEnd, Iterable<CostInput> window) {
        // Only the double sums (hosting, compute) depend on the order of their terms; requests and
        // pico-dollars are exact whatever the order. So only those inputs are sorted (into the
        // same relative order a sort of all of them gives): a window re-fired by late inputs does
        // not sort its thousands of request and tenant inputs again (issue 16).
        List<CostInput> inputs = new ArrayList<>();
        List<CostInput> doubles = new ArrayList<>();
        for (CostInput c : window) {
            (CostInput.HOSTING.equals(c.kind) || CostInput.COMPUTE.equals(c.kind) ? doubles : inputs).add(c);
        }
        doubles.sort(ORDER);
        inputs.addAll(doubles);

        Map<List<String>, Long> requests = new TreeMap<>(CostAllocation::compareKeys);
        // Exact Σ pico-dollars per row as {high, low} (a WideSum: a long could wrap, see TrafficCounts).
        Map<List<String>, long[]> llmPico = new TreeMap<>(CostAllocation::compareKeys);
        Map<List<String>, Double> hosting = new TreeMap<>(CostAllocation::compareKeys);
        Map<String, Map<List<String>, Long>> requestsByService = new TreeMap<>();
        Map<String, Double> computeByService = new TreeMap<>();
        for (CostInput c : inputs) {
            List<String> row = List.of(c.model, c.endpoint);
            switch (c.kind) {
                case CostInput.REQUESTS:
                    requests.merge(row, c.requests, Long::sum);
                    long[] sum = llmPico.computeIfAbsent(row, k -> new long[2]);
                    sum[0] = WideSum.high(sum[0], sum[1], c.llmPicoUsdHigh, c.llmPicoUsd);
                    sum[1] = WideSum.low(sum[1], c.llmPicoUsd);
                    requestsByService.computeIfAbsent(c.service, s -> new TreeMap<>(CostAllocation::compareKeys))
                            .merge(row, c.requests, Long::sum);
                    break;
                case CostInput.HOSTING:
                    hosting.merge(row, c.usd, Double::sum);
                    break;
                case CostInput.COMPUTE:
                    computeByService.merge(c.service, c.usd, Double::sum);
                    break;
                case CostInput.TENANT:
                    break; // the same requests again, per tenant: kpi.tenant_usage's (TenantAllocation)
                default:
                    throw new IllegalArgumentException("unknown cost input kind " + c.kind);
            }
        }

        Map<List<String>, CostRow> rows = new TreeMap<>(CostAllocation::compareKeys);
        for (List<String> key : requests.keySet()) {
            CostRow r = row(rows, key, windowStart, windowEnd);
            r.requests = requests.get(key);
            long[] pico = llmPico.get(key);
            r.llmUsd = WideSum.ratio(pico[0], pico[1], 1, PICO_PER_USD);
        }
        hosting.forEach((key, usd) -> row(rows, key, windowStart, windowEnd).hostingUsd = usd);

        double unallocated = 0;
        boolean anyUnallocated = false;
        for (Map.Entry<String, Double> service : computeByService.entrySet()) {
            Map<List<String>, Long> byRow = requestsByService.get(service.getKey());
            long serviceRequests = byRow == null ? 0 : byRow.values().stream().mapToLong(Long::longValue).sum();
            if (serviceRequests == 0) {
                unallocated += service.getValue();
                anyUnallocated = true;
                continue;
            }
            for (Map.Entry<List<String>, Long> share : byRow.entrySet()) {
                rows.get(share.getKey()).computeUsd += service.getValue() * share.getValue() / serviceRequests;
            }
        }
        if (anyUnallocated) {
            row(rows, List.of(UNALLOCATED, UNALLOCATED), windowStart, windowEnd).computeUsd = unallocated;
        }

        CostRow total = newRow(windowStart, windowEnd, TOTAL, TOTAL);
        total.idleHostingUsd = 0;
        for (CostRow r : rows.values()) {
            r.totalUsd = r.llmUsd + r.hostingUsd + r.computeUsd;
            r.usdPerInference = r.requests == 0 ? Double.NaN : r.totalUsd / r.requests;
            total.requests += r.requests;
            total.llmUsd += r.llmUsd;
            total.hostingUsd += r.hostingUsd;
            if (r.requests == 0) {
                total.idleHostingUsd += r.hostingUsd;
            }
        }
        // The whole Fargate cost, not the sum of its shares (which may differ in the last bit).
        total.computeUsd = computeByService.values().stream().mapToDouble(Double::doubleValue).sum();
        total.totalUsd = total.llmUsd + total.hostingUsd + total.computeUsd;
        total.usdPerInference = total.requests == 0 ? Double.NaN : total.totalUsd / total.requests;

        List<CostRow> out = new ArrayList<>(rows.values());
        out.add(total);
        return out;
    }

    private static CostRow row(Map<List<String>, CostRow> rows, List<String> key, long start, long end) {
        return rows.computeIfAbsent(key, k -> newRow(start, end, k.get(0), k.get(1)));
    }

    private static CostRow newRow(long start, long end, String model, String endpoint) {
        CostRow r = new CostRow();
        r.windowStart = start;
        r.windowEnd = end;
        r.model = model;
        r.endpoint = endpoint;
        return r;
    }

    private static int compareKeys(List<String> a, List<String> b) {
        int c = a.get(0).compareTo(b.get(0));
        return c != 0 ? c : a.get(1).compareTo(b.get(1));
    }
}
