package com.gluu.kpi.config;

import com.gluu.kpi.config.AlertRule.Severity;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One service level objective of the rules file's {@code slos:} section (SPEC §5 "SLOs"),
 * validated by {@link AlertRules}: the share of a service's requests that must be good over a
 * rolling {@link #period()}, e.g. 99.5 % not {@code error} over 30 days.
 *
 * <p>A request is bad for an {@link Kind#AVAILABILITY} SLO when its status is {@code error} (as
 * counted in {@code kpi.traffic.errors}; client errors are the caller's), and for a
 * {@link Kind#LATENCY} SLO when its total latency is above {@link #thresholdMs()}, whatever its
 * status (a fast failure spends the availability budget, not this one). The error budget is the
 * {@code 1 - objective} share of the period's requests that may be bad.
 *
 * <p>Each SLO yields two alert rules ({@link #burnRules()}), {@code <name>_fast_burn} and
 * {@code <name>_slow_burn}, of kpi {@link AlertRule.Kpi#SLO_BURN}: the multi-window, multi-burn-rate
 * alerts of the Google SRE workbook ("Alerting on SLOs"). Immutable and {@link Serializable}.
 */
public final class Slo implements Serializable {
    private static final long serialVersionUID = 1L;

    /** What makes a request bad. */
    public enum Kind {
        AVAILABILITY, LATENCY;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One burn-rate alert: fires while the burn rate over both {@code longWindow} and
     * {@code shortWindow} is at least {@code factor}. {@code speed} is {@code fast} or {@code slow},
     * the suffix of the rule's name.
     */
    public record BurnAlert(String speed, Duration longWindow, Duration shortWindow, double factor, Severity severity)
            implements Serializable {}

    /** The workbook's page: 2 % of a 30-day budget in an hour (14.4 ×), confirmed over 5 minutes. */
    public static final BurnAlert DEFAULT_FAST =
            new BurnAlert("fast", Duration.ofHours(1), Duration.ofMinutes(5), 14.4, Severity.CRITICAL);
    /** The workbook's second page: 5 % of the budget in 6 hours (6 ×), confirmed over 30 minutes. */
    public static final BurnAlert DEFAULT_SLOW =
            new BurnAlert("slow", Duration.ofHours(6), Duration.ofMinutes(30), 6, Severity.WARNING);

    private final String name;
    private final Kind kind;
    private final double objective;
    private final double thresholdMs;
    private final Duration period;
    private final List<String> services;
    private final long minSample;
    private final List<BurnAlert> burnAlerts;

    Slo(String name, Kind kind, double objective, double thresholdMs, Duration period, List<String> services,
            long minSample, List<BurnAlert> burnAlerts) {
        this.name = name;
        this.kind = kind;
        this.objective = objective;
        this.thresholdMs = thresholdMs;
        this.period = period;
        this.services = List.copyOf(services);
        this.minSample = minSample;
        this.burnAlerts = List.copyOf(burnAlerts);
    }

    /** {@code [a-z0-9_]}; the {@code slo} column of {@code kpi.slo} and the prefix of its burn rules. */
    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    /** The good share, above 0 and below 1 (0.995 for 99.5 %). */
    public double objective() {
        return objective;
    }

    /**
     * The share of requests that may be bad: {@code 1 - objective}, taken in decimal (0.995 gives
     * 0.005, not 0.0050000000000000044), so a burn rate of exactly the factor compares as written.
     */
    public double errorBudget() {
        return java.math.BigDecimal.ONE.subtract(java.math.BigDecimal.valueOf(objective)).doubleValue();
    }

    /** For latency SLOs: a request slower than this (total latency, ms) is bad; NaN for availability. */
    public double thresholdMs() {
        return thresholdMs;
    }

    /** The rolling period of the budget, whole hours, at most 30 days. */
    public Duration period() {
        return period;
    }

    /** The services the SLO covers; empty: every service. */
    public List<String> services() {
        return services;
    }

    /** Whether the SLO covers {@code service}. */
    public boolean covers(String service) {
        return services.isEmpty() || services.contains(service);
    }

    /** Fewest requests in a burn rule's long window for the group to be evaluated. */
    public long minSample() {
        return minSample;
    }

    /** The fast and the slow burn alert, in that order. */
    public List<BurnAlert> burnAlerts() {
        return burnAlerts;
    }

    /** The alert rule of one burn alert: {@code <name>_<speed>_burn}. */
    public static String ruleName(String slo, String speed) {
        return slo + "_" + speed + "_burn";
    }

    /** The two burn-rate rules, fast first. */
    List<AlertRule> burnRules() {
        return burnAlerts.stream().map(b -> AlertRule.burn(this, b)).toList();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Slo)) {
            return false;
        }
        Slo s = (Slo) o;
        return name.equals(s.name) && kind == s.kind && objective == s.objective
                && Double.compare(thresholdMs, s.thresholdMs) == 0 && period.equals(s.period)
                && services.equals(s.services) && minSample == s.minSample && burnAlerts.equals(s.burnAlerts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, kind, objective, thresholdMs, period, services, minSample, burnAlerts);
    }

    /** e.g. {@code latency: 95 % of requests under 10000 ms over 30d, every service}. */
    @Override
    public String toString() {
        String what = kind == Kind.AVAILABILITY ? "not error" : "under " + (long) thresholdMs + " ms";
        return name + ": " + new java.math.BigDecimal(objective * 100).round(new java.math.MathContext(6))
                .stripTrailingZeros().toPlainString() + " % of requests " + what + " over " + Durations.format(period)
                + ", " + (services.isEmpty() ? "every service" : String.join(", ", services));
    }
}
