package com.gluu.kpi.upgrade;

import static com.gluu.kpi.upgrade.UpgradeFixtures.DEDUP_IDS;
import static com.gluu.kpi.upgrade.UpgradeFixtures.MAX_PARALLELISM;
import static com.gluu.kpi.upgrade.UpgradeFixtures.MINUTE;
import static com.gluu.kpi.upgrade.UpgradeFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.accuracy.AccuracyObservation;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventSerializer;
import com.gluu.kpi.pipeline.JobCounts;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed savepoints of operators with hand-written state restore in the current build:
 * what {@link WriteUpgradeFixtures} put in them is there, and the operator goes on from it. Each
 * expectation is worked out from what the writer fed the operator, by the SPEC's rules.
 */
class OperatorStateUpgradeTest {

    static Stream<Arguments> fixturesAndBackends() {
        return Stream.of("before-versions", "layout-1")
                .flatMap(f -> Stream.of(Arguments.of(f, "hashmap"), Arguments.of(f, "rocksdb")));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("fixturesAndBackends")
    void eventsInKeyedStateComeBackWhole(String fixture, String backend) throws Exception {
        OperatorSubtaskState savepoint = read(UpgradeFixtures.EVENT_STATE, fixture);
        try (var harness = UpgradeFixtures.eventKeeper(EventSerializer.INSTANCE)) {
            harness.setStateBackend(backend(backend));
            harness.initializeState(savepoint);
            harness.open();
            EventKeeper keeper = (EventKeeper) harness.getOneInputOperator();
            List<Event> kept = new ArrayList<>();
            for (Event sample : UpgradeSamples.events()) {
                kept.add(keeper.kept(EventKeeper.key(sample)));
            }
            SerializerUpgradeTest.assertEventsEqual(kept, UpgradeSamples.events());
        }
    }

    /**
     * The fixture remembers evt-a … evt-d (first copies at T0 + 0 … 3 min) and counted one
     * duplicate. Restored into one subtask and into two: a repeat of each at T0 + 5 min is within
     * the 10 min window of its first copy and dropped, a new id passes, and the job's duplicate
     * count goes on from 1.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"before-versions", "layout-1"})
    void dedupRemembersItsIdsAndItsCountAlsoRescaled(String fixture) throws Exception {
        OperatorSubtaskState savepoint = read(UpgradeFixtures.DEDUP, fixture);
        for (int parallelism = 1; parallelism <= 2; parallelism++) {
            List<String> passed = new ArrayList<>();
            long duplicates = 0;
            for (int subtask = 0; subtask < parallelism; subtask++) {
                OperatorSubtaskState part = AbstractStreamOperatorTestHarness.repartitionOperatorState(savepoint,
                        MAX_PARALLELISM, 1, parallelism, subtask);
                try (var harness = UpgradeFixtures.dedup(parallelism, subtask)) {
                    harness.initializeState(part);
                    harness.open();
                    List<String> ids = new ArrayList<>(DEDUP_IDS);
                    ids.add("evt-new");
                    for (String id : ids) {
                        String routingKey = "req-" + id;
                        if (KeyGroupRangeAssignment.assignKeyToParallelOperator(routingKey, MAX_PARALLELISM,
                                parallelism) == subtask) {
                            harness.processElement(
                                    UpgradeFixtures.inference(id, routingKey, "blip2", "v1", T0 + 5 * MINUTE),
                                    T0 + 5 * MINUTE);
                        }
                    }
                    harness.extractOutputValues().forEach(e -> passed.add(e.eventId));
                    duplicates += counter(harness, JobCounts.DUPLICATES);
                }
            }
            assertThat(passed).as("parallelism %d", parallelism).containsExactly("evt-new");
            assertThat(duplicates).as("parallelism %d", parallelism).isEqualTo(1 + DEDUP_IDS.size());
        }
    }

    /**
     * The fixture's join remembers request "known" (blip2 v1 at T0) and holds two waiting
     * feedbacks with their timers: "waiting" (partial 0.25 at T0 + 1 min) and "given-up"
     * (incorrect at T0 + 2 min), each given up at its ts + 10 min wait + 5 min lateness.
     */
    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("fixturesAndBackends")
    void theFeedbackJoinKeepsItsInferencesWaitingFeedbackAndTimers(String fixture, String backend) throws Exception {
        OperatorSubtaskState savepoint = read(UpgradeFixtures.FEEDBACK_JOIN, fixture);
        try (var harness = UpgradeFixtures.feedbackJoin()) {
            harness.setStateBackend(backend(backend));
            harness.initializeState(savepoint);
            harness.open();
            assertThat(harness.numEventTimeTimers()).isEqualTo(2);
            long day = 24 * 60 * MINUTE;
            harness.processElement(UpgradeFixtures.feedback("known", "correct", Double.NaN, T0 + day), T0 + day);
            harness.processElement(UpgradeFixtures.inference("i-waiting", "waiting", "blip2", "v2", T0 + 3 * MINUTE),
                    T0 + 3 * MINUTE);
            harness.processWatermark(new Watermark(T0 + 17 * MINUTE));
            List<String> out = harness.extractOutputValues().stream().map(OperatorStateUpgradeTest::text).toList();
            assertThat(out).containsExactly(
                    "blip2|v1|correct|1.0|" + (T0 + day),
                    "blip2|v2|partial|0.25|" + (T0 + MINUTE),
                    "unmatched||incorrect|0.0|" + (T0 + 2 * MINUTE));
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    private static String text(AccuracyObservation o) {
        return o.model + "|" + o.modelVersion + "|" + o.verdict + "|" + o.score + "|" + o.ts;
    }

    private static long counter(AbstractStreamOperatorTestHarness<?> harness, String name) {
        var accumulator = harness.getEnvironment().getAccumulatorRegistry().getUserMap().get(name);
        return accumulator == null ? 0 : (Long) accumulator.getLocalValue();
    }

    private static OperatorSubtaskState read(String subject, String fixture) throws Exception {
        return UpgradeFixtures.readOperatorState(UpgradeFixtures.dir(subject, fixture));
    }

    private static org.apache.flink.runtime.state.StateBackend backend(String name) {
        return name.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend();
    }
}
