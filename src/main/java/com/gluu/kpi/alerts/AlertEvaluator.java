package com.gluu.kpi.alerts;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.gluu.kpi.config.AlertRule;
import com.gluu.kpi.config.AlertRule.Kpi;
import com.gluu.kpi.config.AlertRules;
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
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Evaluates every alert rule once per minute of event time (SPEC §5). Keyed by rule name; per
 * group (the rule's group_by labels) it keeps a {@link GroupMinutes}: the rule's
 * {@link AlertStateMachine} state and a ring of per-minute aggregates.
 *
 * <p>An event-time timer at the last millisecond of each minute {@code M} (the timestamp the
 * upstream partials of that minute carry, so they have all arrived when it fires) evaluates every
 * group over the minutes {@code (M - window, M]} and emits the transitions with that timestamp;
 * the evaluation time of the state machine is the minute's end. The timers chain minute after
 * minute while the rule has groups, so duration rules fire when nothing arrives. Once the watermark
 * is at its end ({@code Long.MAX_VALUE}, end of a bounded input) the chain stops after the last
 * minute with input: the end of the input is not silence.
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
    static final long MINUTE_MS = RuleInputs.MINUTE_MS;
    static final int SLACK = 2;

    /** Up to 20 requests behind each new episode of a latency or error-rate rule. */
    public static final OutputTag<AlertEvidence> EVIDENCE =
            new OutputTag<>("alert-evidence", TypeInformation.of(AlertEvidence.class));

    private final AlertRules rules;
    private final long accuracyDelayMs;

    private transient Map<String, AlertStateMachine> machines;
    private transient MapState<String, GroupMinutes> groups;
    /** The minute of the pending timer, null when no timer chain runs. */
    private transient ValueState<Long> nextMinute;
    /** The latest minute any input arrived for (end-of-input stop). */
    private transient ValueState<Long> lastInputMinute;

    /** With no accuracy delay: for tests whose accuracy inputs all arrive in time. */
    public AlertEvaluator(AlertRules rules) {
        this(rules, Duration.ZERO);
    }

    /** @param accuracyDelay {@code accuracy.feedback_wait + time.allowed_lateness} (see the class comment) */
    public AlertEvaluator(AlertRules rules, Duration accuracyDelay) {
        this.rules = rules;
        this.accuracyDelayMs = accuracyDelay.toMillis();
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
        for (AlertRule rule : rules.rules()) {
            machines.put(rule.name(), new AlertStateMachine(rule));
        }
        groups = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("groups", Types.STRING, TypeInformation.of(GroupMinutes.class)));
        nextMinute = getRuntimeContext().getState(new ValueStateDescriptor<>("nextMinute", Types.LONG));
        lastInputMinute = getRuntimeContext().getState(new ValueStateDescriptor<>("lastInputMinute", Types.LONG));
    }

    /** Minutes the rule looks back: its window, or idle_for; 1 for no_data (it only needs the last traffic). */
    static int lookback(AlertRule rule) {
        switch (rule.kpi()) {
            case IDLE_ENDPOINT: return (int) rule.idleFor().toMinutes();
            case NO_DATA: return 1;
            default: return (int) rule.window().toMinutes();
        }
    }

    @Override
    public void processElement(RuleInput in, Context ctx, Collector<AlertRecord> out) throws Exception {
        AlertStateMachine machine = machines.get(in.rule);
        if (machine == null) {
            return;
        }
        GroupMinutes g = groups.get(in.labelsJson);
        if (g == null) {
            g = GroupMinutes.create(in.labelsJson, lookback(machine.rule()) + SLACK);
        }
        AlertRule rule = machine.rule();
        long keepFrom = keepFrom(rule, ruleWatermark(ctx.timerService().currentWatermark(), rule));
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
            g.billedMs[i] += in.billedMs;
            g.requests[i] += in.requests;
            if (in.requestId != null) {
                g.addEvidence(i, in.requestId, in.requestTs, in.requestValue, rule.kpi() == Kpi.LATENCY);
            }
        }
        g.lastInputMinute = Math.max(g.lastInputMinute, in.minute);
        if (in.requests > 0 && in.minute < keepFrom) {
            // a minute already evaluated; the others are folded in when their minute is (evaluate):
            // traffic of a later minute must not hide the silence of the minute being evaluated
            g.lastTrafficMinute = Math.max(g.lastTrafficMinute, in.minute);
        }
        groups.put(in.labelsJson, g);

        Long last = lastInputMinute.value();
        if (last == null || in.minute > last) {
            lastInputMinute.update(in.minute);
        }
        Long next = nextMinute.value();
        if (next == null) {
            nextMinute.update(in.minute);
            ctx.timerService().registerEventTimeTimer(evaluationTime(in.minute, rule));
        } else if (in.minute < next && evaluationTime(in.minute, rule) > ctx.timerService().currentWatermark()) {
            // an earlier minute not evaluated yet (inputs of one watermark interval arrive in any order
            // across channels): the chain starts there
            ctx.timerService().deleteEventTimeTimer(evaluationTime(next, rule));
            nextMinute.update(in.minute);
            ctx.timerService().registerEventTimeTimer(evaluationTime(in.minute, rule));
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
        AlertStateMachine machine = machines.get(ctx.getCurrentKey());
        AlertRule rule = machine.rule();
        long m = Math.floorDiv(timestamp - delay(rule), MINUTE_MS);
        Long expected = nextMinute.value();
        if (expected == null || expected != m) {
            return; // not the chain's timer
        }
        long at = endOf(m);
        List<String> drop = new ArrayList<>();
        List<Map.Entry<String, GroupMinutes>> changed = new ArrayList<>();
        for (Map.Entry<String, GroupMinutes> e : groups.entries()) {
            GroupMinutes g = e.getValue();
            for (AlertRecord r : evaluate(machine, g, m, at)) {
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
            }
        }
        for (String key : drop) {
            groups.remove(key);
        }
        for (Map.Entry<String, GroupMinutes> e : changed) {
            groups.put(e.getKey(), e.getValue());
        }
        Long last = lastInputMinute.value();
        boolean endOfInput = ctx.timerService().currentWatermark() == Long.MAX_VALUE && last != null && m >= last;
        if (groups.isEmpty() || endOfInput) {
            nextMinute.clear();
        } else {
            nextMinute.update(m + 1);
            ctx.timerService().registerEventTimeTimer(evaluationTime(m + 1, rule));
        }
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
                boolean silent = g.lastTrafficMinute != Long.MIN_VALUE
                        && m - g.lastTrafficMinute >= rule.silentFor().toMinutes();
                return machine.evaluateCondition(g.alert, g.labelsJson, at, silent);
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
        return machine.evaluate(g.alert, g.labelsJson, at, value, sample);
    }

    private static double quantile(DDSketch sketch, double q) {
        return sketch == null || sketch.isEmpty() ? Double.NaN : sketch.getValueAtQuantile(q);
    }
}
