package com.gluu.kpi.alerts;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.gluu.kpi.config.AlertRule;
import com.gluu.kpi.config.AlertRule.Kpi;
import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.latency.LatencySketches;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * <p>An event-time timer at the last millisecond of each minute {@code M} (the timestamp the
 * upstream partials of that minute carry, so they have all arrived when it fires) evaluates every
 * group over the minutes {@code (M - window, M]} and emits the transitions with that timestamp;
 * the evaluation time of the state machine is the minute's end. The timers chain while the rule has
 * groups, so duration rules fire when nothing arrives; but the next timer is not simply the next
 * minute: it is the first minute at which evaluating some group can change anything
 * ({@link #nextChange}: a minute with input, a minute whose input leaves the window, the end of a
 * no_data silence, the next repeat of a firing episode, every minute while pending, a group's drop
 * or idle timeout), and input that arrives later moves the chain earlier. The minutes skipped
 * would have been no-ops, so the records are exactly those of evaluating every minute
 * ({@code AlertTimerChainTest} compares both on randomized input), without stepping through years
 * of event time when the watermark leaps. Once the watermark is at its end ({@code Long.MAX_VALUE},
 * end of a bounded input) the chain stops after the last minute with input: the end of the input
 * is not silence.
 *
 * <ul>
 *   <li>latency: the merged DDSketch's quantile (p50..p99), max, or mean; sample = events;
 *   <li>traffic: error_rate = errors / requests (no value without requests), requests; sample = requests;
 *   <li>accuracy: mean score; sample = feedback;
 *   <li>endpoint_event: Σ failures or Σ restarts in the window (always a value, 0 without input);
 *   <li>idle_endpoint: breached when every minute of the last idle_for has billed ms &gt; 0 and
 *       none has requests on the endpoint;
 *   <li>no_data: breached when the group had requests and none in the last silent_for.
 * </ul>
 *
 * <p>The ring starts at the window plus {@value #SLACK} minutes and grows whenever an input would
 * overwrite a minute an evaluation still needs ({@link #keepFrom}): inputs run up to ~10 minutes
 * ahead of the evaluator's watermark, which is that of its slowest input (feedback waits 10
 * minutes). An input older than every evaluation still to come is ignored. no_data takes traffic
 * into account only when its minute is evaluated. A group that is not pending or firing and has had no input for the whole
 * window (idle_for) is dropped; no_data groups are kept (their silence is what they watch).
 *
 * <p><b>Bounded groups</b> (SPEC §2): a rule tracks at most {@code alerts.max_groups_per_rule}
 * groups; the input of a further group is not evaluated, is counted in the rule's metric
 * {@code alertGroupsOverCap} and logged (rule and cap, never label values) at most once an hour of
 * event time per rule. A group without input for {@code alerts.group_idle_timeout} of evaluated
 * event time ({@link #forgetAfter}), no_data groups included, is forgotten; if its episode is
 * firing it first resolves ("forgotten after 24 h without data"), so no episode stays open forever.
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
    /** After logging that a rule is at its group cap, it says so again after this many minutes of event time at the earliest. */
    static final long CAP_LOG_EVERY_MINUTES = 60;

    /** Up to 20 requests behind each new episode of a latency or error-rate rule. */
    public static final OutputTag<AlertEvidence> EVIDENCE =
            new OutputTag<>("alert-evidence", TypeInformation.of(AlertEvidence.class));

    private final AlertRules rules;
    private final long accuracyDelayMs;
    private final int maxGroupsPerRule;
    private final Duration groupIdleTimeout;
    /** Test reference only: the chain evaluates every minute instead of skipping minutes that change nothing. */
    private final boolean everyMinute;

    private transient Map<String, AlertStateMachine> machines;
    private transient MapState<String, GroupMinutes> groups;
    /** The minute the chain evaluates next, null when no timer chain runs. */
    private transient ValueState<Long> nextMinute;
    /**
     * The chain's registered timer: {@code evaluationTime(next)}, or {@code evaluationTime(next - 1)}
     * when it only waits for the watermark to pass the minute before (see {@link #schedule}); null
     * in state written before it existed, where it was always the former.
     */
    private transient ValueState<Long> chainTimer;
    /** The minute the chain evaluated last; null from the chain's start until its first evaluation. */
    private transient ValueState<Long> lastEvaluated;
    /** The latest minute any input arrived for (end-of-input stop). */
    private transient ValueState<Long> lastInputMinute;
    /** Groups the rule tracks (alerts.max_groups_per_rule); null until counted. */
    private transient ValueState<Integer> groupCount;
    private transient Map<String, Counter> overCap;
    private transient Map<String, Long> capLoggedAt;
    /** onTimer calls, for tests. */
    transient long timersFired;

    /** With no accuracy delay: for tests whose accuracy inputs all arrive in time. */
    public AlertEvaluator(AlertRules rules) {
        this(rules, Duration.ZERO);
    }

    /** The default group cap and idle timeout ({@link JobConfig}). */
    public AlertEvaluator(AlertRules rules, Duration accuracyDelay) {
        this(rules, accuracyDelay, JobConfig.defaults().get(JobConfig.ALERTS_MAX_GROUPS_PER_RULE),
                JobConfig.defaults().get(JobConfig.ALERTS_GROUP_IDLE_TIMEOUT));
    }

    /**
     * @param accuracyDelay {@code accuracy.feedback_wait + time.allowed_lateness} (see the class comment)
     * @param maxGroupsPerRule {@code alerts.max_groups_per_rule}
     * @param groupIdleTimeout {@code alerts.group_idle_timeout}
     */
    public AlertEvaluator(AlertRules rules, Duration accuracyDelay, int maxGroupsPerRule, Duration groupIdleTimeout) {
        this(rules, accuracyDelay, maxGroupsPerRule, groupIdleTimeout, false);
    }

    private AlertEvaluator(AlertRules rules, Duration accuracyDelay, int maxGroupsPerRule, Duration groupIdleTimeout,
            boolean everyMinute) {
        if (maxGroupsPerRule < 1) {
            throw new IllegalArgumentException("maxGroupsPerRule must be at least 1: " + maxGroupsPerRule);
        }
        if (groupIdleTimeout.toMillis() < MINUTE_MS) {
            throw new IllegalArgumentException("groupIdleTimeout must be at least 1 minute: " + groupIdleTimeout);
        }
        this.rules = rules;
        this.accuracyDelayMs = accuracyDelay.toMillis();
        this.maxGroupsPerRule = maxGroupsPerRule;
        this.groupIdleTimeout = groupIdleTimeout;
        this.everyMinute = everyMinute;
    }

    /**
     * The same evaluator with the old timer chain, one evaluation per minute: the slow, obvious
     * reference the tests compare the skipping chain with. Not for jobs.
     */
    static AlertEvaluator everyMinute(AlertRules rules, Duration accuracyDelay, int maxGroupsPerRule,
            Duration groupIdleTimeout) {
        return new AlertEvaluator(rules, accuracyDelay, maxGroupsPerRule, groupIdleTimeout, true);
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

    /** The first minute whose evaluation time is after {@code ruleWatermark}: the first one not evaluated yet. */
    static long firstUnevaluated(long ruleWatermark) {
        return Math.floorDiv(ruleWatermark + 1, MINUTE_MS);
    }

    @Override
    public void open(OpenContext openContext) {
        machines = new HashMap<>();
        overCap = new HashMap<>();
        capLoggedAt = new HashMap<>();
        for (AlertRule rule : rules.rules()) {
            machines.put(rule.name(), new AlertStateMachine(rule));
            overCap.put(rule.name(), getRuntimeContext().getMetricGroup().addGroup("rule", rule.name())
                    .counter("alertGroupsOverCap"));
        }
        groups = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("groups", Types.STRING, TypeInformation.of(GroupMinutes.class)));
        nextMinute = getRuntimeContext().getState(new ValueStateDescriptor<>("nextMinute", Types.LONG));
        chainTimer = getRuntimeContext().getState(new ValueStateDescriptor<>("chainTimer", Types.LONG));
        lastEvaluated = getRuntimeContext().getState(new ValueStateDescriptor<>("lastEvaluated", Types.LONG));
        lastInputMinute = getRuntimeContext().getState(new ValueStateDescriptor<>("lastInputMinute", Types.LONG));
        groupCount = getRuntimeContext().getState(new ValueStateDescriptor<>("groupCount", Types.INT));
    }

    /** The value of rule {@code rule}'s {@code alertGroupsOverCap} counter (inputs of groups the cap kept out). */
    long groupsOverCap(String rule) {
        return overCap.get(rule).getCount();
    }

    /** Minutes the rule looks back: its window, or idle_for; 1 for no_data (it only needs the last traffic). */
    static int lookback(AlertRule rule) {
        switch (rule.kpi()) {
            case IDLE_ENDPOINT: return (int) rule.idleFor().toMinutes();
            case NO_DATA: return 1;
            default: return (int) rule.window().toMinutes();
        }
    }

    /**
     * Minutes without input after which a group of {@code rule} is forgotten: alerts.group_idle_timeout,
     * or twice the span the rule watches (window, idle_for, silent_for) if that is longer, so a rule
     * that watches a long span still sees it whole (and a no_data rule still reports its silence).
     */
    long forgetAfter(AlertRule rule) {
        long span;
        switch (rule.kpi()) {
            case IDLE_ENDPOINT: span = rule.idleFor().toMinutes(); break;
            case NO_DATA: span = rule.silentFor().toMinutes(); break;
            default: span = rule.window().toMinutes();
        }
        long timeout = Math.floorDiv(groupIdleTimeout.toMillis() + MINUTE_MS - 1, MINUTE_MS);
        return Math.max(timeout, 2 * span);
    }

    @Override
    public void processElement(RuleInput in, Context ctx, Collector<AlertRecord> out) throws Exception {
        AlertStateMachine machine = machines.get(in.rule);
        if (machine == null) {
            return;
        }
        AlertRule rule = machine.rule();
        long ruleWatermark = ruleWatermark(ctx.timerService().currentWatermark(), rule);
        GroupMinutes g = groups.get(in.labelsJson);
        boolean created = g == null;
        if (created) {
            int count = groupCount();
            if (count >= maxGroupsPerRule) {
                overCap(rule, in.minute);
                return;
            }
            g = GroupMinutes.create(in.labelsJson, lookback(rule) + SLACK);
            groupCount.update(count + 1);
        }
        long keepFrom = keepFrom(rule, ruleWatermark);
        g.reshaped = false;
        int i = g.claim(in.minute, keepFrom);
        boolean reshaped = g.reshaped;
        g.reshaped = false;
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
            g.billedMs[i] += in.billedMs;
            g.requests[i] += in.requests;
            if (in.requestId != null) {
                g.addEvidence(i, in.requestId, in.requestTs, in.requestValue, rule.kpi() == Kpi.LATENCY);
            }
        }
        g.lastInputMinute = Math.max(g.lastInputMinute, in.minute);
        if (in.minute < keepFrom) {
            // a minute already evaluated; the others are folded in when their minute is (evaluate):
            // traffic of a later minute must not hide the silence of the minute being evaluated
            if (in.requests > 0) {
                g.lastTrafficMinute = Math.max(g.lastTrafficMinute, in.minute);
            }
            g.lastSeenMinute = Math.max(g.lastSeenMinute, in.minute);
        }
        groups.put(in.labelsJson, g);

        Long last = lastInputMinute.value();
        if (last == null || in.minute > last) {
            lastInputMinute.update(in.minute);
        }
        Long next = nextMinute.value();
        if (next == null) {
            // a new chain starts at the input's minute (even one the watermark has passed)
            nextMinute.update(in.minute);
            lastEvaluated.clear();
            long t = evaluationTime(in.minute, rule);
            ctx.timerService().registerEventTimeTimer(t);
            chainTimer.update(t);
            return;
        }
        // The earliest minute this input can change: its own, or, once the chain has evaluated (the
        // minutes before the watermark are done), the first one not evaluated yet. A chain that has
        // not evaluated yet starts where it was started, as it always has.
        long fu = firstUnevaluated(ruleWatermark);
        boolean started = lastEvaluated.value() != null;
        long target = next;
        if (in.minute >= fu) {
            target = in.minute;
        } else if (started) {
            target = fu;
        }
        if ((created || reshaped) && started) {
            // a new group is evaluated from the first minute not evaluated yet, input or not (a rule
            // such as "requests < 3" breaches without input); after a reshaped ring, the minutes
            // planned on the old one are checked again
            target = Math.min(target, fu);
        }
        if (target < next) {
            Long timer = chainTimer.value();
            ctx.timerService().deleteEventTimeTimer(timer == null ? evaluationTime(next, rule) : timer);
            nextMinute.update(target);
            long t = evaluationTime(target, rule);
            ctx.timerService().registerEventTimeTimer(t);
            chainTimer.update(t);
        }
    }

    private int groupCount() throws Exception {
        Integer count = groupCount.value();
        if (count == null) {
            int n = 0;
            for (String ignored : groups.keys()) {
                n++;
            }
            count = n;
            groupCount.update(n);
        }
        return count;
    }

    /** A new group beyond the cap: counted, and logged once an hour of event time per rule at most (no label values: they are input). */
    private void overCap(AlertRule rule, long minute) {
        overCap.get(rule.name()).inc();
        Long logged = capLoggedAt.get(rule.name());
        if (logged == null || minute >= logged + CAP_LOG_EVERY_MINUTES) {
            capLoggedAt.put(rule.name(), minute);
            LOG.warn("alert rule {} tracks its cap of {} groups (alerts.max_groups_per_rule): further groups are not"
                    + " evaluated, their inputs are counted in metric alertGroupsOverCap", rule.name(), maxGroupsPerRule);
        }
    }

    /**
     * The oldest minute an evaluation still to come can look at: the first minute not evaluated yet
     * (its timer, at its last millisecond, has not fired at {@code watermark}) minus the lookback
     * (the window for evidence too).
     */
    static long keepFrom(AlertRule rule, long watermark) {
        if (watermark == Long.MAX_VALUE) {
            return Long.MAX_VALUE; // every timer has fired: nothing is evaluated any more
        }
        long firstUnevaluated = Math.floorDiv(watermark + 1, MINUTE_MS);
        int back = lookback(rule);
        if (rule.window() != null) {
            back = Math.max(back, (int) rule.window().toMinutes());
        }
        return firstUnevaluated - back + 1;
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
        timersFired++;
        AlertStateMachine machine = machines.get(ctx.getCurrentKey());
        AlertRule rule = machine.rule();
        Long next = nextMinute.value();
        if (next == null) {
            return; // not the chain's timer
        }
        Long timer = chainTimer.value();
        long m = next;
        if (timestamp != (timer == null ? evaluationTime(m, rule) : timer)) {
            return; // not the chain's timer
        }
        long watermark = ctx.timerService().currentWatermark();
        boolean inputEnded = watermark == Long.MAX_VALUE;
        Long lastInput = lastInputMinute.value();
        long last = lastInput == null ? Long.MIN_VALUE : lastInput;
        if (timestamp != evaluationTime(m, rule)) {
            // the timer before minute m (schedule): the watermark has passed minute m - 1
            if (!inputEnded || m <= last) {
                register(ctx, m, evaluationTime(m, rule));
            } else {
                stopChain(); // the end of input came first: minutes after the last input are not evaluated
            }
            return;
        }

        long at = endOf(m);
        long forgetAfter = forgetAfter(rule);
        long nextChange = Long.MAX_VALUE;
        List<String> drop = new ArrayList<>();
        List<Map.Entry<String, GroupMinutes>> changed = new ArrayList<>();
        for (Map.Entry<String, GroupMinutes> e : groups.entries()) {
            GroupMinutes g = e.getValue();
            for (long x : g.minute) {
                if (x != Long.MIN_VALUE && x <= m) {
                    g.lastSeenMinute = Math.max(g.lastSeenMinute, x);
                }
            }
            if (g.lastSeenMinute != Long.MIN_VALUE && m - g.lastSeenMinute >= forgetAfter) {
                // idle for alerts.group_idle_timeout: a firing episode resolves, the group is forgotten
                for (AlertRecord r : machine.forget(g.alert, g.labelsJson, at, Duration.ofMinutes(forgetAfter))) {
                    out.collect(r);
                }
                if (g.hasMinuteAfter(m)) {
                    // input ahead of the evaluation: kept as a new group, its past forgotten
                    g.clearUpTo(m);
                    g.alert = new AlertGroupState();
                    g.lastTrafficMinute = Long.MIN_VALUE;
                    g.lastSeenMinute = Long.MIN_VALUE;
                    changed.add(Map.entry(e.getKey(), g));
                    nextChange = m + 1; // a new group: evaluated from the next minute on, like one just created
                } else {
                    drop.add(e.getKey());
                }
                continue;
            }
            AlertStateMachine.Reading reading = read(machine, g, m);
            for (AlertRecord r : machine.step(g.alert, g.labelsJson, at, reading)) {
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
                changed.add(Map.entry(e.getKey(), g));
                nextChange = Math.min(nextChange, nextChange(machine, g, m, reading));
            }
        }
        for (String key : drop) {
            groups.remove(key);
        }
        for (Map.Entry<String, GroupMinutes> e : changed) {
            groups.put(e.getKey(), e.getValue());
        }
        if (changed.isEmpty()) {
            // no group left: the rule's chain and state end (a new input starts them again)
            stopChain();
            lastInputMinute.clear();
            groupCount.clear();
            return;
        }
        groupCount.update(changed.size());
        lastEvaluated.update(m);
        long n = m + 1;
        if (!everyMinute) {
            n = Math.max(n, nextChange == Long.MAX_VALUE ? m + forgetAfter : nextChange);
        }
        if (inputEnded) {
            // end of a bounded input: evaluations go on up to the latest input's minute, not beyond
            // (the end of the input is not silence)
            if (n > last) {
                stopChain();
            } else {
                register(ctx, n, evaluationTime(n, rule));
            }
            return;
        }
        schedule(ctx, rule, n, last, watermark);
    }

    /**
     * Makes {@code n} the chain's next minute. Its timer is at {@code n}'s evaluation time; but if
     * {@code n} lies after the latest input and the watermark has not passed minute {@code n - 1}
     * yet, the timer is at {@code n - 1}'s evaluation time first ({@link #onTimer} then moves it to
     * {@code n}). This keeps the end of input as it was when every minute was evaluated: at the
     * final watermark, the first minute not evaluated yet is evaluated (and the chain stops after
     * the last input's minute), so whether the watermark had passed {@code n - 1} decides whether
     * {@code n} is evaluated.
     */
    private void schedule(OnTimerContext ctx, AlertRule rule, long n, long last, long watermark) throws Exception {
        if (n <= last || n <= firstUnevaluated(ruleWatermark(watermark, rule))) {
            register(ctx, n, evaluationTime(n, rule));
        } else {
            register(ctx, n, evaluationTime(n - 1, rule));
        }
    }

    private void register(OnTimerContext ctx, long minute, long timer) throws Exception {
        nextMinute.update(minute);
        chainTimer.update(timer);
        ctx.timerService().registerEventTimeTimer(timer);
    }

    private void stopChain() {
        nextMinute.clear();
        chainTimer.clear();
        lastEvaluated.clear();
    }

    /**
     * The first minute after {@code m} (just evaluated with {@code reading}) at which evaluating {@code g} can emit a record or change its state,
     * so the chain may skip the minutes before it. Until then no input enters or leaves the
     * window, so the reading stays the one of minute {@code m}. The candidates:
     * <ul>
     *   <li>what the state machine does with the same reading ({@link AlertStateMachine#nextChangeAt}:
     *       the next repeat while firing, the next minute while pending);
     *   <li>each minute of the ring after {@code m} (input not evaluated yet: it enters the window,
     *       and no_data folds its traffic), and the minute each ring minute leaves the window;
     *   <li>no_data: the minute the silence reaches silent_for;
     *   <li>an inactive group of another rule: the minute it is dropped (its last input leaves the
     *       lookback); every group: the minute it is forgotten ({@link #forgetAfter}).
     * </ul>
     * Input arriving later moves the chain earlier ({@link #processElement}).
     */
    private long nextChange(AlertStateMachine machine, GroupMinutes g, long m, AlertStateMachine.Reading reading) {
        AlertRule rule = machine.rule();
        long n = Long.MAX_VALUE;
        long at = machine.nextChangeAt(g.alert, endOf(m), reading);
        if (at != Long.MAX_VALUE) {
            n = Math.floorDiv(at, MINUTE_MS) - 1; // at is the end of the minute evaluated
        }
        int window = lookback(rule);
        for (long x : g.minute) {
            if (x == Long.MIN_VALUE) {
                continue;
            }
            if (x > m) {
                n = Math.min(n, x);
            }
            if (x + window > m) {
                n = Math.min(n, x + window);
            }
        }
        if (rule.kpi() == Kpi.NO_DATA && g.lastTrafficMinute != Long.MIN_VALUE) {
            long silent = g.lastTrafficMinute + rule.silentFor().toMinutes();
            if (silent > m) {
                n = Math.min(n, silent);
            }
        }
        if (rule.kpi() != Kpi.NO_DATA && g.alert.isInactive() && g.lastInputMinute != Long.MIN_VALUE) {
            n = Math.min(n, Math.max(m + 1, g.lastInputMinute + lookback(rule)));
        }
        if (g.lastSeenMinute != Long.MIN_VALUE) {
            n = Math.min(n, Math.max(m + 1, g.lastSeenMinute + forgetAfter(rule)));
        }
        return n;
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
        java.util.Comparator<AlertEvidence> order = rule.kpi() == Kpi.LATENCY
                ? java.util.Comparator.comparingDouble((AlertEvidence e) -> -e.value).thenComparingLong(e -> e.ts)
                : java.util.Comparator.comparingLong((AlertEvidence e) -> -e.ts);
        all.sort(order.thenComparing(e -> e.requestId));
        return all.size() > GroupMinutes.EVIDENCE ? new ArrayList<>(all.subList(0, GroupMinutes.EVIDENCE)) : all;
    }

    /**
     * What the rule sees of one group at minute {@code m}; for no_data it first folds the ring's
     * traffic of minutes up to {@code m} into {@code lastTrafficMinute}.
     */
    static AlertStateMachine.Reading read(AlertStateMachine machine, GroupMinutes g, long m) {
        AlertRule rule = machine.rule();
        switch (rule.kpi()) {
            case IDLE_ENDPOINT: {
                int minutes = (int) rule.idleFor().toMinutes();
                boolean idle = true;
                for (long x = m - minutes + 1; x <= m && idle; x++) {
                    int i = g.slotOf(x);
                    idle = i >= 0 && g.billedMs[i] > 0 && g.requests[i] == 0;
                }
                return AlertStateMachine.condition(idle);
            }
            case NO_DATA: {
                for (int i = 0; i < g.minute.length; i++) {
                    if (g.minute[i] != Long.MIN_VALUE && g.minute[i] <= m && g.requests[i] > 0) {
                        g.lastTrafficMinute = Math.max(g.lastTrafficMinute, g.minute[i]);
                    }
                }
                boolean silent = g.lastTrafficMinute != Long.MIN_VALUE
                        && m - g.lastTrafficMinute >= rule.silentFor().toMinutes();
                return AlertStateMachine.condition(silent);
            }
            default:
                break;
        }
        int window = (int) rule.window().toMinutes();
        long count = 0;
        long errors = 0;
        long restarts = 0;
        long failures = 0;
        double sum = 0;
        double max = Double.NaN;
        DDSketch sketch = null;
        for (int i = 0; i < g.minute.length; i++) {
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
            case ERROR_RATE: value = count == 0 ? Double.NaN : errors / (double) count; break;
            case REQUESTS: value = count; break;
            case FAILED: value = failures; break;
            default: value = restarts; // RESTART
        }
        return machine.reading(value, sample);
    }

    private static double quantile(DDSketch sketch, double q) {
        return sketch == null || sketch.isEmpty() ? Double.NaN : sketch.getValueAtQuantile(q);
    }
}
