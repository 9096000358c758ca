package com.gluu.kpi.accuracy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventType;
import com.gluu.kpi.events.FeedbackEvent;
import com.gluu.kpi.events.InferenceEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Operator-harness tests of {@link FeedbackJoin} with horizon 7 d, feedback wait 10 min and
 * allowed lateness 5 min: a waiting feedback is given up at its ts + 15 min of watermark.
 */
class FeedbackJoinTest {
    private static final long MINUTE = 60_000;
    private static final long DAY = 24 * 60 * MINUTE;
    /** 2026-11-22T05:38:00Z. */
    private static final long T0 = 1_795_325_880_000L;

    private KeyedOneInputStreamOperatorTestHarness<String, Event, AccuracyObservation> harness;

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void feedbackAfterItsInferenceIsMatchedAndCarriesTheFeedbacksTimestamp() throws Exception {
        harness = open();
        inference("r1", "blip2", "blip2-opt-2.7b-2025-09", T0);
        feedback("r1", "correct", T0 + 2 * 60 * MINUTE);

        // correct without a score counts 1; record timestamp = feedback ts, not inference ts.
        assertThat(drain()).containsExactly(
                "blip2|blip2-opt-2.7b-2025-09|correct|1.0|ts=" + (T0 + 120 * MINUTE) + "@" + (T0 + 120 * MINUTE));
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(join().matchedCount()).isEqualTo(1);
        assertThat(join().unmatchedCount()).isZero();
    }

    @Test
    void feedbackBeforeItsInferenceWaitsAndIsMatchedWhenTheInferenceArrives() throws Exception {
        harness = open();
        feedback("r1", "partial", T0);
        assertThat(drain()).isEmpty();
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);

        harness.processWatermark(T0 + 14 * MINUTE); // still inside the wait + lateness
        assertThat(drain()).isEmpty();

        inference("r1", "blip2", "", T0 + 9 * MINUTE);
        // Emitted while processing the inference, but stamped with the feedback's ts T0.
        assertThat(drain()).containsExactly("blip2||partial|0.5|ts=" + T0 + "@" + T0);
        assertThat(harness.numEventTimeTimers()).as("timer deleted").isZero();

