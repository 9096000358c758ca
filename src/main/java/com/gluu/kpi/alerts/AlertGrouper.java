package com.gluu.kpi.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.config.AlertGrouping;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Grouping (SPEC §5): transitions that belong together reach SNS as one message. Keyed by the
 * group ({@link #groupKey}: the record's values of {@code grouping.group_by}), in event time
 * with Alertmanager's timing:
 * <ul>
 *   <li>a group with nothing sent yet opens a message at its first transition t, due at
 *       t + {@code group_wait};
 *   <li>after a message was sent at s, the next transition opens one due at the first
 *       s + k × {@code group_interval} (k ≥ 1) not before it, so one group sends at most once per
 *       interval;
 *   <li>a message holds every notified transition of the group with time ≤ its due time that
 *       came after the previous one (the latest of each episode, so an episode that fired and
 *       resolved within one wait is one line, resolved);
 *   <li>once a message leaves no episode of the group firing, the group starts over: its next
 *       transition waits {@code group_wait} again;
 *   <li>a rule's repeat of a firing episode is a reminder: with no message open, it opens one
 *       only if that message would go out at least {@code grouping.repeat_interval} after the
 *       group's last one; otherwise it is folded into the group's next message (it leaves with no group id; PostHog still
 *       gets its event). So a group of episodes that go on firing sends one reminder message per
 *       repeat interval, not one per episode (Alertmanager's repeat_interval is per group too).
 * </ul>
 * Every notified transition leaves with {@link AlertRecord#groupId} = the id of the message it
 * is in (PostHog carries it as {@code group_id}); inhibited ones pass through unchanged. The
 * messages are the side output {@link #NOTIFICATIONS}, emitted when the watermark reaches their due
 * time.
 *
 * <p>Deterministic: transitions are buffered by timestamp (the last millisecond of their minute,
 * or the evaluation time of a delayed accuracy rule) and handled when the watermark passes it,
 * in a fixed order, so a replay or a restore gives the same messages with the same ids. A
 * transition whose timestamp the watermark has already passed (none does in this job: the
 * evaluator and the inhibitor stamp them with the time they are decided) is handled at once.
 */
public class AlertGrouper extends KeyedProcessFunction<String, AlertRecord, AlertRecord> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One {@link AlertNotification} per grouped SNS message. */
    public static final OutputTag<AlertNotification> NOTIFICATIONS =
            new OutputTag<>("alert-notifications", TypeInformation.of(AlertNotification.class));

    private final AlertGrouping grouping;

    private transient MapState<Long, List<AlertRecord>> pending;
    /** The open message: id, opened and due time, and its transitions by alert id. */
    private transient ValueState<String> openId;
    private transient ValueState<Long> openedAt;
    private transient ValueState<Long> openDue;
    private transient MapState<String, AlertRecord> members;
    /** Due time of the group's previous message; absent when the group starts over. */
    private transient ValueState<Long> lastSent;
    /** The group's firing episodes (alert ids). */
    private transient MapState<String, Boolean> firing;
    /** Reminders folded into the group's next message, by alert id. */
    private transient MapState<String, AlertRecord> folded;

    public AlertGrouper(AlertGrouping grouping) {
        this.grouping = grouping;
    }

    /** The group of a record: its values of the group_by labels it has, as sorted JSON. */
    public static String groupKey(AlertGrouping grouping, String labelsJson) {
        Map<String, String> labels = AlertStateMachine.labels(labelsJson);
        Map<String, String> key = new TreeMap<>();
        for (String label : grouping.groupBy()) {
            String v = labels.get(label);
            if (v != null && !v.isEmpty()) {
                key.put(label, v);
            }
        }
        return AlertStateMachine.labelsJson(key);
    }

    /**
     * The id of the message of {@code groupKey} due at {@code dueAt}: the alert id's hash (first 32
     * hex of SHA-256) of {@code "group\n" + groupKey + "\n" + dueAt}.
     */
    public static String notificationId(String groupKey, long dueAt) {
        return AlertStateMachine.alertId("group", groupKey, dueAt);
    }

    @Override
    public void open(OpenContext openContext) {
        TypeInformation<AlertRecord> record = TypeInformation.of(AlertRecord.class);
        pending = getRuntimeContext().getMapState(new MapStateDescriptor<>("pending", Types.LONG, new ListTypeInfo<>(record)));
        openId = getRuntimeContext().getState(new ValueStateDescriptor<>("open-id", Types.STRING));
        openedAt = getRuntimeContext().getState(new ValueStateDescriptor<>("opened-at", Types.LONG));
        openDue = getRuntimeContext().getState(new ValueStateDescriptor<>("open-due", Types.LONG));
        members = getRuntimeContext().getMapState(new MapStateDescriptor<>("members", Types.STRING, record));
        lastSent = getRuntimeContext().getState(new ValueStateDescriptor<>("last-sent", Types.LONG));
        firing = getRuntimeContext().getMapState(new MapStateDescriptor<>("firing", Types.STRING, Types.BOOLEAN));
        folded = getRuntimeContext().getMapState(new MapStateDescriptor<>("folded", Types.STRING, record));
    }

    @Override
    public void processElement(AlertRecord r, Context ctx, Collector<AlertRecord> out) throws Exception {
        if (r.inhibitedBy != null) {
            out.collect(r); // recorded, never notified: in no message
            return;
        }
        long t = ctx.timestamp();
        if (t <= ctx.timerService().currentWatermark()) {
            handle(r, t, ctx.getCurrentKey(), ctx.timerService(), out);
            return;
        }
        List<AlertRecord> at = pending.get(t);
        if (at == null) {
            at = new ArrayList<>();
            ctx.timerService().registerEventTimeTimer(t);
        }
        at.add(r);
        pending.put(t, at);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AlertRecord> out) throws Exception {
        List<AlertRecord> at = pending.get(timestamp);
        if (at != null) {
            pending.remove(timestamp);
            at.sort(Comparator.comparing((AlertRecord r) -> r.rule).thenComparing(r -> r.labelsJson)
                    .thenComparingInt(r -> r.notifySeq));
            for (AlertRecord r : at) {
                handle(r, timestamp, ctx.getCurrentKey(), ctx.timerService(), out);
            }
        }
        Long due = openDue.value();
        if (due != null && due <= timestamp) {
            send(ctx.getCurrentKey(), due, ctx);
        }
    }

    private void handle(AlertRecord r, long t, String key, org.apache.flink.streaming.api.TimerService timers,
            Collector<AlertRecord> out) throws Exception {
        if (AlertRecord.FIRING.equals(r.state)) {
            firing.put(r.alertId, true);
        } else {
            firing.remove(r.alertId);
        }
        String id = openId.value();
        if (id == null) {
            Long last = lastSent.value();
            long due;
            if (last == null) {
                due = t + grouping.groupWait().toMillis();
            } else {
                long interval = grouping.groupInterval().toMillis();
                long k = Math.max(1, Math.floorDiv(t - last + interval - 1, interval));
                due = last + k * interval;
            }
            boolean reminder = AlertRecord.FIRING.equals(r.state) && r.notifySeq > 1;
            if (reminder && last != null && due - last < grouping.repeatInterval().toMillis()) {
                folded.put(r.alertId, r); // too soon after the last message to remind: it waits for the next
                out.collect(r);
                return;
            }
            id = notificationId(key, due);
            openId.update(id);
            openedAt.update(t);
            openDue.update(due);
            timers.registerEventTimeTimer(due);
            for (Map.Entry<String, AlertRecord> f : folded.entries()) {
                members.put(f.getKey(), f.getValue());
            }
            folded.clear();
        }
        members.put(r.alertId, r);
        r.groupId = id;
        out.collect(r);
    }

    private void send(String key, long due, OnTimerContext ctx) throws Exception {
        List<AlertRecord> list = new ArrayList<>();
        for (AlertRecord r : members.values()) {
            list.add(r);
        }
        list.sort(Comparator.comparingInt((AlertRecord r) -> AlertInhibitor.severityRank(r.severity))
                .thenComparing(r -> r.rule).thenComparing(r -> r.labelsJson));
        AlertNotification n = new AlertNotification();
        n.notificationId = openId.value();
        n.groupLabelsJson = key;
        n.openedAt = openedAt.value();
        n.dueAt = due;
        n.membersJson = membersJson(list);
        n.memberCount = list.size();
        int stillFiring = 0;
        for (String ignored : firing.keys()) {
            stillFiring++;
        }
        n.firingInGroup = stillFiring;
        ctx.output(NOTIFICATIONS, n);
        members.clear();
        openId.clear();
        openedAt.clear();
        openDue.clear();
        if (stillFiring == 0) {
            lastSent.clear(); // the incident is over: the group's next transition waits group_wait again
        } else {
            lastSent.update(due);
        }
    }

    /** The members as the JSON array {@code kpi.alert_notifications.members} holds. */
    public static String membersJson(List<AlertRecord> records) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (AlertRecord r : records) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("alert_id", r.alertId);
            m.put("seq", r.notifySeq);
            m.put("rule", r.rule);
            m.put("severity", r.severity);
            m.put("labels", AlertStateMachine.labels(r.labelsJson));
            m.put("state", r.state);
            m.put("value", Double.isNaN(r.value) ? null : r.value);
            m.put("threshold", Double.isNaN(r.threshold) ? null : r.threshold);
            m.put("summary", r.summary == null ? "" : r.summary);
            m.put("started_at", Instant.ofEpochMilli(r.startedAt).toString());
            m.put("resolved_at", r.resolvedAt == Long.MIN_VALUE ? null : Instant.ofEpochMilli(r.resolvedAt).toString());
            m.put("transition_at", Instant.ofEpochMilli(r.transitionAt).toString());
            out.add(m);
        }
        try {
            return JSON.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
