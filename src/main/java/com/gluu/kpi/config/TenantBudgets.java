package com.gluu.kpi.config;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Monthly budgets in USD per calling tenant ({@code client_id}), for the {@code tenant_budget}
 * rule (SPEC §7, {@code jobs/budgets.yaml}):
 *
 * <pre>
 * monthly_usd:
 *   acme: 500
 *   globex: 120
 * </pre>
 *
 * A calendar month in UTC; a tenant not listed has no budget. Budgets must be positive numbers; a
 * mistake fails the start naming the file and the tenant.
 */
public final class TenantBudgets implements Serializable {
    private static final long serialVersionUID = 1L;
    static final String BUNDLED = "jobs/budgets.yaml";
    static final String MONTHLY_USD = "monthly_usd";

    private final Map<String, Double> monthlyUsd;

    private TenantBudgets(Map<String, Double> monthlyUsd) {
        this.monthlyUsd = Collections.unmodifiableMap(new TreeMap<>(monthlyUsd));
    }

    public static TenantBudgets none() {
        return new TenantBudgets(Map.of());
    }

    /** Budgets given in code (tests, tools): each must be positive. */
    public static TenantBudgets of(Map<String, ? extends Number> monthlyUsd) {
        return parse("budgets", Map.of(MONTHLY_USD, new TreeMap<String, Object>(monthlyUsd)));
    }

    /** The file {@code alerts.budgets_file} names (the default ships in the jar too). */
    public static TenantBudgets forJob(JobConfig config) {
        YamlFiles.Document d = YamlFiles.readJobFile(Path.of(config.get(JobConfig.BUDGETS_FILE)), BUNDLED,
                JobConfig.BUDGETS_FILE.key());
        return parse(d.source(), d.root());
    }

    /** Validates a parsed document; {@code source} starts every message. */
    static TenantBudgets parse(String source, Object root) {
        if (root == null) {
            return none();
        }
        Map<String, Object> top = YamlFiles.mapping(source, root);
        YamlFiles.onlyKnown(top, Set.of(MONTHLY_USD), k -> source + ": " + k);
        Map<String, Double> budgets = new TreeMap<>();
        if (top.get(MONTHLY_USD) != null) {
            for (Map.Entry<String, Object> e : YamlFiles.mapping(source + ": " + MONTHLY_USD, top.get(MONTHLY_USD)).entrySet()) {
                String where = source + ": " + MONTHLY_USD + "." + e.getKey();
                double usd = YamlFiles.number(where, e.getValue());
                if (usd <= 0) {
                    throw new ConfigException(where + ": " + e.getValue() + " is not a positive budget");
                }
                budgets.put(e.getKey(), usd);
            }
        }
        return new TenantBudgets(budgets);
    }

    /** The tenant's monthly budget in USD; NaN when it has none. */
    public double monthlyUsd(String clientId) {
        Double usd = monthlyUsd.get(clientId);
        return usd == null ? Double.NaN : usd;
    }

    /** Every tenant with a budget, sorted, with its budget. */
    public Map<String, Double> all() {
        return monthlyUsd;
    }

    public boolean isEmpty() {
        return monthlyUsd.isEmpty();
    }
}
