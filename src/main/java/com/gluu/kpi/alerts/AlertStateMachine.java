package com.gluu.kpi.alerts;

import com.gluu.kpi.config.AlertRule;
import com.gluu.kpi.config.Durations;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The lifecycle of the alert episodes of one rule (SPEC §5), one group at a time: evaluated once
 * per minute of event time, it moves an {@link AlertGroupState} through
 * inactive → pending → firing → resolved (→ inactive) and returns the {@link AlertRecord}s to emit.
 *
 * <ul>
 *   <li><b>for</b>: a group fires on its {@code for}-th consecutive breached evaluation; in between
 *       it is pending, and an evaluation that does not breach sends it back to inactive without an
 *       episode (nothing is emitted).
 *   <li><b>start</b>: the episode starts at the time of the first breached evaluation of the run
 *       that made it fire (like Prometheus' {@code activeAt}); for {@code for: 1} that is the firing
 *       evaluation itself.
 *   <li><b>no value</b> ({@code NaN}, or fewer observations than {@code min_sample}): does not
 *       breach, so a pending group goes back to inactive; for a firing episode it counts as an
 *       evaluation whose condition no longer holds (Prometheus: a series that is gone is not
 *       firing), so an episode of a service that fell silent resolves once {@code keep_firing_for}
 *       has passed, with value NaN, and {@code no_data} speaks for the silence instead of hourly
 *       reminders of a stale value.
 *   <li><b>hysteresis</b>: a firing episode resolves at the first evaluation whose value no longer
 *       satisfies {@link AlertRule#stillFiring(double)} (or that has no value), or, with
 *       {@code keep_firing_for}, at the first such evaluation at least that long after the first of
 *       an unbroken run of them (an evaluation that holds again ends the run).
 *   <li><b>repeat</b>: while firing, an evaluation at least {@code repeat_interval} of event time
 *       after the episode's latest notification notifies again ({@code notifySeq + 1}, same id).
 *   <li><b>resolve</b>: one record with state {@code resolved}, {@code resolvedAt} = the evaluation
 *       time, {@code notifySeq + 1}; the group is then inactive, and a later breach is a new episode.
 * </ul>
 *
 * <p>Alert id ({@link #alertId}): the first 32 characters of the lowercase hex SHA-256 of the UTF-8
 * bytes of {@code rule name + "\n" + labels JSON (keys sorted) + "\n" + episode start in epoch ms
 * (decimal)}: a replay or a restore of the same input gives the same id.
 *
 * <p>Plain Java; holds only the (serializable) rule, all mutable state is in the
 * {@link AlertGroupState} passed in.
 */
public final class AlertStateMachine {
    private final AlertRule rule;

    public AlertStateMachine(AlertRule rule) {
        this.rule = rule;
    }

    public AlertRule rule() {
        return rule;
    }

    /**
     * Evaluates a threshold rule at event time {@code at} with the group's current {@code value}
     * over {@code sample} observations; {@code value} NaN or {@code sample < min_sample} is "no value".
     */
    public List<AlertRecord> evaluate(AlertGroupState s, String labelsJson, long at, double value, long sample) {
        boolean hasValue = !Double.isNaN(value) && sample >= rule.minSample();
        if (!hasValue) {
            return step(s, labelsJson, at, false, false, false, Double.NaN);
        }
        return step(s, labelsJson, at, true, rule.breached(value), rule.stillFiring(value), value);
    }

    /**
     * Evaluates a duration rule ({@code idle_endpoint}, {@code no_data}) whose condition holds or
     * not at {@code at}; it has no value (records carry NaN) and resolves as soon as it no longer holds.
     */
    public List<AlertRecord> evaluateCondition(AlertGroupState s, String labelsJson, long at, boolean holds) {
        return step(s, labelsJson, at, true, holds, holds, Double.NaN);
    }

    private List<AlertRecord> step(AlertGroupState s, String labelsJson, long at, boolean hasValue, boolean breached,
            boolean stillFiring, double value) {
        List<AlertRecord> out = new ArrayList<>(1);
        if (s.phase == AlertGroupState.FIRING) {
            if (!hasValue || !stillFiring) {
                if (s.clearSince == Long.MIN_VALUE) {
                    s.clearSince = at;
                }
                if (at - s.clearSince >= rule.keepFiringFor().toMillis()) {
                    s.notifySeq++;
                    AlertRecord r = record(s, labelsJson, at, value, AlertRecord.RESOLVED);
                    r.resolvedAt = at;
                    out.add(r);
                    reset(s);
                    return out;
                }
                // keep_firing_for: still firing (with the last value that held) until the condition
                // has stayed away that long
            } else {
                s.clearSince = Long.MIN_VALUE;
                s.lastValue = value;
            }
            if (at - s.lastNotifiedAt >= rule.repeatInterval().toMillis()) {
                s.notifySeq++;
                s.lastNotifiedAt = at;
                out.add(record(s, labelsJson, at, s.lastValue, AlertRecord.FIRING));
            }
            return out;
        }
        if (!breached) {
            reset(s);
            return out;
        }
        if (s.phase == AlertGroupState.INACTIVE) {
            s.phase = AlertGroupState.PENDING;
            s.breaches = 0;
            s.pendingSince = at;
        }
        s.breaches++;
        if (s.breaches >= rule.forEvaluations()) {
            s.phase = AlertGroupState.FIRING;
            s.alertId = alertId(rule.name(), labelsJson, s.pendingSince);
            s.notifySeq = 1;
            s.lastNotifiedAt = at;
            s.lastValue = value;
            out.add(record(s, labelsJson, at, value, AlertRecord.FIRING));
        }
        return out;
    }

    /**
     * A firing episode notifies again now, outside its {@code repeat_interval} (an escalation, as
     * {@code tenant_budget}'s from warning to critical): {@code notifySeq + 1}, same id.
     */
    public AlertRecord notifyAgain(AlertGroupState s, String labelsJson, long at, double value) {
        if (!s.isFiring()) {
            throw new IllegalStateException("only a firing episode notifies again");
        }
        s.notifySeq++;
        s.lastNotifiedAt = at;
        s.lastValue = value;
        return record(s, labelsJson, at, value, AlertRecord.FIRING);
    }

    /**
     * Forgets a group that has had no input for {@code idle} ({@code alerts.group_idle_timeout}):
     * a firing episode resolves at {@code at} (value NaN, its summary says why), so no episode
     * of a group that went away stays firing for ever; a pending one ends without a record.
     */
    public List<AlertRecord> forget(AlertGroupState s, String labelsJson, long at, java.time.Duration idle) {
        List<AlertRecord> out = new ArrayList<>(1);
        if (s.phase == AlertGroupState.FIRING) {
            s.notifySeq++;
            AlertRecord r = record(s, labelsJson, at, Double.NaN, AlertRecord.RESOLVED);
            r.resolvedAt = at;
            r.summary = "no input for " + idle.toMinutes() + " min, forgotten: " + group(labelsJson);
            out.add(r);
        }
        reset(s);
        return out;
    }

    private static void reset(AlertGroupState s) {
        s.phase = AlertGroupState.INACTIVE;
        s.breaches = 0;
        s.pendingSince = Long.MIN_VALUE;
        s.alertId = null;
        s.notifySeq = 0;
        s.lastNotifiedAt = Long.MIN_VALUE;
        s.lastValue = Double.NaN;
        s.clearSince = Long.MIN_VALUE;
        s.heldBy = null;
    }

    private AlertRecord record(AlertGroupState s, String labelsJson, long at, double value, String state) {
        AlertRecord r = new AlertRecord();
        r.alertId = s.alertId;
        r.rule = rule.name();
        r.severity = rule.severity().wireName();
        r.labelsJson = labelsJson;
        r.state = state;
        r.startedAt = s.pendingSince;
        r.value = value;
        r.threshold = rule.kpi().hasThreshold() ? rule.threshold() : Double.NaN;
        r.summary = summary(value, labelsJson, state);
        r.notifySeq = s.notifySeq;
        r.transitionAt = at;
        return r;
    }

    /**
     * One readable line, e.g. {@code p95 of total latency 12.3 s > 10 s for analyze-api/blip2}, or
     * {@code error rate back to 0.4 % (fires > 1 %) for analyze-api} when resolved. The group is its
     * label values in group_by order ({@code all} without group_by).
     */
    String summary(double value, String labelsJson, String state) {
        boolean resolved = AlertRecord.RESOLVED.equals(state);
        String group = group(labelsJson);
        switch (rule.kpi()) {
            case IDLE_ENDPOINT:
                return (resolved ? "no longer idle: " : "billed for " + rule.idleFor().toMinutes() + " min with no request: ")
                        + group;
            case NO_DATA:
                return (resolved ? "requests again from " : "no requests for " + rule.silentFor().toMinutes() + " min from ")
                        + group;
            case SLO_BURN:
                return burnSummary(value, group, resolved);
            case TENANT_BUDGET: // TenantBudgetEvaluator writes its own, with the spend
                return (resolved ? "back within budget: " : "over budget: ") + group;
            default:
                break;
        }
        String what;
        switch (rule.statistic()) {
            case ERROR_RATE: what = "error rate"; break;
            case REQUESTS: what = "requests"; break;
            case ACCURACY: what = "accuracy"; break;
            case FAILED: what = "failures in " + rule.window().toMinutes() + " min"; break;
            case RESTART: what = "restarts in " + rule.window().toMinutes() + " min"; break;
            case STUCK: what = "stuck jobs"; break;
            case WEBHOOK_FAILURE_RATE: what = "webhook failure rate"; break;
            default: what = rule.statistic().wireName() + " of " + rule.stage() + " latency";
        }
        String t = rule.comparison().symbol() + " " + format(rule.threshold());
        if (resolved && Double.isNaN(value)) {
            return what + " no longer measured (" + (rule.minSample() > 0 ? "fewer than " + rule.minSample()
                    + " observations" : "no observations") + " in " + Durations.format(rule.window())
                    + "; fires " + t + ") for " + group;
        }
        String v = Double.isNaN(value) ? "n/a" : format(value);
        return resolved ? what + " back to " + v + " (fires " + t + ") for " + group
                : what + " " + v + " " + t + " for " + group;
    }

    /**
     * e.g. {@code availability budget burning 20x over 1h and 5m (fires at 14.4x) for analyze-api},
     * or {@code availability budget burn back to 3.2x (fires at 14.4x over 1h and 5m) for analyze-api}.
     */
    private String burnSummary(double value, String group, boolean resolved) {
        String v = Double.isNaN(value) ? "n/a" : number(value) + "x";
        String windows = Durations.format(rule.window()) + " and " + Durations.format(rule.shortWindow());
        String fires = "fires at " + number(rule.threshold()) + "x";
        String slo = rule.slo().name() + " budget burn";
        if (resolved && Double.isNaN(value)) {
            return slo + " no longer measured (fewer than " + rule.minSample() + " requests in "
                    + Durations.format(rule.window()) + "; " + fires + ") for " + group;
        }
        return resolved ? slo + " back to " + v + " (" + fires + " over " + windows + ") for " + group
                : slo + "ing " + v + " over " + windows + " (" + fires + ") for " + group;
    }

    /** A value in the statistic's unit: seconds for latency, percent for error rate. */
    private String format(double d) {
        switch (rule.kpi()) {
            case LATENCY: return number(d / 1000) + " s";
            case TRAFFIC: return rule.statistic() == AlertRule.Statistic.ERROR_RATE ? number(d * 100) + " %" : number(d);
            case JOBS: return rule.statistic() == AlertRule.Statistic.WEBHOOK_FAILURE_RATE ? number(d * 100) + " %" : number(d);
            default: return number(d);
        }
    }

    /** Up to 3 significant digits, no trailing zeros: 12.3, 10, 0.625, 2.5. */
    private static String number(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return new java.math.BigDecimal(d).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    private String group(String labelsJson) {
        if (rule.groupBy().isEmpty()) {
            return "all";
        }
        try {
            com.fasterxml.jackson.databind.JsonNode labels = JSON.readTree(labelsJson);
            StringBuilder b = new StringBuilder();
            for (String label : rule.groupBy()) {
                if (b.length() > 0) {
                    b.append('/');
                }
                com.fasterxml.jackson.databind.JsonNode v = labels.get(label);
                b.append(v == null ? "" : v.asText());
            }
            return b.toString();
        } catch (java.io.IOException e) {
            return labelsJson;
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** The deterministic episode id (see the class comment). */
    public static String alertId(String rule, String labelsJson, long startedAt) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] hash = sha.digest((rule + "\n" + labelsJson + "\n" + startedAt).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** A JSON object of the labels with sorted keys, e.g. {@code {"model":"blip2","service":"analyze-api"}}. */
    public static String labelsJson(Map<String, String> labels) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
            if (b.length() > 1) {
                b.append(',');
            }
            quote(b, e.getKey()).append(':');
            quote(b, e.getValue() == null ? "" : e.getValue());
        }
        return b.append('}').toString();
    }

    /** The labels of {@link #labelsJson} read back. */
    public static Map<String, String> labels(String json) {
        try {
            return LABELS_READER.readValue(json == null || json.isEmpty() ? "{}" : json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("labels are the evaluator's own JSON", e);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectReader LABELS_READER = new com.fasterxml.jackson.databind.ObjectMapper()
            .readerFor(new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {});

    private static StringBuilder quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"');
    }
}
