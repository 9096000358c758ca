package com.gluu.kpi.alerts;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.config.AlertRule;
import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.config.InhibitRule;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * <p>Runs as one key (the transitions of all rules meet here); its state is the firing source
 * episodes, the inhibited episodes still open, and the last minute each service called each
 * endpoint (pairs not seen for an hour are dropped; their number is bounded by the key caps).
 */
public class AlertInhibitor extends KeyedCoProcessFunction<Byte, AlertRecord, ServiceCall, AlertRecord> {
    private static final long serialVersionUID = 1L;
    private static final long MINUTE_MS = 60_000L;
    private static final long CALL_MEMORY_MINUTES = 60;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AlertRules rules;

    private transient Set<String> sourceRules;
    private transient Set<String> targetRules;
    private transient Map<String, Long> windowMinutes;
    private transient MapState<Long, List<AlertRecord>> pendingRecords;
    private transient MapState<Long, List<ServiceCall>> pendingCalls;
    /** Firing source episodes: alert id → rule + "\n" + labels JSON. */
    private transient MapState<String, String> firingSources;
    /** Open inhibited episodes: alert id → the inhibiting alert id. */
    private transient MapState<String, String> inhibited;
    /** service + "\t" + endpoint → the last minute handled in which the service called it. */
    private transient MapState<String, Long> lastCall;

    public AlertInhibitor(AlertRules rules) {
        this.rules = rules;
    }

    /** Whether any rule of {@code rules} needs the inhibitor (and the service calls). */
    public static boolean needed(AlertRules rules) {
        return !rules.inhibitRules().isEmpty();
    }

    @Override
    public void open(OpenContext openContext) {
        sourceRules = new HashSet<>();
        targetRules = new HashSet<>();
        for (InhibitRule r : rules.inhibitRules()) {
            sourceRules.addAll(r.sourceRules());
            targetRules.addAll(r.targetRules());
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
        if (records != null) {
            pendingRecords.remove(m);
            handle(records, m, out);
        }
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

    /** The transitions of minute {@code m}: the sources' first, each group by rule and labels. */
    private void handle(List<AlertRecord> records, long m, Collector<AlertRecord> out) throws Exception {
        List<AlertRecord> ordered = new ArrayList<>(records);
        ordered.sort(Comparator.comparing((AlertRecord r) -> !sourceRules.contains(r.rule))
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
            }
            out.collect(r);
        }
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
        Map<String, String> targetLabels = labels(r.labelsJson);
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
            Map<String, String> sourceLabels = labels(source.substring(nl + 1));
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

    private static Map<String, String> labels(String json) {
        try {
            return JSON.readValue(json, new TypeReference<Map<String, String>>() {});
        } catch (IOException e) {
            throw new UncheckedIOException("labels are the evaluator's own JSON", e);
        }
    }
}
