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
import com.gluu.kpi.pipeline.KeyCap;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.ExceptionUtils;
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

    /** The event state has a fixture of event layout 2 (the job body) too. */
    static Stream<Arguments> eventStateFixturesAndBackends() {
        return Stream.concat(fixturesAndBackends(),
                Stream.of(Arguments.of("layout-2", "hashmap"), Arguments.of("layout-2", "rocksdb")));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("eventStateFixturesAndBackends")
    void eventsInKeyedStateComeBackWhole(String fixture, String backend) throws Exception {
        OperatorSubtaskState savepoint = read(UpgradeFixtures.EVENT_STATE, fixture);
        try (var harness = UpgradeFixtures.eventKeeper(EventSerializer.INSTANCE)) {
            harness.setStateBackend(backend(backend));
            harness.initializeState(savepoint);
            harness.open();
            EventKeeper keeper = (EventKeeper) harness.getOneInputOperator();
            List<Event> samples = fixture.equals("layout-2") ? UpgradeSamples.eventsOfLayout2() : UpgradeSamples.events();
            List<Event> kept = new ArrayList<>();
            for (Event sample : samples) {
                kept.add(keeper.kept(EventKeeper.key(sample)));
            }
            SerializerUpgradeTest.assertEventsEqual(kept, samples);
        }
    }

    /**
     * The fixture remembers evt-a … evt-d (first copies at T0 + 0 … 3 min) and counted one
     * duplicate. Restored into one subtask and into two: a repeat of each at T0 + 5 min is within
     * the 10 min window of its first copy and dropped, a new id passes, and the job's duplicate
     * count goes on from 1.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"before-versions", "layout-1", "layout-3"})
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
     * The parse fixture read a line that is not JSON and holds a task event: restored, its counts
     * go on from 2 records and 1 dead letter, and the end of input lets the held event out.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"layout-1"})
    void theParseStepKeepsItsCountsAndItsHeldRecord(String fixture) throws Exception {
        try (var harness = UpgradeFixtures.parse()) {
            harness.initializeState(read(UpgradeFixtures.PARSE, fixture));
            harness.open();
            assertThat(counter(harness, JobCounts.RECORDS)).isEqualTo(2);
            assertThat(counter(harness, JobCounts.DEAD_LETTERS)).isEqualTo(1);
            harness.processElement(UpgradeFixtures.notJsonLine(3), 0);
            harness.processWatermark(new Watermark(Long.MAX_VALUE));
            assertThat(harness.extractOutputValues().stream().map(e -> e.eventId)).containsExactly("evt-held");
            assertThat(counter(harness, JobCounts.RECORDS)).isEqualTo(3);
            assertThat(counter(harness, JobCounts.DEAD_LETTERS)).isEqualTo(2);
        }
    }

    /**
     * The traffic cap's fixture admitted a and b in minute 0 (and so in hour 0) and turned c away:
     * restored, d in minute 0 goes to ~other (full), b in minute 1 keeps its row (admitted in the
     * hour, room in the minute), a in minute 0 keeps its row.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"layout-1"})
    void theKeyCapKeepsItsAdmittedKeys(String fixture) throws Exception {
        try (var harness = UpgradeFixtures.keyCap()) {
            harness.initializeState(read(UpgradeFixtures.KEY_CAP, fixture));
            harness.open();
            UpgradeFixtures.sendPartial(harness, "d", 0);
            UpgradeFixtures.sendPartial(harness, "b", 1);
            UpgradeFixtures.sendPartial(harness, "a", 0);
            assertThat(harness.extractOutputValues().stream().map(p -> p.service))
                    .containsExactly(KeyCap.OTHER, "b", "a");
        }
    }

    /** A dedup blob of a format this build does not know fails the restore, naming both versions. */
    @org.junit.jupiter.api.Test
    void aDedupBlobOfAnUnknownVersionFailsTheRestoreInsteadOfBeingMisread() throws Exception {
        OperatorSubtaskState unknown;
        try (var writer = new OneInputStreamOperatorTestHarness<Event, Event>(new BlobWriter("dedup-ids", 3))) {
            writer.open();
            unknown = writer.snapshot(1, 1);
        }
        try (var harness = UpgradeFixtures.dedup(1, 0)) {
            Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> harness.initializeState(unknown));
            assertThat(ExceptionUtils.findThrowableWithMessage(failure,
                    "dedup ids have format version 3; this build reads 1 and 2")).as("%s", failure).isPresent();
        }
    }

    /** Writes one union-state blob {@code int version, int 0} (no entries) under a name. */
    private static final class BlobWriter extends AbstractStreamOperator<Event> implements OneInputStreamOperator<Event, Event> {
        private final String name;
        private final int version;
        private transient ListState<byte[]> state;

        BlobWriter(String name, int version) {
            this.name = name;
            this.version = version;
        }

        @Override
        public void initializeState(StateInitializationContext context) throws Exception {
            super.initializeState(context);
            state = context.getOperatorStateStore().getUnionListState(
                    new ListStateDescriptor<>(name, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        }

        @Override
        public void snapshotState(StateSnapshotContext context) throws Exception {
            super.snapshotState(context);
            DataOutputSerializer out = new DataOutputSerializer(8);
            out.writeInt(version);
            out.writeInt(0);
            state.update(List.of(out.getCopyOfBuffer()));
        }

        @Override
        public void processElement(StreamRecord<Event> element) {}
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

    /**
     * The cost window fixture holds one minute's inputs, not fired ({@link UpgradeSamples#costInputs}).
     * Restored, the minute fires at its last millisecond with the rows worked out by hand: blip2's
     * 3 requests carry $0.007 of tokens, its $0.06 hosting and all of analyze-api's $0.004 Fargate
     * ($0.071); llava is idle ($0.03); thumbnail-worker's $0.002 has no requests (row ''); the
     * window ('*') is $0.103 with $0.03 idle. Its state goes when the lateness is over.
     *
     * <p>The fixture was written before cost inputs had tenants (the POJO gained a field): its
     * inputs come back without one, and a tenant input added after the restore (acme, the row's 3
     * requests and their $0.007) gets the row's hosting and compute, $0.064: $0.071 in all.
     */
    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("costWindowFixturesAndBackends")
    void theCostWindowKeepsItsInputsAndFiresTheirRows(String fixture, String backend) throws Exception {
        try (var harness = UpgradeFixtures.costWindow()) {
            harness.setStateBackend(backend(backend));
            harness.initializeState(read(UpgradeFixtures.COST_WINDOW, fixture));
            harness.open();
            assertThat(harness.numEventTimeTimers()).as("firing and clean-up").isEqualTo(2);
            com.gluu.kpi.cost.CostInput acme = com.gluu.kpi.cost.CostInput.tenant("acme", "blip2", "blip2-endpoint");
            acme.requests = 3;
            acme.llmPicoUsd = 7_000_000_000L;
            harness.processElement(acme, T0 + 40_000);
            harness.processWatermark(new Watermark(T0 + MINUTE - 1));
            List<String> rows = harness.extractOutputValues().stream().map(r -> String.format(java.util.Locale.ROOT,
                    "%s@%s %d llm %.6f hosting %.6f compute %.6f total %.6f", r.model, r.endpoint, r.requests,
                    r.llmUsd, r.hostingUsd, r.computeUsd, r.totalUsd)).toList();
            assertThat(rows).containsExactly(
                    "@ 0 llm 0.000000 hosting 0.000000 compute 0.002000 total 0.002000",
                    "blip2@blip2-endpoint 3 llm 0.007000 hosting 0.060000 compute 0.004000 total 0.071000",
                    "llava@llava-endpoint 0 llm 0.000000 hosting 0.030000 compute 0.000000 total 0.030000",
                    "*@* 3 llm 0.007000 hosting 0.090000 compute 0.006000 total 0.103000");
            assertThat(harness.getSideOutput(com.gluu.kpi.cost.CostWindowRows.TENANT_USAGE)).extracting(r -> {
                var t = r.getValue();
                return String.format(java.util.Locale.ROOT, "%s %d llm %.6f allocated %.6f total %.6f", t.clientId,
                        t.requests, t.llmUsd, t.allocatedUsd, t.totalUsd);
            }).containsExactly("acme 3 llm 0.007000 allocated 0.064000 total 0.071000");
            harness.processWatermark(new Watermark(T0 + MINUTE - 1 + UpgradeFixtures.LATENESS.toMillis()));
            if (backend.equals("hashmap")) { // the RocksDB harness cannot count its entries
                assertThat(harness.numKeyedStateEntries()).isZero();
            }
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    static Stream<Arguments> costWindowFixturesAndBackends() {
        return Stream.of(Arguments.of("layout-1", "hashmap"), Arguments.of("layout-1", "rocksdb"));
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
