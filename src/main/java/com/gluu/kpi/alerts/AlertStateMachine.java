package com.gluu.kpi.alerts;

import com.gluu.kpi.config.AlertRule;
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
 *       breach, so a pending group goes back to inactive; a firing episode neither resolves nor
 *       changes its value (we do not know the group has recovered), but still repeats on schedule.
 *   <li><b>hysteresis</b>: a firing episode resolves at the first evaluation whose value no longer
 *       satisfies {@link AlertRule#stillFiring(double)}.
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
            if (hasValue && !stillFiring) {
                s.notifySeq++;
                AlertRecord r = record(s, labelsJson, at, value, AlertRecord.RESOLVED);
                r.resolvedAt = at;
                out.add(r);
                reset(s);
                return out;
            }
            if (hasValue) {
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

    private static void reset(AlertGroupState s) {
        s.phase = AlertGroupState.INACTIVE;
        s.breaches = 0;
        s.pendingSince = Long.MIN_VALUE;
        s.alertId = null;
        s.notifySeq = 0;
        s.lastNotifiedAt = Long.MIN_VALUE;
        s.lastValue = Double.NaN;
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

    /** e.g. {@code latency_p95_critical firing: total p95 12345 > 10000 for {"model":"blip2","service":"analyze-api"}}. */
    String summary(double value, String labelsJson, String state) {
        StringBuilder b = new StringBuilder(rule.name()).append(' ').append(state).append(": ");
        switch (rule.kpi()) {
            case IDLE_ENDPOINT:
                b.append("billed with no request for ").append(rule.idleFor().toMinutes()).append(" min");
                break;
            case NO_DATA:
                b.append("no requests for ").append(rule.silentFor().toMinutes()).append(" min");
                break;
            default:
                if (rule.stage() != null) {
                    b.append(rule.stage()).append(' ');
                }
                b.append(rule.statistic().wireName()).append(' ')
                        .append(Double.isNaN(value) ? "n/a" : number(value)).append(' ')
                        .append(rule.comparison().symbol()).append(' ').append(number(rule.threshold()));
        }
        return b.append(" for ").append(labelsJson).toString();
    }

    private static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : String.format("%.4g", d);
    }

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
