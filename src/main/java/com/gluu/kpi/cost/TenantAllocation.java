package com.gluu.kpi.cost;

import com.gluu.kpi.pipeline.WideSum;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Turns a window's tenant inputs and its {@code kpi.cost} rows into its {@code kpi.tenant_usage}
 * rows (SPEC §4), one per tenant with requests in the window.
 *
 * <p>A tenant's {@code requests}, {@code errors}, {@code images} and tokens are the sums of its
 * inputs, and {@code llm_usd} the exact sum of its requests' LLM pico-dollars, priced as the cost
 * rows' are. {@code allocated_usd} is its share of each cost row's hosting + compute: a row with
 * requests is split over the tenants whose requests it holds, in proportion to their requests;
 * a row without requests (an idle endpoint, the unallocated Fargate row {@code ''}) is overhead
 * and goes to nobody, and the {@code '*'} row is no row of its own.
 *
 * <p><b>Rounding.</b> The split is exact, in whole pico-dollars, by the largest remainder: the
 * row's hosting + compute (the two doubles of the row, added exactly) rounded to the nearest
 * pico-dollar (half even) is {@code U}; a tenant with {@code n} of the row's {@code N} tenant
 * requests gets ⌊U·n/N⌋, and the pico-dollars left over (fewer than the row's tenants) go one each
 * to the tenants with the largest remainders {@code U·n mod N}, equal remainders to the smaller
 * {@code client_id}. So the shares of a row add up to {@code U} exactly, in any input order, and a
 * replay writes the same rows. A tenant's {@code allocated_usd} and {@code total_usd} (llm +
 * allocated) are its exact pico-dollar sums, each rounded once to a double. The {@code total_usd}
 * of a window's tenants therefore adds up to the {@code total_usd} of its cost rows with requests
 * within half a pico-dollar per row plus the doubles' rounding of the sums.
 *
 * <p>{@code N} is the tenants' requests on the row, which is the row's {@code requests}: both
 * come from the same deduplicated inferences, and the cost key cap gives a tenant input the
 * verdict of the requests of its (model, endpoint) (see {@code CostKpis}).
 */
public final class TenantAllocation {
    private static final long PICO_PER_USD = 1_000_000_000_000L;
    private static final BigInteger LOW_BITS = BigInteger.valueOf(WideSum.LOW_BITS);

    private TenantAllocation() {}

    /** What one tenant's inputs add up to, and its allocation in pico-dollars. */
    private static final class Usage {
        final TenantUsageRow row = new TenantUsageRow();
        long llmHigh;
        long llmLow;
        BigInteger allocated = BigInteger.ZERO;
    }

    /**
     * @param window every input of the window (only the tenant inputs are read)
     * @param costRows the window's {@code kpi.cost} rows, from {@link CostAllocation#rows}
     */
    public static List<TenantUsageRow> rows(long windowStart, long windowEnd, Iterable<CostInput> window,
            List<CostRow> costRows) {
        Map<String, Usage> tenants = new TreeMap<>();
        Map<List<String>, SortedMap<String, Long>> requestsByRow = new TreeMap<>(TenantAllocation::compareRows);
        for (CostInput c : window) {
            if (!CostInput.TENANT.equals(c.kind)) {
                continue;
            }
            String client = c.tenant.clientId;
            Usage u = tenants.computeIfAbsent(client, k -> new Usage());
            u.row.requests += c.requests;
            u.row.errors += c.tenant.errors;
            u.row.images += c.tenant.images;
            u.row.promptTokens += c.tenant.promptTokens;
            u.row.completionTokens += c.tenant.completionTokens;
            u.llmHigh = WideSum.high(u.llmHigh, u.llmLow, c.llmPicoUsdHigh, c.llmPicoUsd);
            u.llmLow = WideSum.low(u.llmLow, c.llmPicoUsd);
            requestsByRow.computeIfAbsent(List.of(c.model, c.endpoint), k -> new TreeMap<>())
                    .merge(client, c.requests, Long::sum);
        }
        if (tenants.isEmpty()) {
            return List.of();
        }
        for (CostRow row : costRows) {
            boolean total = CostAllocation.TOTAL.equals(row.model) && CostAllocation.TOTAL.equals(row.endpoint);
            SortedMap<String, Long> byTenant = requestsByRow.get(List.of(row.model, row.endpoint));
            if (total || row.requests == 0 || byTenant == null) {
                continue;
            }
            split(picoUsd(row.hostingUsd, row.computeUsd), byTenant)
                    .forEach((client, pico) -> tenants.get(client).allocated = tenants.get(client).allocated.add(pico));
        }

        List<TenantUsageRow> rows = new ArrayList<>();
        for (Map.Entry<String, Usage> e : tenants.entrySet()) {
            Usage u = e.getValue();
            TenantUsageRow r = u.row;
            r.windowStart = windowStart;
            r.windowEnd = windowEnd;
            r.clientId = e.getKey();
            r.llmUsd = WideSum.ratio(u.llmHigh, u.llmLow, 1, PICO_PER_USD);
            r.allocatedUsd = usd(u.allocated);
            r.totalUsd = usd(WideSum.toBigInteger(u.llmHigh, u.llmLow).add(u.allocated));
            r.usdPerRequest = r.totalUsd / r.requests;
            rows.add(r);
        }
        return rows;
    }

    /**
     * {@code units} split in proportion to {@code weights} (all positive), exactly: floors, then
     * one more unit each to the largest remainders, equal remainders in key order.
     */
    static Map<String, BigInteger> split(BigInteger units, SortedMap<String, Long> weights) {
        long total = 0;
        for (long w : weights.values()) {
            total = Math.addExact(total, w);
        }
        BigInteger n = BigInteger.valueOf(total);
        Map<String, BigInteger> shares = new TreeMap<>();
        List<Map.Entry<String, BigInteger>> remainders = new ArrayList<>();
        BigInteger left = units;
        for (Map.Entry<String, Long> w : weights.entrySet()) {
            BigInteger[] qr = units.multiply(BigInteger.valueOf(w.getValue())).divideAndRemainder(n);
            shares.put(w.getKey(), qr[0]);
            remainders.add(Map.entry(w.getKey(), qr[1]));
            left = left.subtract(qr[0]);
        }
        // Stable: equal remainders keep the key order of weights.
        remainders.sort(Comparator.comparing((Map.Entry<String, BigInteger> r) -> r.getValue()).reversed());
        for (int i = 0; left.signum() > 0; i++, left = left.subtract(BigInteger.ONE)) {
            shares.merge(remainders.get(i).getKey(), BigInteger.ONE, BigInteger::add);
        }
        return shares;
    }

    /** {@code a + b} USD (exactly) in whole pico-dollars, to the nearest (half even). */
    static BigInteger picoUsd(double a, double b) {
        return new BigDecimal(a).add(new BigDecimal(b)).movePointRight(12).setScale(0, RoundingMode.HALF_EVEN)
                .toBigIntegerExact();
    }

    /** Pico-dollars (≥ 0) as the nearest double in USD. */
    private static double usd(BigInteger pico) {
        return WideSum.ratio(pico.shiftRight(63).longValueExact(), pico.and(LOW_BITS).longValue(), 1, PICO_PER_USD);
    }

    private static int compareRows(List<String> a, List<String> b) {
        int c = a.get(0).compareTo(b.get(0));
        return c != 0 ? c : a.get(1).compareTo(b.get(1));
    }
}
