package com.gluu.kpi.cost;

import com.gluu.kpi.config.PricingTable;
import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.traffic.TrafficObservation;
import com.gluu.kpi.pipeline.WideSum;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an inference into its traffic observation with the price of its LLM tokens (SPEC §4:
 * prompt × input price + completion × output price, by {@code llm.model}), so one pass over the
 * requests serves both {@code kpi.traffic} and the request side of {@code kpi.cost}. A model
 * missing from the price table costs 0, is counted in the metric {@code unpricedLlmModels} and
 * logged once per model.
 *
 * <p>The price is exact and cannot wrap. A price per 1M tokens with up to six decimals is a whole
 * number of pico-dollars per token; the table's prices must stay below 9.2 · 10^6 USD per token
 * (checked here, at job build) so that one fits a long. A request's cost is then
 * prompt × input + completion × output with tokens ≤ {@code limits.max_tokens} (10^8; at most
 * 2^31 − 1 by the config's bound): at $600 per 1M tokens (6 · 10^8 pico-dollars per token,
 * o1-pro's output price, the dearest list price we know of) that is at most 1.2 · 10^17
 * pico-dollars, well inside a long, but the products are formed exactly in 126 bits anyway
 * ({@link WideSum}), so no price table and no token count can make one wrap; the high part is 0
 * for every real request.
 */
public final class RequestCosts extends RichMapFunction<InferenceEvent, TrafficObservation> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RequestCosts.class);

    private final PricingTable prices;
    private transient Counter unpriced;
    private transient Set<String> loggedUnpriced;

    public RequestCosts(PricingTable prices) {
        for (Map.Entry<String, PricingTable.LlmPrice> e : prices.llmPrices().entrySet()) {
            checkPrice(e.getKey() + ".input", e.getValue().inputPerMillion());
            checkPrice(e.getKey() + ".output", e.getValue().outputPerMillion());
        }
        this.prices = prices;
    }

    private static void checkPrice(String where, double usdPerMillion) {
        if (!(usdPerMillion * 1_000_000d < 0x1p63)) {
            throw new IllegalArgumentException("pricing llm." + where + ": " + usdPerMillion
                    + " USD per 1M tokens is no LLM price (a token would cost more than 9.2 million USD)");
        }
    }

    @Override
    public void open(OpenContext openContext) {
        unpriced = getRuntimeContext().getMetricGroup().counter("unpricedLlmModels");
        loggedUnpriced = new HashSet<>();
    }

    @Override
    public TrafficObservation map(InferenceEvent e) {
        TrafficObservation c = TrafficObservation.of(e);
        if (e.promptTokens > 0 || e.completionTokens > 0) {
            PricingTable.LlmPrice price = prices.llm(e.llmModel);
            if (price == null) {
                unpriced.inc();
                if (loggedUnpriced.add(e.llmModel)) {
                    LOG.warn("no price for llm.model '{}' in the price table: its tokens cost 0 (metric unpricedLlmModels)",
                            e.llmModel);
                }
            } else {
                long input = picoUsdPerToken(price.inputPerMillion());
                long output = picoUsdPerToken(price.outputPerMillion());
                long promptLow = WideSum.productLow(e.promptTokens, input);
                long completionLow = WideSum.productLow(e.completionTokens, output);
                c.llmPicoUsdHigh = WideSum.high(WideSum.productHigh(e.promptTokens, input), promptLow,
                        WideSum.productHigh(e.completionTokens, output), completionLow);
                c.llmPicoUsd = WideSum.low(promptLow, completionLow);
            }
        }
        return c;
    }

    /** USD per 1M tokens → pico-dollars per token (exact for prices with up to six decimals). */
    static long picoUsdPerToken(double usdPerMillion) {
        return Math.round(usdPerMillion * 1_000_000d);
    }
}
