package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.events.DeadLetterReason;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The parse operator: valid events go on, every rejected record goes to the dead-letter side
 * output with its reason, records ahead of event time are held and come out before the final
 * watermark, and the gate, the held records and the counts survive a restore from a checkpoint.
 */
class ParseEventsTest {
    private static final long SECOND = 1_000;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    /** Event times an hour behind the wall clock, as in a live stream, so the 24 h bound is the clock's. */
    private static final long T0 = (System.currentTimeMillis() / MINUTE - 60) * MINUTE;

    private static OneInputStreamOperatorTestHarness<RawRecord, Event> harness() throws Exception {
        return new OneInputStreamOperatorTestHarness<>(ParseEvents.forJob(JobConfig.defaults(), false));
    }

    private static RawRecord task(int line, String eventId, long ts) {
        String json = "{\"event_id\":\"" + eventId + "\",\"type\":\"task\",\"ts\":" + ts
                + ",\"task_id\":\"t\",\"service\":\"analyze-api\",\"state\":\"RUNNING\"}";
        return RawRecord.of("events.jsonl", Integer.toString(line), json.getBytes(StandardCharsets.UTF_8));
    }

    private static RawRecord notJson(int line) {
        return RawRecord.of("events.jsonl", Integer.toString(line), "{not json".getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> deadLetters(OneInputStreamOperatorTestHarness<RawRecord, Event> h) {
        if (h.getSideOutput(ParseEvents.DEAD_LETTERS) == null) {
            return List.of();
        }
        return h.getSideOutput(ParseEvents.DEAD_LETTERS).stream().map(StreamRecord::getValue)
                .map(d -> d.id + " " + d.reason + " " + d.eventId)
                .collect(Collectors.toList());
    }

    private static List<String> events(OneInputStreamOperatorTestHarness<RawRecord, Event> h) {
        return h.extractOutputValues().stream().map(e -> e.eventId).collect(Collectors.toList());
    }

    private static void endOfInput(OneInputStreamOperatorTestHarness<RawRecord, Event> h) throws Exception {
        h.processWatermark(new Watermark(Long.MAX_VALUE));
    }

    @Test
    void validEventsGoOnAndEveryRejectGoesToDeadLettersWithItsReason() throws Exception {
        try (OneInputStreamOperatorTestHarness<RawRecord, Event> h = harness()) {
            h.open();
            h.processElement(task(1, "e-1", T0), 0);
            h.processElement(notJson(2), 0);
            h.processElement(task(3, "e-3", T0 - 30_001 - 5 * MINUTE), 0); // exactly at the lateness bound
            h.processElement(task(4, "e-4", T0 + 30 * HOUR), 0); // 30 h ahead
            h.processElement(task(5, "e-5", T0 - 30_001 - 5 * MINUTE + 1), 0); // one ms inside it
            // Four valid records do not start event time; the end of the input does, at the first.
            assertThat(events(h)).isEmpty();
            endOfInput(h);

            assertThat(events(h)).containsExactly("e-1", "e-5");
            assertThat(deadLetters(h)).containsExactly(
                    "events.jsonl:2 malformed_json ",
                    "events.jsonl:4 bad_value e-4",
                    "events.jsonl:3 too_late e-3");
            DeadLetter late = h.getSideOutput(ParseEvents.DEAD_LETTERS).stream().map(StreamRecord::getValue)
                    .filter(d -> d.reason.equals("too_late")).findFirst().orElseThrow();
            assertThat(late.eventTs).isEqualTo(T0 - 30_001 - 5 * MINUTE);
            assertThat(late.raw).contains("\"event_id\":\"e-3\"");
        }
    }

    @Test
    void recordsHeldAtTheEndOfTheInputGoOutBeforeTheFinalWatermark() throws Exception {
        try (OneInputStreamOperatorTestHarness<RawRecord, Event> h = harness()) {
            h.open();
            for (int i = 0; i < 20; i++) {
                h.processElement(task(i + 1, "e-" + i, T0 + i * SECOND), 0);
            }
            // A sparse tail: feedback two hours after the last request, nothing after it.
            h.processElement(task(21, "tail", T0 + 2 * HOUR), 0);
            assertThat(events(h)).hasSize(20).doesNotContain("tail");
            endOfInput(h);

            List<Object> output = new ArrayList<>(h.getOutput());
            assertThat(output).hasSize(22);
            assertThat(((StreamRecord<?>) output.get(20)).getValue()).extracting(e -> ((Event) e).eventId)
                    .isEqualTo("tail");
            assertThat(output.get(21)).isEqualTo(new Watermark(Long.MAX_VALUE));
            assertThat(deadLetters(h)).isEmpty();
        }
    }

    @Test
    void aSourceIdleWhenItsInputEndsStillSendsTheFinalWatermarkOn() throws Exception {
        // Flink 1.20 drops the final watermark of a source that is idle at a drain (FLINK-40499).
        try (var h = new OneInputStreamOperatorTestHarness<>(ParseEvents.forJob(JobConfig.defaults(), true))) {
            h.open();
            h.processWatermark(new Watermark(T0));
            h.processWatermarkStatus(WatermarkStatus.IDLE);
            h.endInput();
            assertThat(h.getOutput()).containsExactly(new Watermark(T0), WatermarkStatus.IDLE, WatermarkStatus.ACTIVE,
                    new Watermark(Long.MAX_VALUE));
        }
        try (var h = harness()) {
            h.open();
            endOfInput(h);
            h.endInput();
            assertThat(h.getOutput()).as("once is enough").containsExactly(new Watermark(Long.MAX_VALUE));
        }
    }

    @Test
    void aRecordThreeHoursAheadThatEventTimeNeverReachesIsABadValueAtTheEnd() throws Exception {
        try (OneInputStreamOperatorTestHarness<RawRecord, Event> h = harness()) {
            h.open();
            for (int i = 0; i < 30; i++) {
                h.processElement(task(i + 1, "e-" + i, T0 + i * SECOND), 0);
                if (i == 24) {
                    h.processElement(task(100, "ahead", T0 + 3 * HOUR), 0);
                }
            }
            assertThat(events(h)).hasSize(30).doesNotContain("ahead");
            endOfInput(h);
            assertThat(deadLetters(h)).containsExactly("events.jsonl:100 bad_value ahead");
            DeadLetter d = h.getSideOutput(ParseEvents.DEAD_LETTERS).peek().getValue();
            assertThat(d.eventTs).isEqualTo(T0 + 3 * HOUR);
            assertThat(d.detail).matches("ts \\S+ was more than 10m ahead of the stream's event time \\S+ and"
                    + " event time never reached it");
            assertThat(d.raw).contains("\"event_id\":\"ahead\"");
        }
    }

    @Test
    void heldRecordsAndTheGateStateSurviveACheckpointWithTheSameOutputAsWithout() throws Exception {
        List<RawRecord> input = new ArrayList<>();
        input.add(task(1, "outlier-first", T0 + 3 * HOUR));
        for (int i = 0; i < 10; i++) {
            input.add(task(input.size() + 1, "e-" + i, T0 + i * SECOND));
        }
        int cut = input.size(); // the checkpoint: 11 records held, event time not started
        for (int i = 10; i < 30; i++) {
            input.add(task(input.size() + 1, "e-" + i, T0 + i * SECOND));
        }
        input.add(task(input.size() + 1, "late", T0 - 10 * MINUTE));
        input.add(notJson(input.size() + 1));

        List<String> expectedEvents;
        List<String> expectedDeadLetters;
        try (var h = harness()) {
            h.open();
            for (RawRecord r : input) {
                h.processElement(r, 0);
            }
            endOfInput(h);
            expectedEvents = events(h);
            expectedDeadLetters = deadLetters(h);
        }
        assertThat(expectedEvents).hasSize(30);
        assertThat(expectedDeadLetters).containsExactly("events.jsonl:32 too_late late", "events.jsonl:33 malformed_json ",
                "events.jsonl:1 bad_value outlier-first");

        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            for (RawRecord r : input.subList(0, cut)) {
                h.processElement(r, 0);
            }
            assertThat(events(h)).isEmpty();
            snapshot = h.snapshot(1, 1);
        }
        try (var restored = harness()) {
            restored.initializeState(snapshot);
            restored.open();
            for (RawRecord r : input.subList(cut, input.size())) {
                restored.processElement(r, 0);
            }
            endOfInput(restored);
            assertThat(events(restored)).isEqualTo(expectedEvents);
            assertThat(deadLetters(restored)).isEqualTo(expectedDeadLetters);
        }
    }

    @Test
    void countsOfACheckpointAreAddedToTheAccumulatorsOfTheRestoredAttempt() throws Exception {
        OperatorSubtaskState[] snapshots = new OperatorSubtaskState[2];
        for (int subtask = 0; subtask < 2; subtask++) {
            try (var h = harness()) {
                h.open();
                h.processElement(notJson(1), 0);
                h.processElement(task(2, "e-" + subtask, T0 + 30 * HOUR), 0);
                h.processElement(task(3, "held-" + subtask, T0), 0);
                snapshots[subtask] = h.snapshot(1, 1);
            }
        }
        // Two subtasks' states restored into one (a rescale): 6 read, 2 malformed, 2 bad values.
        OperatorSubtaskState both = AbstractStreamOperatorTestHarness.repackageState(snapshots);
        try (var h = harness()) {
            h.initializeState(AbstractStreamOperatorTestHarness.repartitionOperatorState(both, 128, 2, 1, 0));
            h.open();
            ParseEvents parse = (ParseEvents) h.getOneInputOperator();
            assertThat(accumulators(h)).containsEntry(JobCounts.RECORDS, 6L).containsEntry(JobCounts.DEAD_LETTERS, 4L);
            assertThat(parse.deadLetters(DeadLetterReason.MALFORMED_JSON)).isEqualTo(2);
            assertThat(parse.deadLetters(DeadLetterReason.BAD_VALUE)).isEqualTo(2);
            h.processElement(notJson(4), 0);
            endOfInput(h);
            assertThat(accumulators(h)).containsEntry(JobCounts.RECORDS, 7L).containsEntry(JobCounts.DEAD_LETTERS, 5L);
            assertThat(events(h)).as("both subtasks' held records").containsExactlyInAnyOrder("held-0", "held-1");
        }
    }

    private static Map<String, Object> accumulators(OneInputStreamOperatorTestHarness<RawRecord, Event> h) {
        return h.getEnvironment().getAccumulatorRegistry().getUserMap().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getLocalValue()));
    }
}
