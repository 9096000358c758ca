package com.gluu.kpi.config;

import com.gluu.kpi.config.AlertRule.Comparison;
import com.gluu.kpi.config.AlertRule.Kpi;
import com.gluu.kpi.config.AlertRule.Severity;
import com.gluu.kpi.config.AlertRule.Statistic;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The alert rules of {@code jobs/alert-rules.yaml} (SPEC §5), read and validated once at start.
 * The file's schema is documented in a comment block at its top; every mistake fails with a message
 * naming the file, the rule and the field, e.g.
 * {@code jobs/alert-rules.yaml: rule 'ecs_error_rate': field 'threshold': expected a number, got 'high'}.
 *
 * <p>Immutable and {@link Serializable}, so it can be shipped inside Flink functions.
 */
public final class AlertRules implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Rules are evaluated once per minute, so every duration is whole minutes. */
    public static final Duration EVALUATION_INTERVAL = Duration.ofMinutes(1);
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);
    public static final Duration DEFAULT_REPEAT_INTERVAL = Duration.ofHours(1);
    public static final String DEFAULT_STAGE = "total";
    /** no_data watches a group once it had requests in this many minutes (its min_sample). */
    public static final long DEFAULT_NO_DATA_MIN_SAMPLE = 5;

    private static final Pattern NAME = Pattern.compile("[a-z0-9_]{1,64}");
    private static final Set<String> STAGES = Set.of("total", "model", "llm");
    private static final Set<String> COMMON = Set.of("name", "kpi", "severity", "group_by", "for", "repeat_interval",
            "keep_firing_for");
    private static final Set<String> THRESHOLD = Set.of("statistic", "comparison", "threshold", "resolve_threshold", "window");
    private static final List<String> ALL_FIELDS = List.of("name", "kpi", "statistic", "stage", "comparison", "threshold",
            "resolve_threshold", "for", "min_sample", "window", "group_by", "severity", "repeat_interval", "idle_for",
            "silent_for", "keep_firing_for");

    private final List<AlertRule> rules;
    private final List<InhibitRule> inhibitRules;
    private final List<MaintenanceWindow> maintenance;
    /** Null: no {@code grouping:} section, every transition is its own SNS message. */
    private final AlertGrouping grouping;
    private final List<Slo> slos;

    private AlertRules(List<AlertRule> rules, List<InhibitRule> inhibitRules, List<MaintenanceWindow> maintenance,
            AlertGrouping grouping, List<Slo> slos) {
        this.rules = List.copyOf(rules);
        this.inhibitRules = List.copyOf(inhibitRules);
        this.maintenance = List.copyOf(maintenance);
        this.grouping = grouping;
        this.slos = List.copyOf(slos);
    }

    /**
     * Reads and validates a rules file. A missing or unreadable file fails naming the key
     * {@code alerts.rules_file}.
     */
    public static AlertRules load(Path file) {
        Object root = YamlFiles.read(file, JobConfig.RULES_FILE.key());
        return parse(file.toString(), root);
    }

    /** The default rules file, also packaged in the jar. */
    static final String BUNDLED = "jobs/alert-rules.yaml";

    /**
     * The job's rules: the file {@code alerts.rules_file} names; if that is the default and no
     * such file is in the working folder, the copy packaged in the jar.
     */
    public static AlertRules forJob(JobConfig config) {
        YamlFiles.Document d = YamlFiles.readJobFile(Path.of(config.get(JobConfig.RULES_FILE)), BUNDLED,
                JobConfig.RULES_FILE.key());
        return parse(d.source(), d.root());
    }

    /** No rules: alerting off. */
    public static AlertRules none() {
        return new AlertRules(List.of(), List.of(), List.of(), null, List.of());
    }

    /**
     * All rules, in file order, then the two burn-rate rules of each SLO ({@code <slo>_fast_burn},
     * {@code <slo>_slow_burn}) in the order of {@code slos:}.
     */
    public List<AlertRule> rules() {
        return rules;
    }

    /** The inhibitions ({@code inhibit_rules:}), in file order; empty when the file has none. */
    public List<InhibitRule> inhibitRules() {
        return inhibitRules;
    }

    /** The recurring maintenance windows ({@code maintenance:}), in file order. */
    public List<MaintenanceWindow> maintenance() {
        return maintenance;
    }

    /**
     * How SNS messages group transitions ({@code grouping:}); empty when the file has no such
     * section: then every transition is its own SNS message.
     */
    public Optional<AlertGrouping> grouping() {
        return Optional.ofNullable(grouping);
    }

    /** The SLOs ({@code slos:}), in file order; empty when the file has none. */
    public List<Slo> slos() {
        return slos;
    }

    public Optional<AlertRule> rule(String name) {
        return rules.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    public int size() {
        return rules.size();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AlertRules && ((AlertRules) o).rules.equals(rules)
                && ((AlertRules) o).inhibitRules.equals(inhibitRules) && ((AlertRules) o).maintenance.equals(maintenance)
                && java.util.Objects.equals(((AlertRules) o).grouping, grouping) && ((AlertRules) o).slos.equals(slos);
    }

    @Override
    public int hashCode() {
        return rules.hashCode() * 31 + inhibitRules.hashCode();
    }

    @Override
    public String toString() {
        return rules.stream().map(AlertRule::toString).collect(Collectors.joining("\n"));
    }

    /** Validates an already parsed document; {@code source} starts every message. */
    static AlertRules parse(String source, Object root) {
        if (root == null) {
            throw new ConfigException(source + ": empty file; expected 'rules:' with a list of rules (use 'rules: []' for none)");
        }
        Map<String, Object> top = YamlFiles.mapping(source, root);
        YamlFiles.onlyKnown(top, Set.of("rules", "inhibit_rules", "maintenance", "grouping", "slos"), k -> source + ": " + k);
        if (!top.containsKey("rules")) {
            throw new ConfigException(source + ": rules: missing (use 'rules: []' for none)");
        }
        Object list = top.get("rules");
        if (!(list instanceof List)) {
            throw new ConfigException(source + ": rules: expected a list of rules, got " + YamlFiles.describe(list));
        }
        List<AlertRule> rules = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        int index = 0;
        for (Object item : (List<?>) list) {
            index++;
            AlertRule rule = new RuleReader(source, index, item).read();
            Integer first = seen.putIfAbsent(rule.name(), index);
            if (first != null) {
                throw new ConfigException(source + ": rule '" + rule.name() + "': field 'name': duplicate; rule #" + first
                        + " has the same name");
            }
            if (rule.kpi() == AlertRule.Kpi.TENANT_BUDGET
                    && rules.stream().anyMatch(r -> r.kpi() == AlertRule.Kpi.TENANT_BUDGET)) {
                throw new ConfigException(source + ": rule '" + rule.name() + "': field 'kpi': at most one rule of kpi"
                        + " tenant_budget (the budgets file holds the thresholds)");
            }
            rules.add(rule);
        }
        List<Slo> slos = SloReader.read(source, top.get("slos"));
        for (Slo slo : slos) {
            for (AlertRule burn : slo.burnRules()) {
                Integer first = seen.putIfAbsent(burn.name(), ++index);
                if (first != null) {
                    throw new ConfigException(source + ": slo '" + slo.name() + "': its rule '" + burn.name()
                            + "' has the name of rule #" + first + "; rename one of them");
                }
                rules.add(burn);
            }
        }
        return new AlertRules(rules, inhibitRules(source, top.get("inhibit_rules"), seen.keySet()),
                maintenance(source, top.get("maintenance")), grouping(source, top), slos);
    }

    /**
     * {@code grouping:} {group_by: [labels], group_wait: 1m, group_interval: 5m}, each field
     * optional (defaults as in {@link AlertGrouping}); null when the section is absent.
     */
    private static AlertGrouping grouping(String source, Map<String, Object> top) {
        if (!top.containsKey("grouping")) {
            return null;
        }
        String where = source + ": grouping";
        Object value = top.get("grouping");
        Map<String, Object> fields = value == null ? Map.of() : YamlFiles.mapping(where, value);
        YamlFiles.onlyKnown(fields, Set.of("group_by", "group_wait", "group_interval", "repeat_interval"), k -> where + ": " + k);
        Object by = fields.get("group_by");
        // group_by: [] is allowed here (one group for the whole job), unlike the lists of inhibit_rules
        List<String> groupBy = !fields.containsKey("group_by") ? AlertGrouping.DEFAULT_GROUP_BY
                : by instanceof List && ((List<?>) by).isEmpty() ? List.of() : names(where, "group_by", by, true);
        Duration wait = groupingDuration(where, "group_wait", fields.get("group_wait"), AlertGrouping.DEFAULT_GROUP_WAIT);
        Duration interval = groupingDuration(where, "group_interval", fields.get("group_interval"),
                AlertGrouping.DEFAULT_GROUP_INTERVAL);
        // Transitions happen on whole minutes of event time: finer durations would only pretend.
        if (wait.toMillis() % 60_000 != 0) {
            throw new ConfigException(where + ": group_wait: must be whole minutes (0m, 1m, ...), got " + Durations.format(wait));
        }
        if (interval.toMillis() % 60_000 != 0 || interval.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new ConfigException(where + ": group_interval: must be whole minutes, at least 1m, got "
                    + Durations.format(interval));
        }
        Duration repeat = groupingDuration(where, "repeat_interval", fields.get("repeat_interval"),
                AlertGrouping.DEFAULT_REPEAT_INTERVAL);
        if (repeat.toMillis() % 60_000 != 0 || repeat.compareTo(interval) < 0) {
            throw new ConfigException(where + ": repeat_interval: must be whole minutes, at least group_interval, got "
                    + Durations.format(repeat));
        }
        return new AlertGrouping(groupBy, wait, interval, repeat);
    }

    private static Duration groupingDuration(String where, String field, Object value, Duration otherwise) {
        if (value == null) {
            return otherwise;
        }
        if (!(value instanceof String)) {
            throw new ConfigException(where + ": " + field + ": expected a duration like 5m, got " + YamlFiles.describe(value));
        }
        return Durations.parse(where + ": " + field, (String) value);
    }

    /**
     * {@code maintenance:} a list of {name, match: {label: value}, days: [mon, ..], start: "HH:MM"
     * (UTC), duration: 2h}; days default to every day, match to every episode.
     */
    private static List<MaintenanceWindow> maintenance(String source, Object value) {
        List<MaintenanceWindow> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (!(value instanceof List)) {
            throw new ConfigException(source + ": maintenance: expected a list, got " + YamlFiles.describe(value));
        }
        int index = 0;
        for (Object item : (List<?>) value) {
            index++;
            String where = source + ": maintenance #" + index;
            Map<String, Object> fields = YamlFiles.mapping(where, item);
            YamlFiles.onlyKnown(fields, Set.of("name", "match", "days", "start", "duration"), k -> where + ": " + k);
            Object name = fields.get("name");
            if (!(name instanceof String) || ((String) name).isBlank()) {
                throw new ConfigException(where + ": name: missing");
            }
            Map<String, String> match = new java.util.TreeMap<>();
            Object m = fields.get("match");
            if (m != null) {
                for (Map.Entry<String, Object> e : YamlFiles.mapping(where + ": match", m).entrySet()) {
                    if (!(e.getValue() instanceof String)) {
                        throw new ConfigException(where + ": match: " + e.getKey() + ": expected a text value");
                    }
                    match.put(e.getKey(), (String) e.getValue());
                }
            }
            java.util.Set<java.time.DayOfWeek> days = java.util.EnumSet.noneOf(java.time.DayOfWeek.class);
            for (String d : names(where, "days", fields.get("days"), false)) {
                java.time.DayOfWeek day = DAYS.get(d.toLowerCase(java.util.Locale.ROOT));
                if (day == null) {
                    throw new ConfigException(where + ": days: '" + d + "' is not one of " + DAYS.keySet());
                }
                days.add(day);
            }
            Object start = fields.get("start");
            java.time.LocalTime at;
            try {
                at = java.time.LocalTime.parse(String.valueOf(start));
            } catch (java.time.format.DateTimeParseException e) {
                throw new ConfigException(where + ": start: expected a UTC time like \"02:00\", got " + YamlFiles.describe(start));
            }
            Object d = fields.get("duration");
            if (!(d instanceof String)) {
                throw new ConfigException(where + ": duration: expected a duration like 2h");
            }
            Duration duration = Durations.parse(where + ": duration", (String) d);
            if (duration.isZero() || duration.isNegative() || duration.compareTo(Duration.ofDays(7)) > 0) {
                throw new ConfigException(where + ": duration: must be more than 0 and at most 7d");
            }
            out.add(new MaintenanceWindow((String) name, match, days, at, duration));
        }
        return out;
    }

    private static final Map<String, java.time.DayOfWeek> DAYS = Map.of("mon", java.time.DayOfWeek.MONDAY,
            "tue", java.time.DayOfWeek.TUESDAY, "wed", java.time.DayOfWeek.WEDNESDAY, "thu", java.time.DayOfWeek.THURSDAY,
            "fri", java.time.DayOfWeek.FRIDAY, "sat", java.time.DayOfWeek.SATURDAY, "sun", java.time.DayOfWeek.SUNDAY);

    /**
     * {@code inhibit_rules:} a list of {source_rules: [..], target_rules: [..], equal: [labels],
     * via_calls: false}; every rule named must exist, and a rule cannot inhibit itself.
     */
    private static List<InhibitRule> inhibitRules(String source, Object value, Set<String> ruleNames) {
        List<InhibitRule> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (!(value instanceof List)) {
            throw new ConfigException(source + ": inhibit_rules: expected a list, got " + YamlFiles.describe(value));
        }
        int index = 0;
        for (Object item : (List<?>) value) {
            index++;
            String where = source + ": inhibit_rules #" + index;
            Map<String, Object> fields = YamlFiles.mapping(where, item);
            YamlFiles.onlyKnown(fields, Set.of("source_rules", "target_rules", "equal", "via_calls"), k -> where + ": " + k);
            List<String> sources = names(where, "source_rules", fields.get("source_rules"), true);
            List<String> targets = names(where, "target_rules", fields.get("target_rules"), true);
            List<String> equal = names(where, "equal", fields.get("equal"), false);
            for (String name : concat(sources, targets)) {
                if (!ruleNames.contains(name)) {
                    throw new ConfigException(where + ": no rule named '" + name + "'");
                }
            }
            for (String name : sources) {
                if (targets.contains(name)) {
                    throw new ConfigException(where + ": rule '" + name + "' cannot inhibit itself");
                }
            }
            Object via = fields.getOrDefault("via_calls", Boolean.FALSE);
            if (!(via instanceof Boolean)) {
                throw new ConfigException(where + ": via_calls: expected true or false, got " + YamlFiles.describe(via));
            }
            out.add(new InhibitRule(sources, targets, equal, (Boolean) via));
        }
        return out;
    }

    private static List<String> names(String where, String field, Object value, boolean required) {
        if (value == null) {
            if (required) {
                throw new ConfigException(where + ": " + field + ": missing");
            }
            return List.of();
        }
        if (!(value instanceof List) || ((List<?>) value).isEmpty()) {
            throw new ConfigException(where + ": " + field + ": expected a non-empty list, got " + YamlFiles.describe(value));
        }
        List<String> out = new ArrayList<>();
        for (Object v : (List<?>) value) {
            if (!(v instanceof String)) {
                throw new ConfigException(where + ": " + field + ": expected names, got " + YamlFiles.describe(v));
            }
            out.add((String) v);
        }
        return out;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Reads one rule; {@link #where(String)} builds "file: rule 'name': field 'f'". */
    private static final class RuleReader {
        private final String source;
        private final Map<String, Object> fields;
        private String rule;

        RuleReader(String source, int index, Object item) {
            this.source = source;
            this.rule = "rule #" + index;
            this.fields = YamlFiles.mapping(source + ": " + rule, item);
        }

        AlertRule read() {
            String name = text("name", true);
            if (!NAME.matcher(name).matches()) {
                throw new ConfigException(where("name") + ": '" + name + "' must be 1-64 of [a-z0-9_]");
            }
            rule = "rule '" + name + "'";

            // slo_burn rules come from slos:, which gives them their SLO
            Kpi kpi = choice("kpi", Arrays.stream(Kpi.values()).filter(k -> k != Kpi.SLO_BURN).toArray(Kpi[]::new),
                    Kpi::wireName, null);
            checkFields(kpi);

            Severity severity = choice("severity", Severity.values(), Severity::wireName, null);
            List<String> groupBy = groupBy(kpi);
            int forEvaluations = (int) integer("for", 1, 1, 10_000);
            Duration repeat = duration("repeat_interval", DEFAULT_REPEAT_INTERVAL, EVALUATION_INTERVAL);
            Duration keepFiring = duration("keep_firing_for", Duration.ZERO, Duration.ZERO);

            if (!kpi.hasThreshold()) {
                Duration idleFor = kpi == Kpi.IDLE_ENDPOINT ? duration("idle_for", null, EVALUATION_INTERVAL) : null;
                Duration silentFor = kpi == Kpi.NO_DATA ? duration("silent_for", null, EVALUATION_INTERVAL) : null;
                // no_data: minutes with requests before a group is watched (one request from a new
                // service is not traffic that can go missing)
                long minSample = kpi == Kpi.NO_DATA ? integer("min_sample", DEFAULT_NO_DATA_MIN_SAMPLE, 1, 1_000_000) : 0;
                return new AlertRule(name, kpi, null, null, null, 0, null, forEvaluations, minSample, null, groupBy, severity,
                        repeat, idleFor, silentFor, keepFiring);
            }

            Statistic[] statistics = Arrays.stream(Statistic.values()).filter(s -> s.kpi() == kpi).toArray(Statistic[]::new);
            Statistic statistic = choice("statistic", statistics, Statistic::wireName,
                    statistics.length == 1 ? statistics[0] : null);
            String stage = kpi == Kpi.LATENCY ? text("stage", false) : null;
            if (kpi == Kpi.LATENCY) {
                stage = stage == null ? DEFAULT_STAGE : stage;
                if (!STAGES.contains(stage)) {
                    throw new ConfigException(where("stage") + ": '" + stage + "' is not one of [total, model, llm]");
                }
            }
            boolean eventRule = kpi == Kpi.ENDPOINT_EVENT;
            Comparison comparison = comparison(eventRule ? Comparison.GE : null);
            Double threshold = threshold("threshold", statistic, eventRule ? 1.0 : null);
            Double resolve = threshold("resolve_threshold", statistic, null);
            if (resolve != null && (comparison.firesAbove() ? resolve > threshold : resolve < threshold)) {
                throw new ConfigException(where("resolve_threshold") + ": " + number(resolve) + " must be "
                        + (comparison.firesAbove() ? "at most" : "at least") + " the threshold " + number(threshold)
                        + ": a rule that fires when the value is " + comparison.symbol() + " " + number(threshold)
                        + " resolves " + (comparison.firesAbove() ? "below" : "above") + " it");
            }
            long minSample = eventRule ? 0 : integer("min_sample", 0, 0, Long.MAX_VALUE);
            // stuck is a gauge of the evaluated minute: its window is that minute
            Duration window = duration("window", statistic == Statistic.STUCK ? EVALUATION_INTERVAL : DEFAULT_WINDOW,
                    EVALUATION_INTERVAL);
            if (statistic == Statistic.STUCK && !window.equals(EVALUATION_INTERVAL)) {
                throw new ConfigException(where("window") + ": stuck is the gauge at the end of each minute; its window is 1m");
            }
            return new AlertRule(name, kpi, statistic, stage, comparison, threshold, resolve, forEvaluations, minSample,
                    window, groupBy, severity, repeat, null, null, keepFiring);
        }

        /** Unknown fields, and known fields the rule's kpi does not use, are refused. */
        private void checkFields(Kpi kpi) {
            Set<String> allowed = new LinkedHashSet<>(COMMON);
            if (kpi.hasThreshold()) {
                allowed.addAll(THRESHOLD);
            }
            if (kpi == Kpi.LATENCY || kpi == Kpi.TRAFFIC || kpi == Kpi.ACCURACY || kpi == Kpi.NO_DATA
                    || kpi == Kpi.JOBS) {
                allowed.add("min_sample");
            }
            if (kpi == Kpi.LATENCY) {
                allowed.add("stage");
            }
            if (kpi == Kpi.IDLE_ENDPOINT) {
                allowed.add("idle_for");
            }
            if (kpi == Kpi.NO_DATA) {
                allowed.add("silent_for");
            }
            for (String field : fields.keySet()) {
                if (!ALL_FIELDS.contains(field)) {
                    throw new ConfigException(where(field) + ": unknown field; known: " + ALL_FIELDS);
                }
                if (!allowed.contains(field)) {
                    throw new ConfigException(where(field) + ": not used by kpi " + kpi.wireName() + "; its fields: "
                            + ALL_FIELDS.stream().filter(allowed::contains).collect(Collectors.toList()));
                }
            }
        }

        private String where(String field) {
            return source + ": " + rule + ": field '" + field + "'";
        }

        private boolean present(String field) {
            return fields.get(field) != null;
        }

        private String text(String field, boolean required) {
            Object v = fields.get(field);
            if (v == null) {
                if (required) {
                    throw new ConfigException(where(field) + ": missing");
                }
                return null;
            }
            if (!(v instanceof String)) {
                throw new ConfigException(where(field) + ": expected text, got " + YamlFiles.describe(v));
            }
            return (String) v;
        }

        private <E> E choice(String field, E[] options, java.util.function.Function<E, String> wire, E fallback) {
            String v = text(field, fallback == null);
            if (v == null) {
                return fallback;
            }
            for (E option : options) {
                if (wire.apply(option).equals(v)) {
                    return option;
                }
            }
            throw new ConfigException(where(field) + ": '" + v + "' is not one of "
                    + Arrays.stream(options).map(wire).collect(Collectors.toList()));
        }

        private Comparison comparison(Comparison fallback) {
            String v = text("comparison", fallback == null);
            if (v == null) {
                return fallback;
            }
            Comparison c = Comparison.ofSymbol(v.trim());
            if (c == null) {
                throw new ConfigException(where("comparison") + ": '" + v + "' is not one of ['>', '>=', '<', '<='] "
                        + "(quote it in YAML: comparison: \">\")");
            }
            return c;
        }

        private Double threshold(String field, Statistic statistic, Double fallback) {
            if (!present(field)) {
                if (fallback == null && field.equals("threshold")) {
                    throw new ConfigException(where(field) + ": missing");
                }
                return fallback;
            }
            double d = YamlFiles.number(where(field), fields.get(field));
            if (d < 0) {
                throw new ConfigException(where(field) + ": " + fields.get(field) + " is negative; "
                        + statistic.wireName() + " is never below 0");
            }
            if (statistic.isRatio() && d > 1) {
                throw new ConfigException(where(field) + ": " + fields.get(field) + " is above 1; "
                        + statistic.wireName() + " is a fraction from 0 to 1 (1 % is 0.01)");
            }
            return d;
        }

        private long integer(String field, long fallback, long min, long max) {
            if (!present(field)) {
                return fallback;
            }
            Object v = fields.get(field);
            if (!(v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger)) {
                throw new ConfigException(where(field) + ": expected a whole number, got " + YamlFiles.describe(v));
            }
            java.math.BigInteger n = new java.math.BigInteger(v.toString());
            if (n.compareTo(java.math.BigInteger.valueOf(min)) < 0 || n.compareTo(java.math.BigInteger.valueOf(max)) > 0) {
                throw new ConfigException(where(field) + ": " + v + " is outside [" + min + ", "
                        + (max == Long.MAX_VALUE ? "..." : max) + "]");
            }
            return n.longValue();
        }

        private Duration duration(String field, Duration fallback, Duration min) {
            if (!present(field)) {
                if (fallback == null) {
                    throw new ConfigException(where(field) + ": missing");
                }
                return fallback;
            }
            Object v = fields.get(field);
            if (!(v instanceof String)) {
                throw new ConfigException(where(field) + ": expected a duration like 5m or 1h, got " + YamlFiles.describe(v));
            }
            Duration d = Durations.parse(where(field), (String) v);
            if (d.compareTo(min) < 0 || d.toMillis() % EVALUATION_INTERVAL.toMillis() != 0) {
                throw new ConfigException(where(field) + ": " + v + " must be a whole number of minutes, at least "
                        + Durations.format(min) + " (rules are evaluated every minute)");
            }
            return d;
        }

        private List<String> groupBy(Kpi kpi) {
            Object v = fields.get("group_by");
            List<String> labels = new ArrayList<>();
            if (v != null) {
                if (!(v instanceof List)) {
                    throw new ConfigException(where("group_by") + ": expected a list of labels like [service, model], got "
                            + YamlFiles.describe(v));
                }
                for (Object o : (List<?>) v) {
                    if (!(o instanceof String) || !kpi.labels().contains(o)) {
                        throw new ConfigException(where("group_by") + ": " + YamlFiles.describe(o)
                                + " is not a label of kpi " + kpi.wireName() + "; labels: " + sorted(kpi.labels()));
                    }
                    if (labels.contains(o)) {
                        throw new ConfigException(where("group_by") + ": '" + o + "' is listed twice");
                    }
                    labels.add((String) o);
                }
            }
            String needed = kpi == Kpi.ENDPOINT_EVENT || kpi == Kpi.IDLE_ENDPOINT ? "endpoint"
                    : kpi == Kpi.NO_DATA ? "service" : kpi == Kpi.TENANT_BUDGET ? "client_id" : null;
            if (needed != null && !labels.contains(needed)) {
                throw new ConfigException(where("group_by") + ": must include '" + needed + "' for kpi " + kpi.wireName());
            }
            return labels;
        }

        private static List<String> sorted(Set<String> s) {
            return s.stream().sorted().collect(Collectors.toList());
        }

        private static String number(double d) {
            return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d).toLowerCase(Locale.ROOT);
        }
    }
}
