package com.gluu.kpi.config;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * One alert rule from {@code jobs/alert-rules.yaml} (SPEC §5), validated by {@link AlertRules#load}.
 * The schema and the meaning of every field are documented at the top of that file.
 *
 * <p>Threshold rules ({@link Kpi#LATENCY}, {@link Kpi#TRAFFIC}, {@link Kpi#ACCURACY},
 * {@link Kpi#ENDPOINT_EVENT}) compare the {@link #statistic()} of each group over the last
 * {@link #window()} with {@link #threshold()}: the rule is breached when {@code value <comparison>
 * threshold}. It fires after {@link #forEvaluations()} consecutive breached evaluations, and while
 * firing it resolves once {@code value <comparison> resolveThreshold} no longer holds (hysteresis;
 * the resolve threshold is the threshold when none is given). Groups with fewer than
 * {@link #minSample()} observations in the window are not evaluated.
 *
 * <p>Duration rules: {@link Kpi#IDLE_ENDPOINT} fires when an endpoint has been in a billed state
 * for {@link #idleFor()} without a request; {@link Kpi#NO_DATA} fires when a group that had
 * traffic (requests in at least {@link #minSample()} minutes, default 5) has sent nothing for
 * {@link #silentFor()}. They have no statistic, threshold or window.
 *
 * <p>Immutable and {@link Serializable}.
 */
public final class AlertRule implements Serializable {
    private static final long serialVersionUID = 1L;

    /** What a rule watches. */
    public enum Kpi {
        /** {@code kpi.latency} percentiles of one stage. */
        LATENCY(Set.of("service", "model", "endpoint")),
        /** {@code kpi.traffic} counts and error rate. */
        TRAFFIC(Set.of("service", "route", "model", "endpoint")),
        /** {@code kpi.accuracy} mean feedback score. */
        ACCURACY(Set.of("model")),
        /** SageMaker endpoint state transitions ({@code failed}, {@code restart}) counted in the window. */
        ENDPOINT_EVENT(Set.of("endpoint", "model")),
        /** An endpoint billed with no request for {@code idle_for}. */
        IDLE_ENDPOINT(Set.of("endpoint", "model")),
        /** A group that had traffic sending nothing for {@code silent_for}. */
        NO_DATA(Set.of("service", "route", "model", "endpoint")),
        /**
         * The burn rate of an SLO's error budget over a long and a short window ({@link Slo}); rules
         * of this kpi are made from the rules file's {@code slos:}, never written as rules.
         */
        SLO_BURN(Set.of("service")),
        /** {@code kpi.jobs}: stuck jobs at each minute's end, the webhook failure rate. */
        JOBS(Set.of("service", "kind")),
        /**
         * A tenant's month-to-date spend ({@code kpi.tenant_usage.total_usd}) against its monthly
         * budget ({@code jobs/budgets.yaml}); evaluated by its own operator, not the per-minute ring.
         */
        TENANT_BUDGET(Set.of("client_id"));

        private final Set<String> labels;

        Kpi(Set<String> labels) {
            this.labels = labels;
        }

        /** The name used in the YAML file, e.g. {@code endpoint_event}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Labels a rule on this KPI may group by. */
        public Set<String> labels() {
            return labels;
        }

        /** Whether rules on this KPI compare a statistic with a threshold (the others are duration rules). */
        public boolean hasThreshold() {
            return this != IDLE_ENDPOINT && this != NO_DATA && this != TENANT_BUDGET;
        }
    }

    /** The value a threshold rule compares. */
    public enum Statistic {
        P50(Kpi.LATENCY, false), P90(Kpi.LATENCY, false), P95(Kpi.LATENCY, false), P99(Kpi.LATENCY, false),
        MAX(Kpi.LATENCY, false), MEAN(Kpi.LATENCY, false),
        /** errors / requests, 0..1. */
        ERROR_RATE(Kpi.TRAFFIC, true),
        REQUESTS(Kpi.TRAFFIC, false),
        /** Mean feedback score, 0..1. */
        ACCURACY(Kpi.ACCURACY, true),
        /** Entries into {@code Failed} in the window. */
        FAILED(Kpi.ENDPOINT_EVENT, false),
        /** Restarts in the window (SPEC §4 {@code kpi.endpoint_health.restarts}). */
        RESTART(Kpi.ENDPOINT_EVENT, false),
        /**
         * min(burn rate over the long window, over the short window); burn rate = bad share of the
         * window's requests / (1 - objective) (1: the budget lasts exactly the period).
         */
        BURN_RATE(Kpi.SLO_BURN, false),
        /**
         * Jobs open for longer than {@code jobs.stuck_after} at the end of the evaluated minute (the
         * {@code stuck_at_end} gauge of its 1-minute window; not summed over the rule's window).
         */
        STUCK(Kpi.JOBS, false),
        /** webhooks_failed / (webhooks_sent + webhooks_failed) over the window, 0..1; sample = attempts. */
        WEBHOOK_FAILURE_RATE(Kpi.JOBS, true);

        private final Kpi kpi;
        private final boolean ratio;

        Statistic(Kpi kpi, boolean ratio) {
            this.kpi = kpi;
            this.ratio = ratio;
        }

        public Kpi kpi() {
            return kpi;
        }

        /** Whether the value is a fraction in [0, 1] (thresholds must be too). */
        public boolean isRatio() {
            return ratio;
        }

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How the value is compared with the threshold. */
    public enum Comparison {
        GT(">"), GE(">="), LT("<"), LE("<=");

        private final String symbol;

        Comparison(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        /** Whether {@code value <this> threshold} holds. */
        public boolean holds(double value, double threshold) {
            switch (this) {
                case GT: return value > threshold;
                case GE: return value >= threshold;
                case LT: return value < threshold;
                default: return value <= threshold;
            }
        }

        /** True for {@code >}/{@code >=}: the rule fires on high values and resolves below. */
        public boolean firesAbove() {
            return this == GT || this == GE;
        }

        static Comparison ofSymbol(String symbol) {
            for (Comparison c : values()) {
                if (c.symbol.equals(symbol)) {
                    return c;
                }
            }
            return null;
        }
    }

    /** How urgent an episode is (SNS subject prefix, PostHog property). */
    public enum Severity {
        INFO, WARNING, CRITICAL;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final String name;
    private final Kpi kpi;
    private final Statistic statistic;
    private final String stage;
    private final Comparison comparison;
    private final double threshold;
    private final Double resolveThreshold;
    private final int forEvaluations;
    private final long minSample;
    private final Duration window;
    private final List<String> groupBy;
    private final Severity severity;
    private final Duration repeatInterval;
    private final Duration idleFor;
    private final Duration silentFor;
    private final Duration keepFiringFor;
    private final Duration shortWindow;
    private final Slo slo;

    AlertRule(String name, Kpi kpi, Statistic statistic, String stage, Comparison comparison, double threshold,
            Double resolveThreshold, int forEvaluations, long minSample, Duration window, List<String> groupBy,
            Severity severity, Duration repeatInterval, Duration idleFor, Duration silentFor, Duration keepFiringFor) {
        this(name, kpi, statistic, stage, comparison, threshold, resolveThreshold, forEvaluations, minSample, window,
                groupBy, severity, repeatInterval, idleFor, silentFor, keepFiringFor, null, null);
    }

    private AlertRule(String name, Kpi kpi, Statistic statistic, String stage, Comparison comparison, double threshold,
            Double resolveThreshold, int forEvaluations, long minSample, Duration window, List<String> groupBy,
            Severity severity, Duration repeatInterval, Duration idleFor, Duration silentFor, Duration keepFiringFor,
            Duration shortWindow, Slo slo) {
        this.name = name;
        this.kpi = kpi;
        this.statistic = statistic;
        this.stage = stage;
        this.comparison = comparison;
        this.threshold = threshold;
        this.resolveThreshold = resolveThreshold;
        this.forEvaluations = forEvaluations;
        this.minSample = minSample;
        this.window = window;
        this.groupBy = List.copyOf(groupBy);
        this.severity = severity;
        this.repeatInterval = repeatInterval;
        this.idleFor = idleFor;
        this.silentFor = silentFor;
        this.keepFiringFor = keepFiringFor;
        this.shortWindow = shortWindow;
        this.slo = slo;
    }

    /**
     * The burn-rate rule of one of an SLO's burn alerts: {@code value >= factor} over the long
     * window (the rule's {@link #window()}) and the short one, per service, firing at the first
     * such minute (no {@code for}) and resolving at the first minute either window is below the
     * factor (no hysteresis: the short window is what makes it resolve soon after a recovery).
     */
    static AlertRule burn(Slo slo, Slo.BurnAlert b) {
        return new AlertRule(Slo.ruleName(slo.name(), b.speed()), Kpi.SLO_BURN, Statistic.BURN_RATE, null,
                Comparison.GE, b.factor(), null, 1, slo.minSample(), b.longWindow(), List.of("service"), b.severity(),
                AlertRules.DEFAULT_REPEAT_INTERVAL, null, null, Duration.ZERO, b.shortWindow(), slo);
    }

    /** Unique name, {@code [a-z0-9_]+}; part of the deterministic alert id. */
    public String name() {
        return name;
    }

    public Kpi kpi() {
        return kpi;
    }

    /** The compared value; {@code null} for duration rules. */
    public Statistic statistic() {
        return statistic;
    }

    /** Latency stage ({@code total}, {@code model}, {@code llm}) for latency rules; {@code null} otherwise. */
    public String stage() {
        return stage;
    }

    /** {@code null} for duration rules. */
    public Comparison comparison() {
        return comparison;
    }

    /** Meaningless (0) for duration rules. */
    public double threshold() {
        return threshold;
    }

    /** The value the episode resolves at; the threshold when the rule gives no {@code resolve_threshold}. */
    public double resolveThreshold() {
        return resolveThreshold == null ? threshold : resolveThreshold;
    }

    /** Whether the rule has a separate {@code resolve_threshold}. */
    public boolean hasHysteresis() {
        return resolveThreshold != null && resolveThreshold != threshold;
    }

    /** Whether {@code value} breaches the firing threshold. */
    public boolean breached(double value) {
        return comparison.holds(value, threshold);
    }

    /** Whether a firing episode with this {@code value} is still firing (hysteresis). */
    public boolean stillFiring(double value) {
        return comparison.holds(value, resolveThreshold());
    }

    /** Consecutive breached evaluations before the rule fires ({@code for}), ≥ 1. */
    public int forEvaluations() {
        return forEvaluations;
    }

    /** Fewest observations (latency count, requests, feedback) in the window for a group to be evaluated. */
    public long minSample() {
        return minSample;
    }

    /**
     * Evaluation window (the last {@code window} of event time); {@code null} for duration rules.
     * For {@link Kpi#SLO_BURN}, the long window.
     */
    public Duration window() {
        return window;
    }

    /** For {@link Kpi#SLO_BURN}: the short window; {@code null} otherwise. */
    public Duration shortWindow() {
        return shortWindow;
    }

    /** For {@link Kpi#SLO_BURN}: the SLO whose budget it watches; {@code null} otherwise. */
    public Slo slo() {
        return slo;
    }

    /** Labels that split the rule into independent groups (and episodes); may be empty (whole fleet). */
    public List<String> groupBy() {
        return groupBy;
    }

    public Severity severity() {
        return severity;
    }

    /** A firing episode notifies again this often. */
    public Duration repeatInterval() {
        return repeatInterval;
    }

    /** For {@link Kpi#IDLE_ENDPOINT}: billed time without a request before it fires; {@code null} otherwise. */
    public Duration idleFor() {
        return idleFor;
    }

    /** For {@link Kpi#NO_DATA}: silence before it fires; {@code null} otherwise. */
    public Duration silentFor() {
        return silentFor;
    }

    /**
     * How long a firing episode's condition must have stopped holding before it resolves
     * (Prometheus' {@code keep_firing_for}); zero: at the first evaluation that no longer holds.
     * With {@code for} and {@code resolve_threshold} it keeps a value wandering around the
     * threshold one episode.
     */
    public Duration keepFiringFor() {
        return keepFiringFor;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AlertRule)) {
            return false;
        }
        AlertRule r = (AlertRule) o;
        return name.equals(r.name) && kpi == r.kpi && statistic == r.statistic && Objects.equals(stage, r.stage)
                && comparison == r.comparison && threshold == r.threshold
                && Objects.equals(resolveThreshold, r.resolveThreshold) && forEvaluations == r.forEvaluations
                && minSample == r.minSample && Objects.equals(window, r.window) && groupBy.equals(r.groupBy)
                && severity == r.severity && repeatInterval.equals(r.repeatInterval)
                && Objects.equals(idleFor, r.idleFor) && Objects.equals(silentFor, r.silentFor)
                && keepFiringFor.equals(r.keepFiringFor) && Objects.equals(shortWindow, r.shortWindow)
                && Objects.equals(slo, r.slo);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, kpi, statistic, stage, comparison, threshold, resolveThreshold, forEvaluations,
                minSample, window, groupBy, severity, repeatInterval, idleFor, silentFor, keepFiringFor, shortWindow);
    }

    /** A one-line description, e.g. {@code latency_p95_warning: latency total p95 > 5000 over 5m by [service, model] (warning)}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(name).append(": ").append(kpi.wireName());
        if (kpi.hasThreshold()) {
            if (stage != null) {
                s.append(' ').append(stage);
            }
            s.append(' ').append(statistic.wireName()).append(' ').append(comparison.symbol()).append(' ')
                    .append(number(threshold));
            if (hasHysteresis()) {
                s.append(" (resolves at ").append(number(resolveThreshold)).append(')');
            }
            s.append(" over ").append(Durations.format(window));
            if (shortWindow != null) {
                s.append(" and ").append(Durations.format(shortWindow));
            }
            if (minSample > 0) {
                s.append(" with >= ").append(minSample);
            }
        } else if (kpi == Kpi.TENANT_BUDGET) {
            s.append(" against the budgets file");
        } else {
            s.append(" for ").append(Durations.format(idleFor != null ? idleFor : silentFor));
        }
        if (forEvaluations > 1) {
            s.append(" for ").append(forEvaluations).append(" evaluations");
        }
        if (!keepFiringFor.isZero()) {
            s.append(" keeps firing ").append(Durations.format(keepFiringFor));
        }
        return s.append(" by ").append(groupBy).append(" (").append(severity.wireName()).append(')').toString();
    }

    private static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
