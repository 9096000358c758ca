package com.gluu.kpi.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * One window's cost inputs allocated to rows; every expected number is worked out by hand in
 * the comments.
 */
class CostAllocationTest {
    private static final Offset<Double> EXACT_TO_1E12 = within(1e-12);
    private static final long START = 1_700_000_040_000L;
    private static final long END = START + 60_000;

    /**
     * analyze-api: 3 requests to blip2@blip2-endpoint (two with 1 000 prompt + 100 completion
     * gpt-4o tokens: 2 × (1 000 × 2.50 + 100 × 10.00) / 1M = $0.007) and 1 to gemini without an
     * endpoint ($0.001 of tokens); annotate-worker: 1 request to blip2@blip2-endpoint. Hosting:
     * blip2-endpoint $0.06, llava-endpoint $0.03 (no requests: idle). Fargate: analyze-api
     * $0.004, annotate-worker $0.001, thumbnail-worker $0.002 (no requests: unallocated).
     */
    private static List<CostInput> window() {
        List<CostInput> inputs = new ArrayList<>();
        inputs.add(requests("analyze-api", "blip2", "blip2-endpoint", 2, 2 * (1_000 * 2_500_000L + 100 * 10_000_000L)));
        inputs.add(requests("analyze-api", "blip2", "blip2-endpoint", 1, 0));
        inputs.add(requests("analyze-api", "gemini-1.5-flash", "", 1, 1_000_000_000L));
        inputs.add(requests("annotate-worker", "blip2", "blip2-endpoint", 1, 0));
        inputs.add(CostInput.hosting("blip2", "blip2-endpoint", 0.06));
        inputs.add(CostInput.hosting("llava", "llava-endpoint", 0.03));
        inputs.add(CostInput.compute("analyze-api", 0.004));
        inputs.add(CostInput.compute("annotate-worker", 0.001));
        inputs.add(CostInput.compute("thumbnail-worker", 0.002));
        return inputs;
    }

