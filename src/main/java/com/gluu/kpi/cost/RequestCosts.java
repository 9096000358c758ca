package com.gluu.kpi.cost;

import com.gluu.kpi.config.PricingTable;
import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.traffic.TrafficObservation;
import java.util.HashSet;
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
 */
public final class RequestCosts extends RichMapFunction<InferenceEvent, TrafficObservation> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RequestCosts.class);

    private final PricingTable prices;
    private transient Counter unpriced;
    private transient Set<String> loggedUnpriced;

    public RequestCosts(PricingTable prices) {
        this.prices = prices;
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
                c.llmPicoUsd = e.promptTokens * picoUsdPerToken(price.inputPerMillion())
                        + e.completionTokens * picoUsdPerToken(price.outputPerMillion());
            }
        }
        return c;
    }

    /** USD per 1M tokens → pico-dollars per token (exact for prices with up to six decimals). */
    static long picoUsdPerToken(double usdPerMillion) {
        return Math.round(usdPerMillion * 1_000_000d);
    }
}
