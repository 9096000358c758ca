package com.gluu.kpi.cost;

/**
 * What a {@link CostInput} of kind {@link CostInput#TENANT} counts besides its requests and LLM
 * cost (which it keeps in the input's own fields): the tenant, and its errors, images and tokens
 * on the input's (model, endpoint). A POJO, null in the inputs of the other kinds (one byte each
 * in the cost windows' state).
 *
 * <p>No sum can wrap: per request at most 10^5 images and 10^8 + 10^8 tokens (the parser's
 * limits), so a window would need 4.6 · 10^10 requests of a single tenant.
 */
public class TenantCounts {
    /** The calling tenant ({@code client_id}; {@code ""} when absent, {@code ~other} beyond the cap). */
    public String clientId = "";
    /** Requests with status {@code error} (server-side failures and timeouts, as in {@code kpi.traffic}). */
    public long errors;
    public long images;
    public long promptTokens;
    public long completionTokens;

    public TenantCounts() {}

    TenantCounts copy() {
        TenantCounts c = new TenantCounts();
        c.clientId = clientId;
        c.errors = errors;
        c.images = images;
        c.promptTokens = promptTokens;
        c.completionTokens = completionTokens;
        return c;
    }

    void add(TenantCounts other) {
        errors += other.errors;
        images += other.images;
        promptTokens += other.promptTokens;
        completionTokens += other.completionTokens;
    }
}
