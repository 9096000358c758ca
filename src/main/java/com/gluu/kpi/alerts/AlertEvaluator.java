package com.gluu.kpi.alerts;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.gluu.kpi.config.AlertRule;
import com.gluu.kpi.config.AlertRule.Kpi;
import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.config.ConfigException;
import com.gluu.kpi.pipeline.KeyCap;
import com.gluu.kpi.latency.LatencySketches;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates every alert rule once per minute of event time (SPEC §5). Keyed by rule name; per
 * group (the rule's group_by labels) it keeps a {@link GroupMinutes}: the rule's
 * {@link AlertStateMachine} state and a ring of per-minute aggregates.
 *
 * <p><b>The timer chain.</b> An event-time timer at the last millisecond of a minute {@code M}
 * (the timestamp the upstream partials of that minute carry, so they have all arrived when it
 * fires) evaluates every group over the minutes {@code (M - window, M]} and emits the transitions
 * with that timestamp; the evaluation time of the state machine is the minute's end. The result
 * is, by construction, what evaluating every minute would give, but the chain <b>skips the
 * minutes where nothing can change</b> ({@link #nextChange}): a group's evaluation input only
 * changes when a minute of its ring enters or leaves the window, so between two such boundaries
 * an inactive group stays inactive, a firing one only repeats (at a known minute) and only a
 * pending one must be stepped. So a stream whose first record is in 2000 and its second today
 * costs two evaluations, not 14 million (SPEC §3), and an hour without input costs nothing.
 * Inputs move the chain back to their minute when it is earlier than the next planned one.
 *
 * <p><b>Restores.</b> After a restore the watermark is {@code Long.MIN_VALUE} until the first one
 * arrives, so the chain never decides from the watermark alone: {@code doneThrough} (state) is the
 * last minute evaluated, and no input restarts the chain at or before it. The next minute is
 * always after the one evaluated, so a timer can never re-register itself.
 *
 * <p><b>Bounded state</b> (SPEC §2): a rule keeps at most {@code alerts.max_groups_per_rule}
 * groups; the inputs of further groups count in the rule's {@code ~other} group (every label
 * {@value KeyCap#OTHER}; a metric {@code alertGroupsOverCap} and one log line per rule say so),
 * except for no_data, which ignores them (the silence of "every other service" means nothing).
 * A group with no input for {@code alerts.group_idle_timeout} is forgotten (a firing episode
 * resolves, {@link AlertStateMachine#forget}); a group that is not pending or firing and has had
 * no input for its window is dropped at once (no_data groups are kept until the idle timeout:
 * their silence is what they watch).
 *
 * <ul>
 *   <li>latency: the merged DDSketch's quantile (p50..p99), max, or mean; sample = events;
 *   <li>traffic: error_rate = errors / requests (no value without requests), requests; sample = requests;
 *   <li>accuracy: mean score; sample = feedback;
 *   <li>slo_burn: min(burn rate over the long window, over the short window), burn rate =
 *       (bad / requests) / (1 - objective) (Google SRE workbook, "Alerting on SLOs"); sample =
 *       requests of the long window (no value with none); a short window without requests burns 0;
 *   <li>endpoint_event: Σ failures or Σ restarts in the window (always a value, 0 without input);
 *   <li>idle_endpoint: breached when every minute of the last idle_for has billed ms &gt; 0 and
 *       none has requests on the endpoint;
 *   <li>no_data: breached when the group had requests and none in the last silent_for;
 *   <li>jobs: stuck = the jobs stuck at the end of the evaluated minute (its gauges; no value
 *       without open jobs), webhook_failure_rate = failed / (sent + failed) attempts over the
 *       window, sample = attempts; evidence the oldest stuck jobs or the latest failed webhooks.
 * </ul>
 *
 * <p>The ring starts at the window plus {@value #SLACK} minutes and grows whenever an input would
 * overwrite a minute an evaluation still needs ({@link #keepFrom}): inputs run up to ~10 minutes
 * ahead of the evaluator's watermark, which is that of its slowest input (feedback waits 10
 * minutes). An input older than every evaluation still to come is ignored. no_data takes traffic
 * into account only when its minute is evaluated. Once the watermark is at its end
 * ({@code Long.MAX_VALUE}, end of a bounded input) the chain stops after the last minute with
 * input: the end of the input is not silence.
 *
 * <p><b>Accuracy rules wait</b> {@code feedback_wait + allowed_lateness} of event time before they
 * evaluate a minute ({@code accuracyDelay}): a feedback that waited for its inference is emitted
 * by the join with its own (earlier) ts as late as watermark {@code ts + wait + lateness}, so only
 * then are a minute's accuracy inputs complete. Without the wait such a feedback counted or not
 * depending on when watermarks happened to travel, and a restart from a checkpoint could move an
 * episode's start by minutes (found by {@code TaskManagerFailoverITCase}). The transitions still
 * carry the minute's own time.
 */
public class AlertEvaluator extends KeyedProcessFunction<String, RuleInput, AlertRecord> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AlertEvaluator.class);
    static final long MINUTE_MS = RuleInputs.MINUTE_MS;
    static final int SLACK = 2;
    /** Defaults of {@code alerts.max_groups_per_rule} and {@code alerts.group_idle_timeout}. */
    static final int DEFAULT_MAX_GROUPS = 10_000;
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(24);

    /** Up to 20 requests behind each new episode of a latency or error-rate rule. */
    public static final OutputTag<AlertEvidence> EVIDENCE =
            new OutputTag<>("alert-evidence", TypeInformation.of(AlertEvidence.class));

    private final AlertRules rules;
    private final long accuracyDelayMs;
    private final int maxGroups;
    private final Duration idleTimeout;
    private boolean deploySilences = true;

    private transient Map<String, AlertStateMachine> machines;
    /** Rule name → {@link #overflowLabels} of the rule (asked for on every input). */
    private transient Map<String, String> overflowByRule;
    private transient MapState<String, GroupMinutes> groups;
    /** The minute of the pending timer, null when no timer chain runs. */
    private transient ValueState<Long> nextMinute;
    /** The latest minute any input arrived for (end-of-input stop). */
    private transient ValueState<Long> lastInputMinute;
    /** The minute of the latest event time of a bounded input (its InputEnd), if one ended. */
    private transient ValueState<Long> inputEndMinute;
    /** The latest minute evaluated; null before the first evaluation. */
    private transient ValueState<Long> doneThrough;
    /** Entries of {@link #groups} (MapState has no size); null in state from before it existed. */
    private transient ValueState<Integer> groupCount;
    private transient Set<String> cappedRules;
    private transient Counter overCap;
    private transient Counter forgotten;

    /** With no accuracy delay: for tests whose accuracy inputs all arrive in time. */
    public AlertEvaluator(AlertRules rules) {
        this(rules, Duration.ZERO);
    }

    /** @param accuracyDelay {@code accuracy.feedback_wait + time.allowed_lateness} (see the class comment) */
    public AlertEvaluator(AlertRules rules, Duration accuracyDelay) {
        this(rules, accuracyDelay, DEFAULT_MAX_GROUPS, DEFAULT_IDLE_TIMEOUT);
    }

    /**
     * @param maxGroups {@code alerts.max_groups_per_rule}
     * @param idleTimeout {@code alerts.group_idle_timeout}; must exceed every rule's lookback
     */
    public AlertEvaluator(AlertRules rules, Duration accuracyDelay, int maxGroups, Duration idleTimeout) {
        for (AlertRule rule : rules.rules()) {
            long span = Math.max(lookback(rule), rule.kpi() == Kpi.NO_DATA ? rule.silentFor().toMinutes() : 0);
            if (idleTimeout.toMinutes() <= span) {
                throw new ConfigException("alerts.group_idle_timeout (" + idleTimeout.toMinutes() + " min) must exceed"
                        + " the " + span + " min rule '" + rule.name() + "' looks back");
            }
        }
        this.rules = rules;
        this.accuracyDelayMs = accuracyDelay.toMillis();
        this.maxGroups = maxGroups;
        this.idleTimeout = idleTimeout;
    }

    /** {@code alerts.deploy_silences_endpoint_rules}; on by default. */
    public AlertEvaluator deploySilences(boolean on) {
        this.deploySilences = on;
        return this;
    }

    private long delay(AlertRule rule) {
        return rule.kpi() == Kpi.ACCURACY ? accuracyDelayMs : 0;
    }

    /** When minute {@code m} is evaluated for {@code rule}: its last millisecond, plus the rule's delay. */
    private long evaluationTime(long m, AlertRule rule) {
        return endOf(m) - 1 + delay(rule);
    }

    /** The watermark as the rule sees it: shifted back by its delay. */
    private long ruleWatermark(long watermark, AlertRule rule) {
        long d = delay(rule);
        return watermark == Long.MAX_VALUE || watermark < Long.MIN_VALUE + d ? watermark : watermark - d;
    }

    @Override
    public void open(OpenContext openContext) {
        machines = new HashMap<>();
        overflowByRule = new HashMap<>();
        for (AlertRule rule : rules.rules()) {
            machines.put(rule.name(), new AlertStateMachine(rule));
            overflowByRule.put(rule.name(), overflowLabels(rule));
        }
        groups = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("groups", Types.STRING, TypeInformation.of(GroupMinutes.class)));
        nextMinute = getRuntimeContext().getState(new ValueStateDescriptor<>("nextMinute", Types.LONG));
        lastInputMinute = getRuntimeContext().getState(new ValueStateDescriptor<>("lastInputMinute", Types.LONG));
        inputEndMinute = getRuntimeContext().getState(new ValueStateDescriptor<>("inputEndMinute", Types.LONG));
        doneThrough = getRuntimeContext().getState(new ValueStateDescriptor<>("doneThrough", Types.LONG));
        groupCount = getRuntimeContext().getState(new ValueStateDescriptor<>("groupCount", Types.INT));
        cappedRules = new HashSet<>();
        overCap = getRuntimeContext().getMetricGroup().counter("alertGroupsOverCap");
        forgotten = getRuntimeContext().getMetricGroup().counter("alertGroupsForgotten");
    }

    /**
     * Minutes the rule looks back: its window, or idle_for; 1 for no_data (it only needs the last
     * traffic) and for tenant_budget, which has no window: TenantBudgetEvaluator evaluates it and
     * no input of it reaches this operator.
     */
    static int lookback(AlertRule rule) {
        switch (rule.kpi()) {
            case IDLE_ENDPOINT: return (int) rule.idleFor().toMinutes();
            case NO_DATA:
            case TENANT_BUDGET: return 1;
            default: return (int) rule.window().toMinutes();
        }
    }

    /** The rule's overflow group: every group_by label {@value KeyCap#OTHER}. */
    static String overflowLabels(AlertRule rule) {
        Map<String, String> labels = new TreeMap<>();
        for (String label : rule.groupBy()) {
            labels.put(label, KeyCap.OTHER);
        }
        return AlertStateMachine.labelsJson(labels);
    }

    private int groupCount() throws Exception {
        Integer n = groupCount.value();
        if (n == null) {
            int count = 0;
            for (String ignored : groups.keys()) {
                count++;
            }
            n = count;
            groupCount.update(n);
        }
        return n;
    }

    @Override
    public void processElement(RuleInput in, Context ctx, Collector<AlertRecord> out) throws Exception {
        AlertStateMachine machine = machines.get(in.rule);
        if (machine == null) {
            return;
        }
        AlertRule rule = machine.rule();
        if (in.inputEndTs != Long.MIN_VALUE) { // the end of a bounded input, not a contribution
            Long end = inputEndMinute.value();
            if (end == null || in.minute > end) {
                inputEndMinute.update(in.minute);
            }
            return;
        }
        String overflow = overflowByRule.get(rule.name());
        if (rule.kpi() == Kpi.NO_DATA && !rule.groupBy().isEmpty() && overflow.equals(in.labelsJson)) {
            return; // "every other service" is not a service that went silent
        }
        String key = in.labelsJson;
        GroupMinutes g = groups.get(key);
        if (g == null) {
            int n = groupCount();
            if (n >= maxGroups && !key.equals(overflow)) {
                overCap.inc();
                if (cappedRules.add(rule.name())) {
                    LOG.warn("alert rule {} has {} groups (alerts.max_groups_per_rule); inputs of further groups count"
                            + " in its '{}' group{}", rule.name(), n, KeyCap.OTHER,
                            rule.kpi() == Kpi.NO_DATA ? " (no_data ignores them)" : "");
                }
                if (rule.kpi() == Kpi.NO_DATA) {
                    return;
                }
                key = overflow;
                g = groups.get(key);
            }
            if (g == null) {
                g = GroupMinutes.create(key, lookback(rule) + SLACK);
                groupCount.update(n + 1);
            }
        }
        long watermark = ruleWatermark(ctx.timerService().currentWatermark(), rule);
        Long done = doneThrough.value();
        long keepFrom = keepFrom(rule, watermark, done);
        int i = g.claim(in.minute, keepFrom);
        if (i >= 0) {
            if (in.count > 0) {
                g.max[i] = g.count[i] == 0 ? in.max : Math.max(g.max[i], in.max);
            }
            g.sketch[i] = mergeSketches(g.sketch[i], in.sketch);
            g.count[i] += in.count;
            g.errors[i] += in.errors;
            g.sum[i] += in.sum;
            g.restarts[i] += in.restarts;
            g.failures[i] += in.failures;
            g.addDeployMs(i, in.deployMs);
            g.billedMs[i] += in.billedMs;
            g.requests[i] += in.requests;
            if (in.requestId != null) {
                g.addEvidence(i, in.requestId, in.requestTs, in.requestValue, evidenceByValue(rule));
            }
        }
        g.lastInputMinute = Math.max(g.lastInputMinute, in.minute);
        g.firstInputMinute = Math.min(g.firstInputMinute, in.minute);
        long first = firstUnevaluated(watermark, done);
        if (in.minute < first) {
            // a minute already evaluated; the others are folded in when their minute is (foldSeen):
            // an input of a later minute must not hide the silence of the minute being evaluated
            g.lastSeenMinute = Math.max(g.lastSeenMinute, in.minute);
        }
        if (in.requests > 0 && in.minute < keepFrom) {
            g.lastTrafficMinute = Math.max(g.lastTrafficMinute, in.minute);
        }
        if (in.requests > 0 && rule.kpi() == Kpi.NO_DATA) {
            g.noteTraffic(in.minute, rule.minSample());
        }
        groups.put(key, g);

        Long last = lastInputMinute.value();
        if (last == null || in.minute > last) {
            lastInputMinute.update(in.minute);
        }
        // The first minute this input can change: its own, or the first one still to evaluate.
        long affected = Math.max(in.minute, first);
        Long next = nextMinute.value();
        if (next == null || affected < next) {
            if (next != null) {
                ctx.timerService().deleteEventTimeTimer(evaluationTime(next, rule));
            }
            nextMinute.update(affected);
            ctx.timerService().registerEventTimeTimer(evaluationTime(affected, rule));
        }
    }

    /**
     * The first minute not evaluated yet: after the last one evaluated ({@code done}), and after
     * every minute whose timer time the (rule's) watermark has passed (those were evaluated or
     * skipped as unchanged). {@code Long.MIN_VALUE} when neither is known.
     */
    static long firstUnevaluated(long watermark, Long done) {
        long first = watermark == Long.MIN_VALUE ? Long.MIN_VALUE : Math.floorDiv(watermark + 1, MINUTE_MS);
        if (done != null) {
            first = Math.max(first, done + 1);
        }
        return first;
    }

    /**
     * The oldest minute an evaluation still to come can look at: the first minute not evaluated
     * yet minus the lookback (the window for evidence too).
     */
    static long keepFrom(AlertRule rule, long watermark, Long done) {
        if (watermark == Long.MAX_VALUE) {
            return Long.MAX_VALUE; // every timer has fired: nothing is evaluated any more
        }
        long first = firstUnevaluated(watermark, done);
        if (first == Long.MIN_VALUE) {
            return Long.MIN_VALUE;
        }
        int back = lookback(rule);
        if (rule.window() != null) {
            back = Math.max(back, (int) rule.window().toMinutes());
        }
        return first - back + 1;
    }

    private static byte[] mergeSketches(byte[] a, byte[] b) {
        if (b.length == 0) {
            return a;
        }
        if (a.length == 0) {
            return b;
        }
        DDSketch s = LatencySketches.fromBytes(a);
        s.mergeWith(LatencySketches.fromBytes(b));
        return LatencySketches.toBytes(s);
    }

    static long endOf(long minute) {
        return (minute + 1) * MINUTE_MS;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AlertRecord> out) throws Exception {
        AlertStateMachine machine = machines.get(ctx.getCurrentKey());
        AlertRule rule = machine.rule();
        long m = Math.floorDiv(timestamp - delay(rule), MINUTE_MS);
        Long expected = nextMinute.value();
        if (expected == null || expected != m) {
            return; // not the chain's timer
        }
        Long last = lastMinute();
        if (ctx.timerService().currentWatermark() == Long.MAX_VALUE && last != null && m > last) {
            nextMinute.clear(); // the end of the input is not silence: nothing after its last minute
            return;
        }
        doneThrough.update(m);
        long at = endOf(m);
        long idleMinutes = idleTimeout.toMinutes();
        long next = Long.MAX_VALUE;
        List<String> drop = new ArrayList<>();
        List<Map.Entry<String, GroupMinutes>> kept = new ArrayList<>();
        int remaining = 0;
        for (Map.Entry<String, GroupMinutes> e : groups.entries()) {
            GroupMinutes g = e.getValue();
            if (g.firstInputMinute != Long.MAX_VALUE && g.firstInputMinute > m) {
                next = Math.min(next, g.firstInputMinute); // its data starts later
                remaining++;
                continue;
            }
            foldSeen(g, m);
            if (m - g.lastSeenOrInputMinute() >= idleMinutes) {
                for (AlertRecord r : machine.forget(g.alert, g.labelsJson, at, idleTimeout)) {
                    out.collect(r);
                }
                forgotten.inc();
                if (g.forgetUpTo(m, rule.minSample())) {
                    drop.add(e.getKey());
                } else { // inputs of later minutes arrived already: the group starts again with them
                    kept.add(Map.entry(e.getKey(), g));
                    remaining++;
                    next = Math.min(next, g.firstInputMinute);
                }
                continue;
            }
            String heldBefore = g.alert.heldBy;
            for (AlertRecord r : evaluate(machine, g, m, at)) {
                holdForDeploy(rule, g, m, r, heldBefore);
                out.collect(r);
                if (AlertRecord.FIRING.equals(r.state) && r.notifySeq == 1) {
                    for (AlertEvidence ev : evidence(rule, g, m, r.alertId)) {
                        ctx.output(EVIDENCE, ev);
                    }
                }
            }
            boolean idle = g.lastInputMinute <= m - lookback(rule);
            if (rule.kpi() != Kpi.NO_DATA && g.alert.isInactive() && idle) {
                drop.add(e.getKey());
            } else {
                // copies under RocksDB: every group evaluated is written back
                kept.add(Map.entry(e.getKey(), g));
                remaining++;
                next = Math.min(next, nextChange(rule, g, m, idleMinutes));
            }
        }
        for (String key : drop) {
            groups.remove(key);
        }
        for (Map.Entry<String, GroupMinutes> e : kept) {
            groups.put(e.getKey(), e.getValue());
        }
        groupCount.update(remaining); // every group was just visited
        boolean endOfInput = ctx.timerService().currentWatermark() == Long.MAX_VALUE && last != null && next > last;
        if (remaining == 0 || next == Long.MAX_VALUE || endOfInput) {
            nextMinute.clear();
        } else {
            nextMinute.update(next);
            ctx.timerService().registerEventTimeTimer(evaluationTime(next, rule));
        }
    }

    /**
     * Where evaluation stops at the end of a bounded input: the input's last event minute (its
     * InputEnd), or this rule's last input minute if no InputEnd came (a drained unbounded job).
     * The end of the input is not silence; a silence inside it is, whatever the watermarks did.
     */
    private Long lastMinute() throws Exception {
        Long last = lastInputMinute.value();
        Long end = inputEndMinute.value();
        if (last == null) {
            return null;
        }
        return end == null ? last : Math.max(last, end);
    }

    /**
     * An endpoint that is deploying (Creating or Updating in the rule's window) silences its own
     * failure and restart rules (SPEC §5, {@code alerts.deploy_silences_endpoint_rules}): a new
     * episode is marked {@code inhibitedBy = "deploy"}, recorded but never sent, and so are its
     * later transitions.
     */
    private void holdForDeploy(AlertRule rule, GroupMinutes g, long m, AlertRecord r, String heldBefore) {
        if (!deploySilences || rule.kpi() != Kpi.ENDPOINT_EVENT) {
            return;
        }
        if (AlertRecord.FIRING.equals(r.state) && r.notifySeq == 1) {
            g.alert.heldBy = g.deployedIn(m - rule.window().toMinutes(), m) ? DEPLOY : null;
            r.inhibitedBy = g.alert.heldBy;
        } else {
            r.inhibitedBy = heldBefore;
        }
    }

    /** The mark of episodes held back by a deploy. */
    public static final String DEPLOY = "deploy";

    /** Folds the ring's minutes up to {@code m} into {@link GroupMinutes#lastSeenMinute}. */
    static void foldSeen(GroupMinutes g, long m) {
        for (long d : g.minute) {
            if (d != Long.MIN_VALUE && d <= m) {
                g.lastSeenMinute = Math.max(g.lastSeenMinute, d);
            }
        }
    }

    /**
     * The first minute after {@code m} at which evaluating group {@code g} can differ from
     * evaluating it at {@code m} ({@code Long.MAX_VALUE}: not before new input). The evaluation's
     * input only changes at a boundary: a ring minute {@code d} enters the window at {@code d} and
     * leaves it at {@code d + span} (no_data: its silence starts {@code silent_for} after the last
     * traffic). Until the next boundary the input is the one just evaluated, and the state machine
     * then leaves an inactive group inactive (it did not breach), lets a firing one only repeat
     * (at the first minute {@code repeat_interval} after its last notification) and steps a
     * pending one every minute (each breach counts towards {@code for}); a firing one whose condition
     * stopped holding resolves when {@code keep_firing_for} runs out. Also the minute the group
     * would be dropped or forgotten. Always after {@code m}. {@code AlertTimerChainTest} checks
     * the result against evaluating every minute.
     */
    static long nextChange(AlertRule rule, GroupMinutes g, long m, long idleMinutes) {
        if (g.alert.phase == AlertGroupState.PENDING) {
            return m + 1;
        }
        long span;
        switch (rule.kpi()) {
            case IDLE_ENDPOINT: span = rule.idleFor().toMinutes(); break;
            case NO_DATA: span = rule.silentFor().toMinutes(); break;
            default: span = rule.window().toMinutes();
        }
        // an SLO burn's value also changes when a minute leaves its short window
        long shortSpan = rule.shortWindow() == null ? span : rule.shortWindow().toMinutes();
        long next = Long.MAX_VALUE;
        for (long d : g.minute) {
            if (d == Long.MIN_VALUE) {
                continue;
            }
            if (d > m) {
                next = Math.min(next, d);
            }
            if (d + span > m) {
                next = Math.min(next, d + span);
            }
            if (d + shortSpan > m) {
                next = Math.min(next, d + shortSpan);
            }
        }
        if (g.lastTrafficMinute != Long.MIN_VALUE && g.lastTrafficMinute + span > m) {
            next = Math.min(next, g.lastTrafficMinute + span);
        }
        if (g.alert.isFiring()) {
            long repeatAt = g.alert.lastNotifiedAt + rule.repeatInterval().toMillis();
            next = Math.min(next, Math.floorDiv(repeatAt + MINUTE_MS - 1, MINUTE_MS) - 1);
            if (g.alert.clearSince != Long.MIN_VALUE) { // keep_firing_for runs out then
                long resolveAt = g.alert.clearSince + rule.keepFiringFor().toMillis();
                next = Math.min(next, Math.floorDiv(resolveAt + MINUTE_MS - 1, MINUTE_MS) - 1);
            }
        }
        if (rule.kpi() != Kpi.NO_DATA && g.alert.isInactive()) {
            next = Math.min(next, g.lastInputMinute + lookback(rule)); // dropped then
        }
        next = Math.min(next, g.lastSeenOrInputMinute() + idleMinutes); // forgotten then
        return Math.max(next, m + 1);
    }

    /**
     * The evidence of an episode fired at minute {@code m}: of the candidates in the window, the
     * {@value GroupMinutes#EVIDENCE} slowest (latency; ties by time, then id) or latest (failed
     * requests; ties by id). Empty for rules without evidence.
     */
    static List<AlertEvidence> evidence(AlertRule rule, GroupMinutes g, long m, String alertId) {
        List<AlertEvidence> all = new ArrayList<>();
        if (rule.window() == null) {
            return all;
        }
        long window = rule.window().toMinutes();
        for (int i = 0; i < g.minute.length; i++) {
            if (g.minute[i] <= m - window || g.minute[i] > m) {
                continue;
            }
            for (int k = 0; k < g.evidenceId[i].length; k++) {
                AlertEvidence ev = new AlertEvidence();
                ev.alertId = alertId;
                ev.requestId = g.evidenceId[i][k];
                ev.ts = g.evidenceTs[i][k];
                ev.value = g.evidenceValue[i][k];
                all.add(ev);
            }
        }
        java.util.Comparator<AlertEvidence> order = evidenceByValue(rule)
                ? java.util.Comparator.comparingDouble((AlertEvidence e) -> -e.value).thenComparingLong(e -> e.ts)
                : java.util.Comparator.comparingLong((AlertEvidence e) -> -e.ts);
        all.sort(order.thenComparing(e -> e.requestId));
        // one row per id (kpi.alert_evidence's key): a job fails several webhook attempts
        java.util.Map<String, AlertEvidence> byId = new java.util.LinkedHashMap<>();
        for (AlertEvidence ev : all) {
            if (byId.size() < GroupMinutes.EVIDENCE) {
                byId.putIfAbsent(ev.requestId, ev);
            }
        }
        return new ArrayList<>(byId.values());
    }

    /**
     * Whether the rule's evidence is its candidates of greatest value (the slowest requests, the
     * oldest stuck jobs) rather than its latest ones (failed requests, failed webhooks).
     */
    static boolean evidenceByValue(AlertRule rule) {
        return rule.kpi() == Kpi.LATENCY || rule.statistic() == AlertRule.Statistic.STUCK;
    }

    /**
     * Evaluates one group at minute {@code m} (evaluation time {@code at}, the minute's end); for
     * no_data it first folds the ring's traffic of minutes up to {@code m} into {@code lastTrafficMinute}.
     */
    static List<AlertRecord> evaluate(AlertStateMachine machine, GroupMinutes g, long m, long at) {
        AlertRule rule = machine.rule();
        switch (rule.kpi()) {
            case IDLE_ENDPOINT: {
                int minutes = (int) rule.idleFor().toMinutes();
                boolean idle = true;
                for (long x = m - minutes + 1; x <= m && idle; x++) {
                    int i = g.slotOf(x);
                    idle = i >= 0 && g.billedMs[i] > 0 && g.requests[i] == 0;
                }
                return machine.evaluateCondition(g.alert, g.labelsJson, at, idle);
            }
            case NO_DATA: {
                for (int i = 0; i < g.minute.length; i++) {
                    if (g.minute[i] != Long.MIN_VALUE && g.minute[i] <= m && g.requests[i] > 0) {
                        g.lastTrafficMinute = Math.max(g.lastTrafficMinute, g.minute[i]);
                    }
                }
                // Only a group with established traffic can go silent: one request from each of
                // 20,000 new services is not 20,000 outages.
                boolean silent = g.lastTrafficMinute != Long.MIN_VALUE && g.established(rule.minSample(), m)
                        && m - g.lastTrafficMinute >= rule.silentFor().toMinutes();
                return machine.evaluateCondition(g.alert, g.labelsJson, at, silent);
            }
            case SLO_BURN: {
                long[] whole = requestsAndBad(g, m, rule.window());
                long[] recent = requestsAndBad(g, m, rule.shortWindow());
                double budget = rule.slo().errorBudget();
                // a short window without requests burns nothing: the episode resolves (no_data watches silence)
                double value = whole[0] == 0 ? Double.NaN
                        : Math.min(burnRate(whole, budget), recent[0] == 0 ? 0 : burnRate(recent, budget));
                return machine.evaluate(g.alert, g.labelsJson, at, value, whole[0]);
            }
            default:
                break;
        }
        if (rule.statistic() == AlertRule.Statistic.STUCK) {
            // a gauge: the stuck jobs at the end of minute m, from that minute's gauges alone; a
            // minute without gauges has no open job, so no value (a firing episode resolves)
            int i = g.slotOf(m);
            return machine.evaluate(g.alert, g.labelsJson, at, i < 0 ? Double.NaN : g.count[i], 1);
        }
        int window = (int) rule.window().toMinutes();
        long count = 0;
        long errors = 0;
        long restarts = 0;
        long failures = 0;
        double sum = 0;
        double max = Double.NaN;
        DDSketch sketch = null;
        for (int i : g.slotsByMinute()) { // in minute order: a double sum must not depend on arrival order
            if (g.minute[i] <= m - window || g.minute[i] > m) {
                continue;
            }
            if (g.count[i] > 0) {
                max = Double.isNaN(max) ? g.max[i] : Math.max(max, g.max[i]);
            }
            count += g.count[i];
            errors += g.errors[i];
            restarts += g.restarts[i];
            failures += g.failures[i];
            sum += g.sum[i];
            if (g.sketch[i].length > 0 && rule.kpi() == Kpi.LATENCY) {
                DDSketch s = LatencySketches.fromBytes(g.sketch[i]);
                if (sketch == null) {
                    sketch = s;
                } else {
                    sketch.mergeWith(s);
                }
            }
        }
        double value;
        long sample = count;
        switch (rule.statistic()) {
            case P50: value = quantile(sketch, 0.50); break;
            case P90: value = quantile(sketch, 0.90); break;
            case P95: value = quantile(sketch, 0.95); break;
            case P99: value = quantile(sketch, 0.99); break;
            case MAX: value = count == 0 ? Double.NaN : max; break;
            case MEAN:
            case ACCURACY:
                value = count == 0 ? Double.NaN : sum / count;
                break;
            case ERROR_RATE:
            case WEBHOOK_FAILURE_RATE:
                value = count == 0 ? Double.NaN : errors / (double) count;
                break;
            case REQUESTS: value = count; break;
            case FAILED: value = failures; break;
            default: value = restarts; // RESTART
        }
        return machine.evaluate(g.alert, g.labelsJson, at, value, sample);
    }

    /** Σ requests and Σ bad requests ({@code count}, {@code errors}) of the minutes in {@code (m - window, m]}. */
    static long[] requestsAndBad(GroupMinutes g, long m, Duration window) {
        long from = m - window.toMinutes();
        long[] sums = new long[2];
        for (int i = 0; i < g.minute.length; i++) {
            if (g.minute[i] > from && g.minute[i] <= m) {
                sums[0] += g.count[i];
                sums[1] += g.errors[i];
            }
        }
        return sums;
    }

    /** The bad share of the requests over the share the objective allows: 1 spends the budget in exactly the period. */
    static double burnRate(long[] requestsAndBad, double errorBudget) {
        return requestsAndBad[1] / (double) requestsAndBad[0] / errorBudget;
    }

    private static double quantile(DDSketch sketch, double q) {
        return sketch == null || sketch.isEmpty() ? Double.NaN : sketch.getValueAtQuantile(q);
    }
}
