package com.gluu.kpi.config;

import com.gluu.kpi.config.AlertRule.Severity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads the rules file's {@code slos:} section (the schema is at the top of
 * {@code jobs/alert-rules.yaml}); every mistake names the file, the SLO and the field, e.g.
 * {@code rules.yaml: slo 'availability': field 'objective': 99.5 must be above 0 and below 1 (99.5 % is 0.995)}.
 */
final class SloReader {
    /** Short enough that {@code <name>_fast_burn} is still a valid rule name (64). */
    private static final Pattern NAME = Pattern.compile("[a-z0-9_]{1,54}");
    private static final Set<String> FIELDS = Set.of("name", "kind", "objective", "threshold_ms", "period", "services",
            "min_sample", "burn_alerts");
    private static final Set<String> BURN_FIELDS = Set.of("long", "short", "factor", "severity");
    static final Duration DEFAULT_PERIOD = Duration.ofDays(30);
    /** {@code kpi.slo} keeps one bucket per hour of the period: at most 720. */
    static final Duration MAX_PERIOD = Duration.ofDays(30);
    /** The evaluator keeps a minute per slot of a long window: a day is 1 440 of its 4 096. */
    static final Duration MAX_LONG_WINDOW = Duration.ofHours(24);
    /** Requests in the long window below which a burn rule does not judge (one error in 13 is not 14.4 ×). */
    static final long DEFAULT_MIN_SAMPLE = 100;

    private final String source;
    private final Map<String, Object> fields;
    private String slo;

    private SloReader(String source, int index, Object item) {
        this.source = source;
        this.slo = "slo #" + index;
        this.fields = YamlFiles.mapping(source + ": " + slo, item);
    }

    /** Every SLO of {@code value} (null: none), names unique. */
    static List<Slo> read(String source, Object value) {
        List<Slo> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (!(value instanceof List)) {
            throw new ConfigException(source + ": slos: expected a list of SLOs, got " + YamlFiles.describe(value));
        }
        int index = 0;
        for (Object item : (List<?>) value) {
            index++;
            Slo s = new SloReader(source, index, item).read();
            for (Slo before : out) {
                if (before.name().equals(s.name())) {
                    throw new ConfigException(source + ": slo '" + s.name() + "': field 'name': duplicate");
                }
            }
            out.add(s);
        }
        return out;
    }

    private Slo read() {
        Object n = fields.get("name");
        if (!(n instanceof String) || !NAME.matcher((String) n).matches()) {
            throw new ConfigException(where("name") + ": " + (n == null ? "missing" : YamlFiles.describe(n)
                    + " must be 1-54 of [a-z0-9_]"));
        }
        slo = "slo '" + n + "'";
        YamlFiles.onlyKnown(fields, FIELDS, this::where);
        Slo.Kind kind = kind();
        double objective = objective();
        double thresholdMs = Double.NaN;
        if (kind == Slo.Kind.LATENCY) {
            if (fields.get("threshold_ms") == null) {
                throw new ConfigException(where("threshold_ms") + ": missing (a latency SLO counts requests slower than it)");
            }
            thresholdMs = YamlFiles.number(where("threshold_ms"), fields.get("threshold_ms"));
            if (thresholdMs <= 0) {
                throw new ConfigException(where("threshold_ms") + ": must be above 0");
            }
        } else if (fields.containsKey("threshold_ms")) {
            throw new ConfigException(where("threshold_ms") + ": only for kind latency");
        }
        Duration period = period();
        List<String> services = services();
        long minSample = DEFAULT_MIN_SAMPLE;
        Object m = fields.get("min_sample");
        if (m != null) {
            if (!(m instanceof Integer || m instanceof Long) || ((Number) m).longValue() < 0) {
                throw new ConfigException(where("min_sample") + ": expected a whole number >= 0, got " + YamlFiles.describe(m));
            }
            minSample = ((Number) m).longValue();
        }
        Map<String, Object> burn = Map.of();
        if (fields.get("burn_alerts") != null) {
            burn = YamlFiles.mapping(where("burn_alerts"), fields.get("burn_alerts"));
            YamlFiles.onlyKnown(burn, Set.of("fast", "slow"), k -> where("burn_alerts") + ": " + k);
        }
        List<Slo.BurnAlert> alerts = List.of(burnAlert(burn.get("fast"), Slo.DEFAULT_FAST, objective, period),
                burnAlert(burn.get("slow"), Slo.DEFAULT_SLOW, objective, period));
        return new Slo((String) n, kind, objective, thresholdMs, period, services, minSample, alerts);
    }

    private String where(String field) {
        return source + ": " + slo + ": field '" + field + "'";
    }

    private Slo.Kind kind() {
        Object k = fields.get("kind");
        for (Slo.Kind kind : Slo.Kind.values()) {
            if (kind.wireName().equals(k)) {
                return kind;
            }
        }
        throw new ConfigException(where("kind") + ": " + (k == null ? "missing" : YamlFiles.describe(k)
                + " is not one of [availability, latency]"));
    }

