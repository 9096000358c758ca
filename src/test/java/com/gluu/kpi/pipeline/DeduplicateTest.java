package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Operator-harness tests of {@link Deduplicate}: window of 10 min, allowed lateness 5 min. */
class DeduplicateTest {
    private static final long MIN = 60_000;
    private static final int MAX_PARALLELISM = 128;

    @Test
    void aRepeatWithinTheWindowIsDroppedAndCounted() throws Exception {
        try (var harness = harness(1, 0)) {
            harness.open();
            harness.processElement(event("a", 0), 0);
            harness.processElement(event("b", 1_000), 1_000);
            harness.processElement(event("a", 10 * MIN), 10 * MIN); // exactly the window apart: still a repeat
            harness.processElement(event("a", 5 * MIN), 5 * MIN);
            assertThat(passedIds(harness)).containsExactly("a@0", "b@1000");
        }
    }

    @Test
    void aRepeatFurtherThanTheWindowFromTheFirstCopyPasses() throws Exception {
        try (var harness = harness(1, 0)) {
            harness.open();
            harness.processElement(event("a", 0), 0);
            harness.processElement(event("a", 10 * MIN + 1), 10 * MIN + 1);
            assertThat(passedIds(harness)).containsExactly("a@0", "a@600001");
        }
    }

    @Test
    void idsAreForgottenOnlyOnceTheWatermarkPassesWindowPlusLateness() throws Exception {
        try (var harness = harness(1, 0)) {
            harness.open();
            harness.processElement(event("a", 0), 0);
            harness.processElement(event("b", 30 * 1000), 30_000);
            // First copy at 0: window 10 min + lateness 5 min → may be forgotten from 15:00 on,
            // in whole minutes: the bucket of 15:00 ends at 16:00.
            harness.processWatermark(new Watermark(15 * MIN));
            assertThat(operator(harness).rememberedIds()).isEqualTo(2);
            harness.processWatermark(new Watermark(16 * MIN));
            assertThat(operator(harness).rememberedIds()).isEqualTo(0);
            // Watermarks are forwarded untouched.
            assertThat(harness.getOutput().stream().filter(o -> o instanceof Watermark).count()).isEqualTo(2);
        }
    }

    @Test
    void rememberedIdsSurviveACheckpointAndARescaleToTwoSubtasks() throws Exception {
        OperatorSubtaskState snapshot;
        List<String> ids = new ArrayList<>();
        try (var harness = harness(1, 0)) {
            harness.open();
            for (int i = 0; i < 50; i++) {
                ids.add("id-" + i);
                harness.processElement(event("id-" + i, i * 1000L), i * 1000L);
            }
            snapshot = harness.snapshot(1, 100);
        }
        // Union state hands every subtask all ids; each keeps those of its own key groups, so
        // together the two new subtasks remember each id exactly once.
        int remembered = 0;
        for (int subtask = 0; subtask < 2; subtask++) {
            OperatorSubtaskState part = AbstractStreamOperatorTestHarness.repartitionOperatorState(
                    snapshot, MAX_PARALLELISM, 1, 2, subtask);
            try (var harness = harness(2, subtask)) {
                harness.initializeState(part);
                harness.open();
                remembered += operator(harness).rememberedIds();
                for (String id : ids) {
                    if (KeyGroupRangeAssignment.assignKeyToParallelOperator(id, MAX_PARALLELISM, 2) == subtask) {
                        harness.processElement(event(id, 5_000), 5_000);
                    }
                }
                assertThat(passedIds(harness)).as("every id was seen before the checkpoint").isEmpty();
            }
        }
        assertThat(remembered).isEqualTo(50);
    }

    @Test
    void theDuplicateCountSurvivesACheckpointAndIsSummedWhenTwoSubtasksAreRestoredIntoOne() throws Exception {
        OperatorSubtaskState[] snapshots = new OperatorSubtaskState[2];
        for (int subtask = 0; subtask < 2; subtask++) {
            try (var harness = harness(2, subtask)) {
                harness.open();
                int dropped = 0;
                for (int i = 0; dropped < 2 + subtask; i++) { // 2 duplicates on subtask 0, 3 on subtask 1
                    String id = "id-" + i;
                    if (KeyGroupRangeAssignment.assignKeyToParallelOperator(id, MAX_PARALLELISM, 2) == subtask) {
                        harness.processElement(event(id, i * 1000L), i * 1000L);
                        harness.processElement(event(id, i * 1000L), i * 1000L);
                        dropped++;
                    }
                }
                assertThat(operator(harness).duplicateCount()).isEqualTo(2 + subtask);
                snapshots[subtask] = harness.snapshot(1, 100);
            }
        }
        OperatorSubtaskState both = AbstractStreamOperatorTestHarness.repackageState(snapshots);
        OperatorSubtaskState one = AbstractStreamOperatorTestHarness.repartitionOperatorState(
                both, MAX_PARALLELISM, 2, 1, 0);
        try (var harness = harness(1, 0)) {
            harness.initializeState(one);
            harness.open();
            assertThat(operator(harness).duplicateCount()).isEqualTo(5);
            assertThat(harness.getEnvironment().getAccumulatorRegistry().getUserMap().get(JobCounts.DUPLICATES)
                    .getLocalValue()).as("the new attempt's accumulator starts from the checkpoint's count")
                    .isEqualTo(5L);
            harness.processElement(event("id-0", 0), 0);
            assertThat(harness.getEnvironment().getAccumulatorRegistry().getUserMap().get(JobCounts.DUPLICATES)
                    .getLocalValue()).isEqualTo(6L);
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness(int parallelism, int subtask)
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new Deduplicate(Duration.ofMinutes(10), Duration.ofMinutes(5)),
                Event::routingKey, Types.STRING, MAX_PARALLELISM, parallelism, subtask);
    }

    private static Deduplicate operator(KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness) {
        return (Deduplicate) harness.getOneInputOperator();
    }

    private static List<String> passedIds(KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness) {
        List<String> ids = new ArrayList<>();
        for (Object o : harness.getOutput()) {
            if (o instanceof StreamRecord) {
                Event e = (Event) ((StreamRecord<?>) o).getValue();
                ids.add(e.eventId + "@" + e.ts);
            }
        }
        return ids;
    }

    private static Event event(String id, long ts) {
        Event e = new Event();
        e.eventId = id;
        e.type = EventType.FEEDBACK;
        e.ts = ts;
        return e;
    }
}