    @Test
    void eachModelOnEachEndpointCarriesItsRequestsTokensHostingAndFargateShare() {
        List<CostRow> rows = CostAllocation.rows(START, END, window());
        assertThat(rows).extracting(r -> r.model + "@" + r.endpoint).containsExactly(
                "@", "blip2@blip2-endpoint", "gemini-1.5-flash@", "llava@llava-endpoint", "*@*");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.windowStart).isEqualTo(START);
            assertThat(r.windowEnd).isEqualTo(END);
        });

        // analyze-api's $0.004 splits 3/4 to blip2 and 1/4 to gemini (its 4 requests);
        // annotate-worker's $0.001 all to blip2.
        CostRow blip2 = rows.get(1);
        assertThat(blip2.requests).isEqualTo(4);
        assertThat(blip2.llmUsd).isCloseTo(0.007, EXACT_TO_1E12);
        assertThat(blip2.hostingUsd).isCloseTo(0.06, EXACT_TO_1E12);
        assertThat(blip2.computeUsd).isCloseTo(0.003 + 0.001, EXACT_TO_1E12);
        assertThat(blip2.totalUsd).isCloseTo(0.071, EXACT_TO_1E12);
        assertThat(blip2.usdPerInference).isCloseTo(0.071 / 4, EXACT_TO_1E12);
        assertThat(blip2.idleHostingUsd).isNaN();

        CostRow gemini = rows.get(2);
        assertThat(gemini.requests).isEqualTo(1);
        assertThat(gemini.llmUsd).isCloseTo(0.001, EXACT_TO_1E12);
        assertThat(gemini.hostingUsd).isZero();
        assertThat(gemini.computeUsd).isCloseTo(0.001, EXACT_TO_1E12);
        assertThat(gemini.usdPerInference).isCloseTo(0.002, EXACT_TO_1E12);

        CostRow idleLlava = rows.get(3);
        assertThat(idleLlava.requests).isZero();
        assertThat(idleLlava.hostingUsd).isCloseTo(0.03, EXACT_TO_1E12);
        assertThat(idleLlava.totalUsd).isCloseTo(0.03, EXACT_TO_1E12);
        assertThat(idleLlava.usdPerInference).as("no requests: NULL").isNaN();

        CostRow unallocated = rows.get(0);
        assertThat(unallocated.requests).isZero();
        assertThat(unallocated.computeUsd).isCloseTo(0.002, EXACT_TO_1E12);
        assertThat(unallocated.totalUsd).isCloseTo(0.002, EXACT_TO_1E12);
    }

    @Test
    void theStarRowIsTheWholeWindowWithItsIdleHosting() {
        CostRow total = CostAllocation.rows(START, END, window()).get(4);
        assertThat(total.model).isEqualTo("*");
        assertThat(total.endpoint).isEqualTo("*");
        assertThat(total.requests).isEqualTo(5);
        assertThat(total.llmUsd).isCloseTo(0.008, EXACT_TO_1E12);
        assertThat(total.hostingUsd).isCloseTo(0.09, EXACT_TO_1E12);
        assertThat(total.computeUsd).isCloseTo(0.007, EXACT_TO_1E12);
        assertThat(total.totalUsd).isCloseTo(0.105, EXACT_TO_1E12);
        assertThat(total.usdPerInference).isCloseTo(0.021, EXACT_TO_1E12);
        assertThat(total.idleHostingUsd).as("llava-endpoint billed without requests").isCloseTo(0.03, EXACT_TO_1E12);
    }

    @Test
    void aWindowWithOnlyHostingStillHasRowsAndNoCostPerInference() {
        List<CostRow> rows = CostAllocation.rows(START, END, List.of(CostInput.hosting("blip2", "blip2-endpoint", 0.5)));
        assertThat(rows).hasSize(2);
        assertThat(rows.get(1).usdPerInference).isNaN();
        assertThat(rows.get(1).idleHostingUsd).isEqualTo(0.5);
    }

    @Test
    void theSameInputsInAnyOrderGiveBitIdenticalRows() {
        List<String> expected = bits(CostAllocation.rows(START, END, windowWithOrderSensitiveSums()));
        Random random = new Random(3);
        for (int i = 0; i < 20; i++) {
            List<CostInput> shuffled = windowWithOrderSensitiveSums();
            Collections.shuffle(shuffled, random);
            assertThat(bits(CostAllocation.rows(START, END, shuffled))).isEqualTo(expected);
        }
    }

    /**
     * {@link #window()} plus terms whose double sum depends on their order: (0.1 + 0.2) + 0.3 is
     * 0.6000000000000001, 0.1 + (0.2 + 0.3) is 0.6. Hosting of three slots of one endpoint, and
     * Fargate of three tasks of one service.
     */
    private static List<CostInput> windowWithOrderSensitiveSums() {
        List<CostInput> inputs = window();
        for (double usd : new double[] {0.1, 0.2, 0.3}) {
            inputs.add(CostInput.hosting("llava", "llava-endpoint", usd));
            inputs.add(CostInput.compute("analyze-api", usd));
        }
        return inputs;
    }

    @Test
    void orderSensitiveSumsReallyDependOnTheirOrder() {
        // The premise of the test above: without a fixed order these rows could differ in bits.
        assertThat((0.1 + 0.2) + 0.3).isNotEqualTo(0.1 + (0.2 + 0.3));
    }

    @Test
    void pricesPerMillionTokensAreWholePicoDollarsPerToken() {
        assertThat(RequestCosts.picoUsdPerToken(2.50)).isEqualTo(2_500_000L);
        assertThat(RequestCosts.picoUsdPerToken(0.075)).isEqualTo(75_000L);
        assertThat(RequestCosts.picoUsdPerToken(10.00)).isEqualTo(10_000_000L);
    }

    /** Every field of every row, doubles as their exact bits. */
    private static List<String> bits(List<CostRow> rows) {
        List<String> out = new ArrayList<>();
        for (CostRow r : rows) {
            out.add(String.join(" ", r.model, r.endpoint, Long.toString(r.requests),
                    Long.toHexString(Double.doubleToRawLongBits(r.llmUsd)),
                    Long.toHexString(Double.doubleToRawLongBits(r.hostingUsd)),
                    Long.toHexString(Double.doubleToRawLongBits(r.computeUsd)),
                    Long.toHexString(Double.doubleToRawLongBits(r.totalUsd)),
                    Long.toHexString(Double.doubleToRawLongBits(r.usdPerInference)),
                    Long.toHexString(Double.doubleToRawLongBits(r.idleHostingUsd))));
        }
        return out;
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
}