    private double objective() {
        Object v = fields.get("objective");
        if (v == null) {
            throw new ConfigException(where("objective") + ": missing (e.g. 0.995 for 99.5 %)");
        }
        double d = YamlFiles.number(where("objective"), v);
        if (d <= 0 || d >= 1) {
            throw new ConfigException(where("objective") + ": " + v + " must be above 0 and below 1 (99.5 % is 0.995)");
        }
        return d;
    }

    private Duration period() {
        Duration d = duration("period", fields.get("period"), DEFAULT_PERIOD);
        if (d.toMinutes() % 60 != 0 || d.compareTo(MAX_PERIOD) > 0 || d.isZero()) {
            throw new ConfigException(where("period") + ": " + Durations.format(d) + " must be whole hours, from 1h to "
                    + Durations.format(MAX_PERIOD) + " (kpi.slo keeps one bucket per hour of it)");
        }
        return d;
    }

    private List<String> services() {
        Object v = fields.get("services");
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List) || ((List<?>) v).isEmpty()) {
            throw new ConfigException(where("services") + ": expected a non-empty list of service names (leave it out"
                    + " for every service), got " + YamlFiles.describe(v));
        }
        List<String> out = new ArrayList<>();
        for (Object s : (List<?>) v) {
            if (!(s instanceof String) || ((String) s).isEmpty()) {
                throw new ConfigException(where("services") + ": expected service names, got " + YamlFiles.describe(s));
            }
            if (out.contains(s)) {
                throw new ConfigException(where("services") + ": '" + s + "' is listed twice");
            }
            out.add((String) s);
        }
        return out;
    }

    private Slo.BurnAlert burnAlert(Object value, Slo.BurnAlert d, double objective, Duration period) {
        String at = where("burn_alerts") + ": " + d.speed();
        if (value == null) {
            return check(at, d, objective, period);
        }
        Map<String, Object> f = YamlFiles.mapping(at, value);
        YamlFiles.onlyKnown(f, BURN_FIELDS, k -> at + ": " + k);
        Duration longWindow = duration(at + ": long", f.get("long"), d.longWindow());
        Duration shortWindow = duration(at + ": short", f.get("short"), d.shortWindow());
        double factor = f.get("factor") == null ? d.factor() : YamlFiles.number(at + ": factor", f.get("factor"));
        Severity severity = d.severity();
        Object sv = f.get("severity");
        if (sv != null) {
            severity = Arrays.stream(Severity.values()).filter(s -> s.wireName().equals(sv)).findFirst()
                    .orElseThrow(() -> new ConfigException(at + ": severity: " + YamlFiles.describe(sv) + " is not one of "
                            + Arrays.stream(Severity.values()).map(Severity::wireName).collect(Collectors.toList())));
        }
        return check(at, new Slo.BurnAlert(d.speed(), longWindow, shortWindow, factor, severity), objective, period);
    }

    private static Slo.BurnAlert check(String at, Slo.BurnAlert b, double objective, Duration period) {
        if (b.shortWindow().compareTo(b.longWindow()) >= 0) {
            throw new ConfigException(at + ": short (" + Durations.format(b.shortWindow()) + ") must be shorter than long ("
                    + Durations.format(b.longWindow()) + ")");
        }
        if (b.longWindow().compareTo(MAX_LONG_WINDOW) > 0 || b.longWindow().compareTo(period) > 0) {
            throw new ConfigException(at + ": long (" + Durations.format(b.longWindow()) + ") must be at most "
                    + Durations.format(MAX_LONG_WINDOW) + " and at most the period");
        }
        if (b.factor() <= 0) {
            throw new ConfigException(at + ": factor: must be above 0");
        }
        // The burn rate is at most 1 / (1 - objective) (every request bad): a higher factor never fires.
        java.math.BigDecimal budget = java.math.BigDecimal.ONE.subtract(java.math.BigDecimal.valueOf(objective));
        if (java.math.BigDecimal.valueOf(b.factor()).multiply(budget).compareTo(java.math.BigDecimal.ONE) > 0) {
            throw new ConfigException(at + ": factor: " + b.factor() + " can never be reached: with objective " + objective
                    + " the burn rate is at most " + java.math.BigDecimal.ONE.divide(budget, new java.math.MathContext(4))
                    .stripTrailingZeros().toPlainString() + " (every request bad)");
        }
        return b;
    }

    private Duration duration(String where, Object v, Duration fallback) {
        String w = where.startsWith(source) ? where : where(where);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof String)) {
            throw new ConfigException(w + ": expected a duration like 5m or 1h, got " + YamlFiles.describe(v));
        }
        Duration d = Durations.parse(w, (String) v);
        if (d.compareTo(AlertRules.EVALUATION_INTERVAL) < 0 || d.toMillis() % AlertRules.EVALUATION_INTERVAL.toMillis() != 0) {
            throw new ConfigException(w + ": " + v + " must be a whole number of minutes, at least 1m (rules are"
                    + " evaluated every minute)");
        }
        return d;
    }
}
