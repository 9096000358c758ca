package com.gluu.kpi.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.config.AlertGrouping;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Grouping in event time (SPEC §5 "Grouping"), Alertmanager's timing: each case's messages (due
 * time and members) are worked out by hand in its comments, with group_wait 1m and
 * group_interval 5m unless it says otherwise. Minute m's transitions carry the timestamp of the
 * minute's last millisecond, as the evaluator's do.
 */
class AlertGrouperTest {
    private static final long MIN = 60_000L;
    private static final long T = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AlertGrouping BY_ENDPOINT = new AlertGrouping(List.of("endpoint"), Duration.ofMinutes(1),
            Duration.ofMinutes(5));

    private static long lastMs(long minute) {
        return T + (minute + 1) * MIN - 1;
    }

    private static AlertRecord transition(String rule, String severity, Map<String, String> labels, String state, int seq,
            long minute) {
        AlertRecord r = new AlertRecord();
        r.rule = rule;
        r.severity = severity;
        r.labelsJson = AlertStateMachine.labelsJson(labels);
        r.state = state;
        r.notifySeq = seq;
        r.alertId = rule + new java.util.TreeMap<>(labels).values(); // label values in name order
        r.startedAt = T;
        r.transitionAt = T + (minute + 1) * MIN;
        if (AlertRecord.RESOLVED.equals(state)) {
            r.resolvedAt = r.transitionAt;
        }
        return r;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, AlertRecord, AlertRecord> harness(AlertGrouping g)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new AlertGrouper(g)),
                (AlertRecord r) -> AlertGrouper.groupKey(g, r.labelsJson), Types.STRING);
        h.open();
        return h;
    }

    private static void send(KeyedOneInputStreamOperatorTestHarness<String, AlertRecord, AlertRecord> h, AlertRecord r,
            long minute) throws Exception {
        h.processElement(new StreamRecord<>(r, lastMs(minute)));
    }

    /** The messages so far: "due-minute group [alert#seq state, ...]", due as minutes after T (end of minute). */
    private static List<String> messages(KeyedOneInputStreamOperatorTestHarness<String, AlertRecord, AlertRecord> h)
            throws Exception {
        List<String> out = new ArrayList<>();
        var side = h.getSideOutput(AlertGrouper.NOTIFICATIONS);
        if (side == null) {
            return out;
        }
        for (StreamRecord<AlertNotification> rec : side) {
            AlertNotification n = rec.getValue();
            List<Map<String, Object>> members = JSON.readValue(n.membersJson, new TypeReference<>() {});
            List<String> m = new ArrayList<>();
            for (Map<String, Object> x : members) {
                m.add(x.get("alert_id") + "#" + x.get("seq") + " " + x.get("state"));
            }
            assertThat(n.memberCount).isEqualTo(members.size());
            assertThat(n.notificationId).isEqualTo(AlertGrouper.notificationId(n.groupLabelsJson, n.dueAt));
            out.add((n.dueAt + 1 - T) / MIN - 1 + " " + n.groupLabelsJson + " " + m + " firing=" + n.firingInGroup);
        }
        side.clear();
        return out;
    }

    @Test
    void anEndpointIncidentIsOneMessageAndItsResolutionAnother() throws Exception {
        Map<String, String> e = Map.of("endpoint", "blip2-endpoint", "model", "blip2");
        try (var h = harness(BY_ENDPOINT)) {
            // minute 10: the endpoint fails; minute 11: it restarts. group_wait 1m: the first
            // transition (minute 10, ts = end of 10) makes the message due at the end of minute 11,
            // so the restart is in it too.
            send(h, transition("endpoint_failed", "critical", e, AlertRecord.FIRING, 1, 10), 10);
            h.processWatermark(new Watermark(lastMs(10)));
            assertThat(messages(h)).isEmpty();
            send(h, transition("endpoint_restart", "warning", e, AlertRecord.FIRING, 1, 11), 11);
            h.processWatermark(new Watermark(lastMs(11)));
            assertThat(messages(h)).containsExactly("11 {\"endpoint\":\"blip2-endpoint\"} "
                    + "[endpoint_failed[blip2-endpoint, blip2]#1 firing, endpoint_restart[blip2-endpoint, blip2]#1 firing] firing=2");
            // Both resolve at minute 15 (the 5-minute window): the group sent at end of 11, so the
            // next message is due at end of 16 (11 + 5), listing both resolutions; nothing fires
            // any more, so the group starts over.
            send(h, transition("endpoint_failed", "critical", e, AlertRecord.RESOLVED, 2, 15), 15);
            send(h, transition("endpoint_restart", "warning", e, AlertRecord.RESOLVED, 2, 16), 16);
            h.processWatermark(new Watermark(lastMs(15)));
            assertThat(messages(h)).isEmpty();
            h.processWatermark(new Watermark(lastMs(16)));
            assertThat(messages(h)).containsExactly("16 {\"endpoint\":\"blip2-endpoint\"} "
                    + "[endpoint_failed[blip2-endpoint, blip2]#2 resolved, endpoint_restart[blip2-endpoint, blip2]#2 resolved] firing=0");
            // A new failure at minute 40: a fresh group, due after group_wait (end of 41).
            send(h, transition("endpoint_failed", "critical", e, AlertRecord.FIRING, 1, 40), 40);
            h.processWatermark(new Watermark(lastMs(41)));
            assertThat(messages(h)).hasSize(1).allMatch(m -> m.startsWith("41 "));
        }
    }

    @Test
    void transitionsWhileTheGroupFiresWaitForTheNextIntervalAndAnEpisodeIsListedOnceAtItsLatest() throws Exception {
        Map<String, String> api = Map.of("service", "api");
        Map<String, String> worker = Map.of("service", "worker");
        try (var h = harness(BY_ENDPOINT)) {
            // No endpoint label: both services are in the group {}. api fires at 0 → due end of 1.
            send(h, transition("errs", "critical", api, AlertRecord.FIRING, 1, 0), 0);
            h.processWatermark(new Watermark(lastMs(1)));
            assertThat(messages(h)).containsExactly("1 {} [errs[api]#1 firing] firing=1");
            // worker fires at 2 and resolves at 4; api repeats at 6 (its hourly repeat, say):
            // sent at 1, so the next is due at 6 (1 + 5) and lists worker once, resolved, and api#2.
            send(h, transition("errs", "critical", worker, AlertRecord.FIRING, 1, 2), 2);
            send(h, transition("errs", "critical", worker, AlertRecord.RESOLVED, 2, 4), 4);
            send(h, transition("errs", "critical", api, AlertRecord.FIRING, 2, 6), 6);
            h.processWatermark(new Watermark(lastMs(5)));
            assertThat(messages(h)).isEmpty();
            h.processWatermark(new Watermark(lastMs(6)));
            assertThat(messages(h)).containsExactly("6 {} [errs[api]#2 firing, errs[worker]#2 resolved] firing=1");
            // Quiet until 20, when api resolves: the ticks went on (11, 16, 21): due at 21.
            send(h, transition("errs", "critical", api, AlertRecord.RESOLVED, 3, 20), 20);
            h.processWatermark(new Watermark(lastMs(20)));
            assertThat(messages(h)).isEmpty();
            h.processWatermark(new Watermark(lastMs(21)));
            assertThat(messages(h)).containsExactly("21 {} [errs[api]#3 resolved] firing=0");
        }
    }

    @Test
    void repeatsOfEpisodesThatGoOnFiringAreFoldedIntoOneReminderPerRepeatInterval() throws Exception {
        Map<String, String> a = Map.of("service", "a");
        Map<String, String> b = Map.of("service", "b");
        try (var h = harness(BY_ENDPOINT)) { // repeat_interval of the grouping: 1h (the default)
            send(h, transition("warn", "warning", a, AlertRecord.FIRING, 1, 0), 0);
            send(h, transition("warn", "warning", b, AlertRecord.FIRING, 1, 0), 0);
            h.processWatermark(new Watermark(lastMs(1)));
            assertThat(messages(h)).containsExactly("1 {} [warn[a]#1 firing, warn[b]#1 firing] firing=2");
            // a repeats at 60: the next tick after the message of 1 is 1 + 12 × 5 = 61, an hour
            // after it, so a's reminder opens a message due at 61. b repeats at 75: its tick, 76,
            // is 15 minutes after 61, so b's reminder is folded into the group's next message.
            send(h, transition("warn", "warning", a, AlertRecord.FIRING, 2, 60), 60);
            h.processWatermark(new Watermark(lastMs(61)));
            assertThat(messages(h)).containsExactly("61 {} [warn[a]#2 firing] firing=2");
            send(h, transition("warn", "warning", b, AlertRecord.FIRING, 2, 75), 75);
            h.processWatermark(new Watermark(lastMs(119)));
            assertThat(messages(h)).isEmpty();
            // a#3 at 120: tick 121, an hour after 61: it opens one, which lists b's folded #2;
            // b#3 at 135 (tick 136, 15 min) is folded; a#4 at 180 opens the one due at 181.
            send(h, transition("warn", "warning", a, AlertRecord.FIRING, 3, 120), 120);
            h.processWatermark(new Watermark(lastMs(121)));
            assertThat(messages(h)).containsExactly("121 {} [warn[a]#3 firing, warn[b]#2 firing] firing=2");
            send(h, transition("warn", "warning", b, AlertRecord.FIRING, 3, 135), 135);
            send(h, transition("warn", "warning", a, AlertRecord.FIRING, 4, 180), 180);
            h.processWatermark(new Watermark(lastMs(180)));
            assertThat(messages(h)).isEmpty();
            h.processWatermark(new Watermark(lastMs(181)));
            assertThat(messages(h)).containsExactly("181 {} [warn[a]#4 firing, warn[b]#3 firing] firing=2");
            // the folded ones left without a group id, the others with their message's
            List<String> ids = new ArrayList<>();
            for (AlertRecord r : h.extractOutputValues()) {
                ids.add(r.alertId + "#" + r.notifySeq + "=" + (r.groupId == null ? "-" : "m"));
            }
            assertThat(ids).containsExactly("warn[a]#1=m", "warn[b]#1=m", "warn[a]#2=m", "warn[b]#2=-", "warn[a]#3=m",
                    "warn[b]#3=-", "warn[a]#4=m");
        }
    }

    @Test
    void theOrderTransitionsArriveInDoesNotChangeTheMessagesAndTheirIds() throws Exception {
        Map<String, String> a = Map.of("service", "a");
        Map<String, String> b = Map.of("service", "b");
        List<String> first;
        List<String> ids = new ArrayList<>();
        try (var h = harness(BY_ENDPOINT)) {
            // b's transition of minute 3 arrives before a's of minute 2 (two evaluator subtasks):
            // the group opens at 2 (due end of 3) whatever came first, and lists both.
            send(h, transition("warn", "warning", b, AlertRecord.FIRING, 1, 3), 3);
            send(h, transition("warn", "warning", a, AlertRecord.FIRING, 1, 2), 2);
            h.processWatermark(new Watermark(lastMs(3)));
            for (AlertRecord r : h.extractOutputValues()) {
                ids.add(r.groupId);
            }
            first = messages(h);
        }
        assertThat(first).containsExactly("3 {} [warn[a]#1 firing, warn[b]#1 firing] firing=2");
        assertThat(ids).containsOnly(AlertGrouper.notificationId("{}", lastMs(3)));
        try (var h = harness(BY_ENDPOINT)) {
            send(h, transition("warn", "warning", a, AlertRecord.FIRING, 1, 2), 2);
            send(h, transition("warn", "warning", b, AlertRecord.FIRING, 1, 3), 3);
            h.processWatermark(new Watermark(lastMs(3)));
            assertThat(messages(h)).isEqualTo(first);
        }
    }

    @Test
    void criticalMembersComeFirstAndInhibitedTransitionsAreInNoMessage() throws Exception {
        Map<String, String> api = Map.of("service", "api", "model", "m");
        try (var h = harness(new AlertGrouping(List.of(), Duration.ZERO, Duration.ofMinutes(5)))) {
            // group_wait 0: due at the first transition's own time, so a minute is one message.
            AlertRecord warn = transition("latency_warn", "warning", api, AlertRecord.FIRING, 1, 7);
            AlertRecord crit = transition("latency_crit", "critical", api, AlertRecord.FIRING, 1, 7);
            AlertRecord inhibited = transition("latency_other", "warning", api, AlertRecord.FIRING, 1, 7);
            inhibited.inhibitedBy = crit.alertId;
            send(h, warn, 7);
            send(h, inhibited, 7);
            send(h, crit, 7);
            h.processWatermark(new Watermark(lastMs(7)));
            assertThat(messages(h)).containsExactly(
                    "7 {} [latency_crit[m, api]#1 firing, latency_warn[m, api]#1 firing] firing=2");
            List<AlertRecord> out = h.extractOutputValues();
            assertThat(out).hasSize(3);
            for (AlertRecord r : out) {
                assertThat(r.groupId).isEqualTo(r.inhibitedBy == null ? AlertGrouper.notificationId("{}", lastMs(7)) : null);
            }
        }
    }

    @Test
    void theGroupKeyTakesOnlyTheGroupByLabelsAnEpisodeHas() {
        assertThat(AlertGrouper.groupKey(BY_ENDPOINT, "{\"endpoint\":\"e1\",\"model\":\"m\"}")).isEqualTo("{\"endpoint\":\"e1\"}");
        assertThat(AlertGrouper.groupKey(BY_ENDPOINT, "{\"service\":\"api\"}")).isEqualTo("{}");
        AlertGrouping two = new AlertGrouping(List.of("service", "endpoint"), Duration.ZERO, Duration.ofMinutes(1));
        assertThat(AlertGrouper.groupKey(two, "{\"service\":\"api\",\"model\":\"m\"}")).isEqualTo("{\"service\":\"api\"}");
    }
}
