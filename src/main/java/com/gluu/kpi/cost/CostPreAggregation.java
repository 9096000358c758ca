package com.gluu.kpi.cost;

import com.gluu.kpi.pipeline.PartialAggregation;
import org.apache.flink.api.java.tuple.Tuple3;

/** Sums the requests and LLM cost of a window per (service, model, endpoint) before the shuffle. */
public final class CostPreAggregation implements PartialAggregation<CostInput, CostInput> {
    private static final long serialVersionUID = 1L;

    @Override
    public Object key(CostInput c) {
        return Tuple3.of(c.service, c.model, c.endpoint);
    }

    @Override
    public CostInput create(CostInput first) {
        CostInput p = new CostInput();
        p.kind = CostInput.REQUESTS;
        p.service = first.service;
        p.model = first.model;
        p.endpoint = first.endpoint;
        return p;
    }

    @Override
    public void add(CostInput partial, CostInput c) {
        partial.requests += c.requests;
        partial.llmPicoUsd += c.llmPicoUsd;
    }
}
