package com.gluu.kpi.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.config.PricingTable;
import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.events.InferenceStatus;
import com.gluu.kpi.traffic.TrafficCounts;
import com.gluu.kpi.traffic.TrafficObservation;
import com.gluu.kpi.traffic.TrafficPartial;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LLM cost cannot wrap: a request of 10^8 + 10^8 tokens (the parser's limit) at the dearest
 * price, and windows of many such requests, are priced and summed exactly in pico-dollars.
 */
class LlmCostSumTest {
    private static final BigInteger TWO_TO_63 = BigInteger.ONE.shiftLeft(63);
    private static final long MAX_TOKENS = 100_000_000L;

    @TempDir
    Path dir;

    /** gpt-4o at list price; "dear" at o1-pro's $150 / $600; "absurd" at $10^12 per 1M tokens (10^18 pico-dollars a token). */
    private PricingTable prices() throws Exception {
        Path file = dir.resolve("pricing.yaml");
        Files.writeString(file, "llm:\n"
                + "  gpt-4o: {input: 2.50, output: 10.00}\n"
                + "  dear: {input: 150, output: 600}\n"
                + "  absurd: {input: 1.0e12, output: 1.0e12}\n");
        return PricingTable.load(file);
    }

    private static InferenceEvent request(String llmModel, long prompt, long completion) {
        InferenceEvent e = new InferenceEvent();
        e.requestId = "r";
        e.service = "analyze-api";
        e.model = "blip2";
        e.endpoint = "blip2-endpoint";
        e.status = InferenceStatus.OK;
        e.llmModel = llmModel;
        e.promptTokens = prompt;
        e.completionTokens = completion;
        return e;
    }

    private static BigInteger pico(TrafficObservation o) {
        return BigInteger.valueOf(o.llmPicoUsdHigh).multiply(TWO_TO_63).add(BigInteger.valueOf(o.llmPicoUsd));
    }

    @Test
    void maxTokenRequestsArePricedExactly() throws Exception {
        RequestCosts costs = new RequestCosts(prices());

        // gpt-4o: 10^8 × 2.5 · 10^6 + 10^8 × 10^7 = 2.5 · 10^14 + 10^15 = 1.25 · 10^15 pico-dollars ($1,250).
        TrafficObservation gpt = costs.map(request("gpt-4o", MAX_TOKENS, MAX_TOKENS));
        assertThat(gpt.llmPicoUsdHigh).isZero();
        assertThat(gpt.llmPicoUsd).isEqualTo(1_250_000_000_000_000L);
        // dear: 10^8 × 1.5 · 10^8 + 10^8 × 6 · 10^8 = 7.5 · 10^16 ($75,000): still a plain long.
        TrafficObservation dear = costs.map(request("dear", MAX_TOKENS, MAX_TOKENS));
        assertThat(dear.llmPicoUsdHigh).isZero();
        assertThat(dear.llmPicoUsd).isEqualTo(75_000_000_000_000_000L);
        // absurd: 2 × 10^8 × 10^18 = 2 · 10^26, far past a long, yet exact.
        TrafficObservation absurd = costs.map(request("absurd", MAX_TOKENS, MAX_TOKENS));
        assertThat(pico(absurd)).isEqualTo(new BigInteger("200000000000000000000000000"));
        assertThat(absurd.llmPicoUsdHigh).isPositive();
    }

    @Test
    void aWindowOfDearMaxTokenRequestsPastLongMaxHasTheExactLlmCost() throws Exception {
        RequestCosts costs = new RequestCosts(prices());
        TrafficPartial.Aggregation aggregation = new TrafficPartial.Aggregation();
        // 1,000 requests of $75,000 = $75,000,000 = 7.5 · 10^19 pico-dollars > 2^63 − 1 ≈ 9.22 · 10^18,
        // pre-aggregated in partials of 1 … 99 requests, as the slot pre-aggregation would.
        Random random = new Random(5);
        List<TrafficPartial> partials = new ArrayList<>();
        for (int done = 0; done < 1_000;) {
            TrafficObservation first = costs.map(request("dear", MAX_TOKENS, MAX_TOKENS));
            TrafficPartial p = aggregation.create(first);
            aggregation.add(p, first);
            done++;
            for (int more = random.nextInt(99); more > 0 && done < 1_000; more--, done++) {
                aggregation.add(p, costs.map(request("dear", MAX_TOKENS, MAX_TOKENS)));
            }
            partials.add(p);
        }
        TrafficCounts merged = new TrafficCounts();
        partials.forEach(p -> merged.merge(p.counts));
        TrafficPartial window = aggregation.create(costs.map(request("dear", 0, 0)));
        window.counts = merged;

        List<CostInput> inputs = new ArrayList<>();
        inputs.add(CostInput.requests(window));
        List<CostRow> rows = CostAllocation.rows(0, 60_000, inputs);

        BigInteger expected = BigInteger.valueOf(1_000).multiply(BigInteger.valueOf(75_000_000_000_000_000L));
        assertThat(expected).isGreaterThan(BigInteger.valueOf(Long.MAX_VALUE));
        assertThat(BigInteger.valueOf(merged.llmPicoUsdHigh).multiply(TWO_TO_63).add(BigInteger.valueOf(merged.llmPicoUsd)))
                .isEqualTo(expected);
        assertThat(merged.requests).isEqualTo(1_000);
        assertThat(rows).extracting(r -> r.model + "@" + r.endpoint).containsExactly("blip2@blip2-endpoint", "*@*");
        assertThat(rows.get(0).llmUsd).isEqualTo(75_000_000.0);
        assertThat(rows.get(0).usdPerInference).isEqualTo(75_000.0);
        assertThat(rows.get(1).llmUsd).isEqualTo(75_000_000.0);
    }

    @Test
    void costInputsOfAbsurdPricesSumExactlyInTheAllocation() throws Exception {
        RequestCosts costs = new RequestCosts(prices());
        TrafficPartial.Aggregation aggregation = new TrafficPartial.Aggregation();
        List<CostInput> inputs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TrafficObservation o = costs.map(request("absurd", MAX_TOKENS, MAX_TOKENS));
            TrafficPartial p = aggregation.create(o);
            aggregation.add(p, o);
            inputs.add(CostInput.requests(p));
        }

        CostRow row = CostAllocation.rows(0, 60_000, inputs).get(0);

        // 3 × 2 · 10^26 pico-dollars = 6 · 10^14 USD, an integer a double holds exactly.
        assertThat(row.llmUsd).isEqualTo(6e14);
    }

    /**
     * The cost inputs' merge per slot (the overflow row's partials, one per key it stands for)
     * adds pico-dollars exactly: two inputs of 2 · 10^26 and one of 7.5 · 10^16 give
     * 4.00000000075 · 10^26, high part and low part alike; the cost caps' rewrite to ~other keeps it.
     */
    @Test
    void costInputsMergedPerSlotKeepTheirLlmCostExact() throws Exception {
        RequestCosts costs = new RequestCosts(prices());
        TrafficPartial.Aggregation aggregation = new TrafficPartial.Aggregation();
        CostKpis.PerSlot perSlot = new CostKpis.PerSlot();
        CostInput merged = null;
        for (String llm : new String[] {"absurd", "dear", "absurd"}) {
            TrafficObservation o = costs.map(request(llm, MAX_TOKENS, MAX_TOKENS));
            TrafficPartial p = aggregation.create(o);
            aggregation.add(p, o);
            CostInput input = CostInput.requests(p);
            if (merged == null) {
                merged = perSlot.create(input);
            }
            perSlot.add(merged, input);
        }

        assertThat(BigInteger.valueOf(merged.llmPicoUsdHigh).multiply(TWO_TO_63).add(BigInteger.valueOf(merged.llmPicoUsd)))
                .isEqualTo(new BigInteger("400000000075000000000000000"));
        assertThat(merged.requests).isEqualTo(3);

        // ... and an input rewritten to ~other by a cost cap keeps all of its cost.
        for (com.gluu.kpi.pipeline.KeyCap.Policy<CostInput> cap : List.of(new CostKpis.RowCap(), new CostKpis.ServiceCap())) {
            CostInput other = cap.overflow(merged);
            assertThat(BigInteger.valueOf(other.llmPicoUsdHigh).multiply(TWO_TO_63).add(BigInteger.valueOf(other.llmPicoUsd)))
                    .as(cap.getClass().getSimpleName()).isEqualTo(new BigInteger("400000000075000000000000000"));
        }
    }

    @Test
    void aPriceTooHighForALongPerTokenIsRefusedWhenTheJobIsBuilt() throws Exception {
        Path file = dir.resolve("bad-pricing.yaml");
        Files.writeString(file, "llm:\n  crazy: {input: 1, output: 1.0e13}\n");

        assertThatThrownBy(() -> new RequestCosts(PricingTable.load(file)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("llm.crazy.output");
    }
}
