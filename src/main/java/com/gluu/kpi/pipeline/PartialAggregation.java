package com.gluu.kpi.pipeline;

import java.io.Serializable;

/**
 * How a KPI pre-aggregates before its shuffle: which row an input belongs to, an empty partial
 * for that row, and how to fold an input into it. See {@link WindowPreAggregator}.
 *
 * @param <IN> an observation of one event
 * @param <P> a partial aggregate, which carries its row's dimensions
 */
public interface PartialAggregation<IN, P> extends Serializable {
    /** The dimensions of the row the input counts in (equals/hashCode by value). */
    Object key(IN input);

    /** An empty partial for the row of {@code first}. */
    P create(IN first);

    void add(P partial, IN input);
}
