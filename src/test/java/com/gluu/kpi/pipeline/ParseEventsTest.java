package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.RawRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The parse operator: valid events go on, every rejected record goes to the dead-letter side
 * output with its reason, and the event-time gate's verdicts survive a restore from a checkpoint.
 */
class ParseEventsTest {
    private static final long MINUTE = 60_000;
    /** Event times an hour behind the wall clock, as in a live stream, so the 24 h bound is the clock's. */
    private static final long T0 = (System.currentTimeMillis() / MINUTE - 60) * MINUTE;

    private static OneInputStreamOperatorTestHarness<RawRecord, Event> harness() throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(
                new ParseEvents(Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofHours(24))));
    }

    private static RawRecord task(int line, String eventId, long ts) {
        String json = "{\"event_id\":\"" + eventId + "\",\"type\":\"task\",\"ts\":" + ts
                + ",\"task_id\":\"t\",\"service\":\"analyze-api\",\"state\":\"RUNNING\"}";
        return RawRecord.of("events.jsonl", Integer.toString(line), json.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> deadLetters(OneInputStreamOperatorTestHarness<RawRecord, Event> h) {
        return h.getSideOutput(ParseEvents.DEAD_LETTERS).stream().map(StreamRecord::getValue)
                .map(d -> d.id + " " + d.reason + " " + d.eventId)
                .collect(Collectors.toList());
    }

    @Test
    void validEventsGoOnAndEveryRejectGoesToDeadLettersWithItsReason() throws Exception {
        try (OneInputStreamOperatorTestHarness<RawRecord, Event> h = harness()) {
            h.open();
            h.processElement(task(1, "e-1", T0), 0);
            h.processElement(RawRecord.of("events.jsonl", "2", "{not json".getBytes(StandardCharsets.UTF_8)), 0);
            h.processElement(task(3, "e-3", T0 - 30_001 - 5 * MINUTE), 0); // exactly at the lateness bound
            h.processElement(task(4, "e-4", T0 + 30 * 60 * MINUTE), 0); // 30 h ahead
            h.processElement(task(5, "e-5", T0 - 30_001 - 5 * MINUTE + 1), 0); // one ms inside it

            assertThat(h.extractOutputValues()).extracting(e -> e.eventId).containsExactly("e-1", "e-5");
            assertThat(deadLetters(h)).containsExactly(
                    "events.jsonl:2 malformed_json ",
                    "events.jsonl:3 too_late e-3",
                    "events.jsonl:4 bad_value e-4");
            DeadLetter late = h.getSideOutput(ParseEvents.DEAD_LETTERS).stream().map(StreamRecord::getValue)
                    .filter(d -> d.reason.equals("too_late")).findFirst().orElseThrow();
            assertThat(late.eventTs).isEqualTo(T0 - 30_001 - 5 * MINUTE);
            assertThat(late.raw).contains("\"event_id\":\"e-3\"");
        }
    }

    @Test
    void gateWatermarkIsRestoredFromACheckpoint() throws Exception {
        OperatorSubtaskState snapshot;
        try (OneInputStreamOperatorTestHarness<RawRecord, Event> h = harness()) {
            h.open();
            h.processElement(task(1, "e-1", T0), 0);
            snapshot = h.snapshot(1L, 1L);
        }

        try (OneInputStreamOperatorTestHarness<RawRecord, Event> restored = harness()) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(task(2, "e-2", T0 - 30_001 - 5 * MINUTE), 0);
            restored.processElement(task(3, "e-3", T0 - 30_001 - 5 * MINUTE + 1), 0);

            assertThat(deadLetters(restored)).containsExactly("events.jsonl:2 too_late e-2");
            assertThat(restored.extractOutputValues()).extracting(e -> e.eventId).containsExactly("e-3");
        }
    }
}
