package com.gluu.kpi.alerts;

import com.gluu.kpi.config.AlertRule;
import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.config.InhibitRule;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Inhibition (SPEC §5): while an episode of a source rule fires, a new episode of a target rule
 * that matches it ({@link InhibitRule}) is marked {@link AlertRecord#inhibitedBy} and is never
 * notified (the sink records it as delivered to no channel). Every later transition of that
 * episode carries the same mark.
 *
 * <p>Decided in event time, so a replay marks the same episodes: transitions and service calls
 * are buffered per minute and handled when the watermark passes the minute (their timestamp is
 * its last millisecond), calls first, then the source rules' transitions, then the others, each
 * group in a fixed order. So a critical and a warning that fire in the same minute are one page.
 * A transition that arrives after its minute (accuracy rules evaluate 15 minutes late) is
 * handled at once. The decision is taken when an episode fires: an episode that fired before its
 * source is not inhibited afterwards (it has been notified already).
 *
 * <p><b>Storm control</b> (SPEC §5), here too because only here do all rules' transitions meet:
 * of the new episodes of one minute that are not inhibited, at most
 * {@code alerts.max_new_alerts_per_minute} are notified (critical first, then warning, then info;
 * then by rule and labels); the others are marked like inhibited ones, by the storm episode
 * {@value #STORM_RULE}, which fires once in the first minute over the bound (its summary counts
 * what was held back, by rule) and resolves in the first minute after that is not over it. So
 * 20,000 new services firing at once reach each channel as 20 messages and one summary.
 *
 * <p>Runs as one key (the transitions of all rules meet here); its state is the firing source
 * episodes, the inhibited episodes still open, and the last minute each service called each
 * endpoint (pairs not seen for an hour are dropped; their number is bounded by the key caps).
 */
public class AlertInhibitor extends KeyedCoProcessFunction<Byte, AlertRecord, ServiceCall, AlertRecord> {
    private static final long serialVersionUID = 1L;
    private static final long MINUTE_MS = 60_000L;
    private static final long CALL_MEMORY_MINUTES = 60;

    /** The rule name of storm summaries. */
    public static final String STORM_RULE = "alert_storm";

    private final AlertRules rules;
    private final int maxNewPerMinute;

    private transient Set<String> sourceRules;
    private transient Set<String> targetRules;
    /** Order of the source rules within a minute: a source another source inhibits comes after it. */
    private transient Map<String, Integer> sourceRank;
    private transient Map<String, Long> windowMinutes;
    private transient MapState<Long, List<AlertRecord>> pendingRecords;
    private transient MapState<Long, List<ServiceCall>> pendingCalls;
    /** Firing source episodes: alert id → rule + "\n" + labels JSON. */
    private transient MapState<String, String> firingSources;
    /** Open inhibited episodes: alert id → the inhibiting alert id. */
    private transient MapState<String, String> inhibited;
    /** service + "\t" + endpoint → the last minute handled in which the service called it. */
    private transient MapState<String, Long> lastCall;
    /** The storm episode while it fires: its alert id, start, and the new episodes held back so far by rule. */
    private transient ValueState<String> stormId;
    private transient ValueState<Long> stormStart;
    private transient MapState<String, Long> stormHeld;

    /** Inhibition only, no storm control. */
    public AlertInhibitor(AlertRules rules) {
        this(rules, 0);
    }

    /** @param maxNewPerMinute {@code alerts.max_new_alerts_per_minute}; 0: no storm control */
    public AlertInhibitor(AlertRules rules, int maxNewPerMinute) {
        this.rules = rules;
        this.maxNewPerMinute = maxNewPerMinute;
    }

    /** Whether the job needs this operator: inhibit rules, or storm control. */
    public static boolean needed(AlertRules rules, int maxNewPerMinute) {
        return !rules.rules().isEmpty() && (!rules.inhibitRules().isEmpty() || maxNewPerMinute > 0);
    }

    @Override
    public void open(OpenContext openContext) {
        sourceRules = new HashSet<>();
        targetRules = new HashSet<>();
        for (InhibitRule r : rules.inhibitRules()) {
            sourceRules.addAll(r.sourceRules());
            targetRules.addAll(r.targetRules());
        }
        // A source that is also a target (an SLO's fast burn inhibits its slow burn and is inhibited
        // by a failed endpoint) is handled after its own sources, so an inhibition within one minute
        // holds whatever the rules are named. Ranks stop growing after one pass per inhibit rule (cycles).
        sourceRank = new HashMap<>();
        for (int pass = 0; pass < rules.inhibitRules().size(); pass++) {
            for (InhibitRule r : rules.inhibitRules()) {
                int rank = 1 + r.sourceRules().stream().mapToInt(x -> sourceRank.getOrDefault(x, 0)).max().orElse(0);
                for (String t : r.targetRules()) {
                    if (sourceRules.contains(t)) {
                        sourceRank.merge(t, Math.min(rank, rules.inhibitRules().size()), Math::max);
                    }
                }
            }
        }
        windowMinutes = new HashMap<>();
        for (AlertRule r : rules.rules()) {
            windowMinutes.put(r.name(), r.window() == null ? 1L : r.window().toMinutes());
        }
        TypeInformation<AlertRecord> record = TypeInformation.of(AlertRecord.class);
        pendingRecords = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("pendingRecords", Types.LONG, new ListTypeInfo<>(record)));
        pendingCalls = getRuntimeContext().getMapState(new MapStateDescriptor<>("pendingCalls", Types.LONG,
                new ListTypeInfo<>(TypeInformation.of(ServiceCall.class))));
        firingSources = getRuntimeContext().getMapState(new MapStateDescriptor<>("firingSources", Types.STRING, Types.STRING));
        inhibited = getRuntimeContext().getMapState(new MapStateDescriptor<>("inhibited", Types.STRING, Types.STRING));
        lastCall = getRuntimeContext().getMapState(new MapStateDescriptor<>("lastCall", Types.STRING, Types.LONG));
        stormId = getRuntimeContext().getState(new ValueStateDescriptor<>("stormId", Types.STRING));
        stormStart = getRuntimeContext().getState(new ValueStateDescriptor<>("stormStart", Types.LONG));
        stormHeld = getRuntimeContext().getMapState(new MapStateDescriptor<>("stormHeld", Types.STRING, Types.LONG));
    }

    @Override
    public void processElement1(AlertRecord r, Context ctx, Collector<AlertRecord> out) throws Exception {
        long t = ctx.timestamp();
        if (t <= ctx.timerService().currentWatermark()) {
            handle(List.of(r), Math.floorDiv(t, MINUTE_MS), out); // after its minute: at once
            return;
        }
        long m = Math.floorDiv(t, MINUTE_MS);
        List<AlertRecord> list = pendingRecords.get(m);
        list = list == null ? new ArrayList<>() : new ArrayList<>(list);
        list.add(r);
        pendingRecords.put(m, list);
        ctx.timerService().registerEventTimeTimer(t);
    }

    @Override
    public void processElement2(ServiceCall c, Context ctx, Collector<AlertRecord> out) throws Exception {
        long t = ctx.timestamp();
        if (t <= ctx.timerService().currentWatermark()) {
            remember(c, Math.floorDiv(t, MINUTE_MS));
            return;
        }
        long m = Math.floorDiv(t, MINUTE_MS);
        List<ServiceCall> list = pendingCalls.get(m);
        list = list == null ? new ArrayList<>() : new ArrayList<>(list);
        list.add(c);
        pendingCalls.put(m, list);
        ctx.timerService().registerEventTimeTimer(t);
    }

    /** The call's minute is its timestamp's, as for the transitions it is compared with. */
    private void remember(ServiceCall c, long minute) throws Exception {
        String key = c.service + "\t" + c.endpoint;
        Long last = lastCall.get(key);
        if (last == null || minute > last) {
            lastCall.put(key, minute);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AlertRecord> out) throws Exception {
        long m = Math.floorDiv(timestamp, MINUTE_MS);
        List<ServiceCall> calls = pendingCalls.get(m);
        if (calls != null) {
            for (ServiceCall c : calls) {
                remember(c, m);
            }
            pendingCalls.remove(m);
        }
        List<AlertRecord> records = pendingRecords.get(m);
        List<AlertRecord> held = List.of();
        if (records != null) {
            pendingRecords.remove(m);
            held = handle(records, m, out);
        }
        storm(held, m, ctx, out);
        if (Math.floorMod(m, CALL_MEMORY_MINUTES) == 0) {
            List<String> old = new ArrayList<>();
            for (Map.Entry<String, Long> e : lastCall.entries()) {
                if (e.getValue() < m - CALL_MEMORY_MINUTES) {
                    old.add(e.getKey());
                }
            }
            for (String key : old) {
                lastCall.remove(key);
            }
        }
    }

    /**
     * The transitions of minute {@code m}: the sources' first (those another source inhibits after
     * it), each group by rule and labels;
     * returns the new episodes storm control held back (already emitted, marked).
     */
    private List<AlertRecord> handle(List<AlertRecord> records, long m, Collector<AlertRecord> out) throws Exception {
        List<AlertRecord> ordered = new ArrayList<>(records);
        ordered.sort(Comparator.comparingInt((AlertRecord r) -> sourceRules.contains(r.rule)
                        ? sourceRank.getOrDefault(r.rule, 0) : Integer.MAX_VALUE)
                .thenComparing(r -> r.rule).thenComparing(r -> r.labelsJson).thenComparingInt(r -> r.notifySeq));
        for (AlertRecord r : ordered) {
            if (sourceRules.contains(r.rule)) {
                if (AlertRecord.FIRING.equals(r.state)) {
                    firingSources.put(r.alertId, r.rule + "\n" + r.labelsJson);
                } else {
                    firingSources.remove(r.alertId);
                }
            }
            if (targetRules.contains(r.rule)) {
                mark(r, m);
            } else {
                carryMark(r); // an episode storm control held back keeps its mark to its end
            }
        }
        List<AlertRecord> held = holdBack(ordered);
        for (AlertRecord r : ordered) {
            out.collect(r);
        }
        return held;
    }

    static int severityRank(String severity) {
        switch (severity == null ? "" : severity) {
            case "critical": return 0;
            case "warning": return 1;
            default: return 2;
        }
    }

    /**
     * Storm control: of this minute's new, not inhibited episodes, the ones beyond the bound (in
     * severity, rule, labels order) are marked by the storm episode (whose id is known before it
     * is emitted: it is derived from its start) and returned.
     */
    private List<AlertRecord> holdBack(List<AlertRecord> ordered) throws Exception {
        if (maxNewPerMinute <= 0) {
            return List.of();
        }
        List<AlertRecord> fresh = new ArrayList<>();
        for (AlertRecord r : ordered) {
            if (AlertRecord.FIRING.equals(r.state) && r.notifySeq == 1 && r.inhibitedBy == null && !STORM_RULE.equals(r.rule)) {
                fresh.add(r);
            }
        }
        if (fresh.size() <= maxNewPerMinute) {
            return List.of();
        }
        fresh.sort(Comparator.comparingInt((AlertRecord r) -> severityRank(r.severity)).thenComparing(r -> r.rule)
                .thenComparing(r -> r.labelsJson));
        List<AlertRecord> held = new ArrayList<>(fresh.subList(maxNewPerMinute, fresh.size()));
        String id = stormId.value();
        if (id == null) {
            id = AlertStateMachine.alertId(STORM_RULE, "{}", held.get(0).transitionAt);
        }
        for (AlertRecord r : held) {
            r.inhibitedBy = id;
            inhibited.put(r.alertId, id);
        }
        return held;
    }

    /**
     * After minute {@code m}: the storm episode fires in the first minute with held-back episodes
     * (one notification), counts the later ones, and resolves in the first minute without.
     */
    private void storm(List<AlertRecord> held, long m, OnTimerContext ctx, Collector<AlertRecord> out) throws Exception {
        if (maxNewPerMinute <= 0) {
            return;
        }
        String id = stormId.value();
        long at = (m + 1) * MINUTE_MS;
        if (!held.isEmpty()) {
            for (AlertRecord r : held) {
                Long n = stormHeld.get(r.rule);
                stormHeld.put(r.rule, n == null ? 1 : n + 1);
            }
            if (id == null) {
                id = held.get(0).inhibitedBy;
                stormId.update(id);
                stormStart.update(at);
                out.collect(stormRecord(id, at, at, AlertRecord.FIRING, 1, held));
            }
            ctx.timerService().registerEventTimeTimer(at + MINUTE_MS - 1); // the next minute decides the end
        } else if (id != null) {
            out.collect(stormRecord(id, stormStart.value(), at, AlertRecord.RESOLVED, 2, List.of()));
            stormId.clear();
            stormStart.clear();
            stormHeld.clear();
        }
    }

    private AlertRecord stormRecord(String id, long start, long at, String state, int seq, List<AlertRecord> firstHeld)
            throws Exception {
        AlertRecord r = new AlertRecord();
        r.alertId = id;
        r.rule = STORM_RULE;
        int rank = 2;
        for (AlertRecord h : firstHeld) {
            rank = Math.min(rank, severityRank(h.severity));
        }
        r.severity = rank == 0 ? "critical" : rank == 1 ? "warning" : "info";
        r.labelsJson = "{}";
        r.state = state;
        r.startedAt = start;
        r.transitionAt = at;
        r.notifySeq = seq;
        long total = 0;
        StringBuilder byRule = new StringBuilder();
        List<String> rulesHeld = new ArrayList<>();
        for (String rule : stormHeld.keys()) {
            rulesHeld.add(rule);
        }
        rulesHeld.sort(Comparator.naturalOrder());
        for (String rule : rulesHeld) {
            long n = stormHeld.get(rule);
            total += n;
            byRule.append(byRule.length() == 0 ? "" : ", ").append(rule).append(" ×").append(n);
        }
        r.value = total;
        if (AlertRecord.RESOLVED.equals(state)) {
            r.resolvedAt = at;
            r.summary = "alert storm over: " + total + " new alerts were not sent (" + byRule + "); see kpi.alerts";
        } else {
            r.summary = total + " more new alerts than " + maxNewPerMinute + " a minute are firing and were not sent ("
                    + byRule + "); see kpi.alerts or the dashboard";
        }
        return r;
    }

    private void mark(AlertRecord r, long m) throws Exception {
        if (AlertRecord.FIRING.equals(r.state) && r.notifySeq == 1) {
            String by = inhibitor(r, m);
            if (by != null) {
                r.inhibitedBy = by;
                inhibited.put(r.alertId, by);
            }
            return;
        }
        carryMark(r);
    }

    /**
     * A later transition of a marked episode carries the mark: the sink may write only an
     * episode's latest transition (its buffer keeps the newest version of a row), so every
     * transition must say the episode is not to be sent.
     */
    private void carryMark(AlertRecord r) throws Exception {
        String by = inhibited.get(r.alertId);
        if (by != null) {
            r.inhibitedBy = by;
            if (AlertRecord.RESOLVED.equals(r.state)) {
                inhibited.remove(r.alertId);
            }
        }
    }

    /** The firing source episode that inhibits the new episode {@code r} of minute {@code m}, or null. */
    private String inhibitor(AlertRecord r, long m) throws Exception {
        Map<String, String> targetLabels = AlertStateMachine.labels(r.labelsJson);
        long window = windowMinutes.getOrDefault(r.rule, 1L);
        List<String> ids = new ArrayList<>();
        for (String id : firingSources.keys()) {
            ids.add(id);
        }
        ids.sort(Comparator.naturalOrder()); // the same inhibitor whatever the state's iteration order
        for (String id : ids) {
            String source = firingSources.get(id);
            int nl = source.indexOf('\n');
            String sourceRule = source.substring(0, nl);
            Map<String, String> sourceLabels = AlertStateMachine.labels(source.substring(nl + 1));
            for (InhibitRule rule : rules.inhibitRules()) {
                boolean called = false;
                if (rule.viaCalls()) {
                    Long last = lastCall.get(targetLabels.get("service") + "\t" + sourceLabels.get("endpoint"));
                    called = last != null && last > m - window;
                }
                if (rule.inhibits(sourceRule, sourceLabels, r.rule, targetLabels, called)) {
                    return id;
                }
            }
        }
        return null;
    }

}