        harness.processWatermark(T0 + 60 * MINUTE);
        assertThat(drain()).as("nothing fires later").isEmpty();
        assertThat(join().matchedCount()).isEqualTo(1);
        assertThat(join().unmatchedCount()).isZero();
    }

    @Test
    void feedbackWhoseInferenceNeverComesIsUnmatchedAtExactlyTsPlusWaitPlusLateness() throws Exception {
        harness = open();
        feedback("r1", "incorrect", T0);

        harness.processWatermark(T0 + 15 * MINUTE - 1);
        assertThat(drain()).isEmpty();

        harness.processWatermark(T0 + 15 * MINUTE);
        assertThat(drain()).containsExactly("unmatched||incorrect|0.0|ts=" + T0 + "@" + T0);
        assertThat(join().unmatchedCount()).isEqualTo(1);
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numKeyedStateEntries()).as("no waiting feedback left").isZero();
    }

    @Test
    void inferenceUpToFeedbackWaitAfterTheFeedbackJoinsOneMillisecondLaterDoesNot() throws Exception {
        harness = open();
        feedback("at-wait", "correct", T0);
        feedback("past-wait", "correct", T0);
        inference("at-wait", "blip2", "v1", T0 + 10 * MINUTE);
        inference("past-wait", "blip2", "v1", T0 + 10 * MINUTE + 1);

        // past-wait is decided as soon as its inference shows it cannot join.
        assertThat(drain()).containsExactly(
                "blip2|v1|correct|1.0|ts=" + T0 + "@" + T0,
                "unmatched||correct|1.0|ts=" + T0 + "@" + T0);
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void feedbackMoreThanTheHorizonAfterItsInferenceIsUnmatchedAtOnce() throws Exception {
        harness = open();
        inference("at-horizon", "blip2", "v1", T0);
        inference("past-horizon", "blip2", "v1", T0);
        feedback("at-horizon", "correct", T0 + 7 * DAY);
        feedback("past-horizon", "correct", T0 + 7 * DAY + 1);

        assertThat(drain()).containsExactly(
                "blip2|v1|correct|1.0|ts=" + (T0 + 7 * DAY) + "@" + (T0 + 7 * DAY),
                "unmatched||correct|1.0|ts=" + (T0 + 7 * DAY + 1) + "@" + (T0 + 7 * DAY + 1));
        assertThat(harness.numEventTimeTimers()).as("nothing waits").isZero();
        assertThat(join().matchedCount()).isEqualTo(1);
        assertThat(join().unmatchedCount()).isEqualTo(1);
    }

    @Test
    void aGivenScoreIsUsedElseTheVerdictsDefault() throws Exception {
        harness = open();
        inference("r1", "blip2", "v1", T0);
        feedback("r1", "correct", T0 + 1, 0.8);
        feedback("r1", "incorrect", T0 + 2, 0.3); // a score wins even against its verdict
        feedback("r1", "correct", T0 + 3);
        feedback("r1", "partial", T0 + 4);
        feedback("r1", "incorrect", T0 + 5);
        feedback("r1", "partial", T0 + 6, 0.0);

        assertThat(drain()).containsExactly(
                "blip2|v1|correct|0.8|ts=" + (T0 + 1) + "@" + (T0 + 1),
                "blip2|v1|incorrect|0.3|ts=" + (T0 + 2) + "@" + (T0 + 2),
                "blip2|v1|correct|1.0|ts=" + (T0 + 3) + "@" + (T0 + 3),
                "blip2|v1|partial|0.5|ts=" + (T0 + 4) + "@" + (T0 + 4),
                "blip2|v1|incorrect|0.0|ts=" + (T0 + 5) + "@" + (T0 + 5),
                "blip2|v1|partial|0.0|ts=" + (T0 + 6) + "@" + (T0 + 6));
    }

    @Test
    void twoFeedbacksForOneRequestBothCountWhetherTheyWaitedOrNot() throws Exception {
        harness = open();
        feedback("r1", "correct", T0);
        feedback("r1", "incorrect", T0 + MINUTE);
        assertThat(harness.numEventTimeTimers()).as("one wake-up per distinct time").isEqualTo(2);
        inference("r1", "blip2", "v1", T0 + 5 * MINUTE);
        feedback("r1", "partial", T0 + 30 * MINUTE);

        assertThat(drain()).containsExactly(
                "blip2|v1|correct|1.0|ts=" + T0 + "@" + T0,
                "blip2|v1|incorrect|0.0|ts=" + (T0 + MINUTE) + "@" + (T0 + MINUTE),
                "blip2|v1|partial|0.5|ts=" + (T0 + 30 * MINUTE) + "@" + (T0 + 30 * MINUTE));
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(join().matchedCount()).isEqualTo(3);
    }

    @Test
    void ofSeveralInferencesWithOneRequestIdTheEarliestIsKept() throws Exception {
        harness = open();
        inference("r1", "later-model", "", T0 + 60 * MINUTE);
        inference("r1", "earliest-model", "e1", T0);
        inference("r1", "middle-model", "", T0 + 30 * MINUTE);
        feedback("r1", "correct", T0 + 2 * 60 * MINUTE);

        assertThat(drain()).containsExactly(
                "earliest-model|e1|correct|1.0|ts=" + (T0 + 120 * MINUTE) + "@" + (T0 + 120 * MINUTE));
    }

    @Test
    void waitingFeedbackOfManyRequestsIsGivenUpInTimeOrderAndLeavesNoStateOrTimers() throws Exception {
        harness = open();
        feedback("a", "correct", T0);
        feedback("b", "partial", T0 + 2 * MINUTE);
        feedback("b", "incorrect", T0 + 4 * MINUTE);
        feedback("c", "correct", T0 + MINUTE);
        inference("c", "blip2", "v1", T0); // c is matched at once
        assertThat(drain()).containsExactly("blip2|v1|correct|1.0|ts=" + (T0 + MINUTE) + "@" + (T0 + MINUTE));
        assertThat(harness.numEventTimeTimers()).isEqualTo(3); // a@T0+15, b@T0+17, b@T0+19

        harness.processWatermark(T0 + 17 * MINUTE);
        assertThat(drain()).containsExactly(
                "unmatched||correct|1.0|ts=" + T0 + "@" + T0,
                "unmatched||partial|0.5|ts=" + (T0 + 2 * MINUTE) + "@" + (T0 + 2 * MINUTE));
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);

        harness.processWatermark(T0 + 19 * MINUTE);
        assertThat(drain()).containsExactly("unmatched||incorrect|0.0|ts=" + (T0 + 4 * MINUTE) + "@" + (T0 + 4 * MINUTE));
        assertThat(harness.numEventTimeTimers()).isZero();
        // No waiting feedback is left; only c's inference remains (it may get more feedback).
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(join().inferencesRemembered()).isEqualTo(1);
        assertThat(join().matchedCount()).isEqualTo(1);
        assertThat(join().unmatchedCount()).isEqualTo(3);
    }

    @Test
    void anInferenceIsForgottenOnceTheWatermarkPassesItsTsPlusHorizonPlusLateness() throws Exception {
        // Sweeps run every horizon/16 = 10.5 h of watermark, the first one 10.5 h after the
        // first watermark; each forgets inferences with ts + 7 d + 5 min <= watermark.
        harness = open();
        inference("old", "blip2", "v1", T0);
        inference("one-ms-younger", "blip2", "v1", T0 + 1);
        inference("a-day-younger", "llava", "v2", T0 + DAY);
        harness.processWatermark(T0);
        harness.processWatermark(T0 + 7 * DAY + 5 * MINUTE - 1); // a sweep, but nothing is old enough
        assertThat(join().inferencesRemembered()).isEqualTo(3);
        harness.processWatermark(T0 + 7 * DAY + 5 * MINUTE); // too soon for the next sweep
        assertThat(join().inferencesRemembered()).isEqualTo(3);

        harness.processWatermark(T0 + 7 * DAY + 5 * MINUTE + 630 * MINUTE); // sweep: cutoff T0 + 630 min
        assertThat(join().inferencesRemembered()).as("old and one-ms-younger forgotten").isEqualTo(1);

        // Still inside its horizon: matched. A feedback of "old" that could still pass the
        // event-time gate (ts + 5 min > watermark) is past old's horizon: unmatched either way.
        feedback("a-day-younger", "correct", T0 + 8 * DAY);
        feedback("old", "correct", T0 + 7 * DAY + 630 * MINUTE + 1);
        assertThat(drain()).containsExactly("llava|v2|correct|1.0|ts=" + (T0 + 8 * DAY) + "@" + (T0 + 8 * DAY));
        harness.processWatermark(T0 + 7 * DAY + 645 * MINUTE + 1);
        assertThat(drain()).containsExactly(
                "unmatched||correct|1.0|ts=" + (T0 + 7 * DAY + 630 * MINUTE + 1) + "@" + (T0 + 7 * DAY + 630 * MINUTE + 1));

        harness.processWatermark(Long.MAX_VALUE); // end of input: nothing can join any more
        assertThat(join().inferencesRemembered()).isZero();
    }

    @Test
    void eventsOfOtherTypesAreIgnored() throws Exception {
        harness = open();
        Event endpoint = new Event();
        endpoint.eventId = "e-1";
        endpoint.type = EventType.ENDPOINT;
        endpoint.ts = T0;
        endpoint.endpoint = new com.gluu.kpi.events.EndpointEvent();
        harness.processElement(endpoint, T0);

        assertThat(drain()).isEmpty();
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(join().inferencesRemembered()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aCheckpointKeepsTheInferenceAndTheWaitingFeedbackWithItsTimer() throws Exception {
        OperatorSubtaskState snapshot;
        harness = open();
        inference("known", "blip2", "v1", T0);
        feedback("waiting", "partial", T0 + MINUTE, 0.25);
        feedback("given-up", "incorrect", T0 + 2 * MINUTE);
        snapshot = harness.snapshot(1, 100);
        harness.close();

        harness = harness();
        harness.initializeState(snapshot);
        harness.open();
        assertThat(harness.numEventTimeTimers()).as("timers restored").isEqualTo(2);
        feedback("known", "correct", T0 + DAY);
        inference("waiting", "blip2", "v2", T0 + 3 * MINUTE);
        assertThat(drain()).containsExactly(
                "blip2|v1|correct|1.0|ts=" + (T0 + DAY) + "@" + (T0 + DAY),
                "blip2|v2|partial|0.25|ts=" + (T0 + MINUTE) + "@" + (T0 + MINUTE));

        harness.processWatermark(T0 + 17 * MINUTE);
        assertThat(drain()).containsExactly("unmatched||incorrect|0.0|ts=" + (T0 + 2 * MINUTE) + "@" + (T0 + 2 * MINUTE));
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numKeyedStateEntries()).as("no feedback waits").isZero();
        assertThat(join().inferencesRemembered()).as("the two inferences").isEqualTo(2);
    }

    @Test
    void theSameCheckpointWorksWithTheRocksDbBackendWhichProductionUses() throws Exception {
        harness = harness();
        harness.setStateBackend(new EmbeddedRocksDBStateBackend());
        harness.open();
        inference("known", "blip2", "v1", T0);
        feedback("waiting", "partial", T0 + MINUTE, 0.25);
        OperatorSubtaskState snapshot = harness.snapshot(1, 100);
        harness.close();

        harness = harness();
        harness.setStateBackend(new EmbeddedRocksDBStateBackend());
        harness.initializeState(snapshot);
        harness.open();
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        feedback("known", "incorrect", T0 + DAY);
        harness.processWatermark(T0 + 16 * MINUTE);
        assertThat(drain()).containsExactly(
                "blip2|v1|incorrect|0.0|ts=" + (T0 + DAY) + "@" + (T0 + DAY),
                "unmatched||partial|0.25|ts=" + (T0 + MINUTE) + "@" + (T0 + MINUTE));
    }

    @Test
    void rocksDbWithHeapTimersIsRefusedAtStartNotAtTheFirstCheckpoint() throws Exception {
        harness = harness();
        EmbeddedRocksDBStateBackend heapTimers = new EmbeddedRocksDBStateBackend();
        heapTimers.setPriorityQueueStateType(EmbeddedRocksDBStateBackend.PriorityQueueStateType.HEAP);
        harness.setStateBackend(heapTimers);
        assertThatThrownBy(() -> harness.open()).hasMessageContaining("timer-service.factory");
    }

    @Test
    void aCheckpointRestoresIntoMoreSubtasksEachWithTheInferencesOfItsOwnKeyGroups() throws Exception {
        int maxParallelism = 128;
        harness = harness(maxParallelism, 1, 0);
        harness.open();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ids.add("request-" + i);
            inference("request-" + i, i % 2 == 0 ? "blip2" : "llava", "v" + (i % 3), T0 + i);
        }
        OperatorSubtaskState snapshot = harness.snapshot(1, 100);
        harness.close();
        harness = null;

        int restored = 0;
        for (int subtask = 0; subtask < 3; subtask++) {
            OperatorSubtaskState part = AbstractStreamOperatorTestHarness.repartitionOperatorState(
                    snapshot, maxParallelism, 1, 3, subtask);
            harness = harness(maxParallelism, 3, subtask);
            harness.initializeState(part);
            harness.open();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                if (KeyGroupRangeAssignment.assignKeyToParallelOperator(ids.get(i), maxParallelism, 3) == subtask) {
                    feedback(ids.get(i), "correct", T0 + DAY);
                    expected.add((i % 2 == 0 ? "blip2" : "llava") + "|v" + (i % 3) + "|correct|1.0|ts=" + (T0 + DAY) + "@" + (T0 + DAY));
                }
            }
            assertThat(join().inferencesRemembered()).isEqualTo(expected.size());
            assertThat(drain()).containsExactlyElementsOf(expected);
            restored += expected.size();
            harness.close();
            harness = null;
        }
        assertThat(restored).isEqualTo(200);
    }

    // ---------------------------------------------------------------- helpers

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, AccuracyObservation> harness() throws Exception {
        return harness(128, 1, 0);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, AccuracyObservation> harness(
            int maxParallelism, int parallelism, int subtask) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new FeedbackJoin(Duration.ofDays(7), Duration.ofMinutes(10), Duration.ofMinutes(5)),
                Event::routingKey, Types.STRING, maxParallelism, parallelism, subtask);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, AccuracyObservation> open() throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, Event, AccuracyObservation> h = harness();
        h.open();
        return h;
    }

    private FeedbackJoin join() {
        return (FeedbackJoin) harness.getOneInputOperator();
    }

    private void inference(String requestId, String model, String version, long ts) throws Exception {
        Event e = new Event();
        e.eventId = "i-" + requestId + "-" + ts;
        e.type = EventType.INFERENCE;
        e.ts = ts;
        e.inference = new InferenceEvent();
        e.inference.requestId = requestId;
        e.inference.service = "analyze-api";
        e.inference.model = model;
        e.inference.modelVersion = version;
        harness.processElement(e, ts);
    }

    private void feedback(String requestId, String verdict, long ts) throws Exception {
        feedback(requestId, verdict, ts, Double.NaN);
    }

    private void feedback(String requestId, String verdict, long ts, double score) throws Exception {
        Event e = new Event();
        e.eventId = "f-" + requestId + "-" + ts;
        e.type = EventType.FEEDBACK;
        e.ts = ts;
        e.feedback = new FeedbackEvent();
        e.feedback.requestId = requestId;
        e.feedback.verdict = new String(verdict); // not the interned literal the operator uses
        e.feedback.score = score;
        harness.processElement(e, ts);
    }

    /** The records emitted so far as "model|version|verdict|score|ts=…@record timestamp". */
    private List<String> drain() {
        List<String> out = new ArrayList<>();
        for (Object o : harness.getOutput()) {
            if (o instanceof StreamRecord) {
                StreamRecord<?> r = (StreamRecord<?>) o;
                AccuracyObservation a = (AccuracyObservation) r.getValue();
                assertThat(r.hasTimestamp()).isTrue();
                out.add(a.model + "|" + a.modelVersion + "|" + a.verdict + "|" + a.score + "|ts=" + a.ts + "@" + r.getTimestamp());
            }
        }
        harness.getOutput().clear();
        return out;
    }
}
