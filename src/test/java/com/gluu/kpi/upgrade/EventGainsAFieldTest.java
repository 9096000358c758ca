package com.gluu.kpi.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventSerializer;
import java.io.EOFException;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.StateMigrationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A savepoint of this build restores in a build whose {@link Event} gained a field: the committed
 * keyed state of events ({@link EventKeeper}, both fixtures) is restored by an operator whose
 * state serializer is the next build's ({@link NextEventSerializer}, layout 2 = layout 1 + a
 * region). Flink resolves the savepoint's snapshot (layout 1) as compatible after migration,
 * reads the old bytes through this build's serializer, and every event comes back whole with no
 * region; the next build's own savepoint then keeps the regions it wrote, and this build refuses
 * that savepoint instead of misreading it.
 *
 * <p>With the heap backend (demo, tests) the state is read at restore; with RocksDB (production)
 * each value is rewritten in layout 2 at restore, so both paths are run.
 */
class EventGainsAFieldTest {

    static Stream<Arguments> fixturesAndBackends() {
        return Stream.of("before-versions", "layout-1", "layout-2")
                .flatMap(f -> Stream.of(Arguments.of(f, "hashmap"), Arguments.of(f, "rocksdb")));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("fixturesAndBackends")
    void aSavepointOfThisBuildRestoresInABuildWhoseEventGainedAField(String fixture, String backend) throws Exception {
        OperatorSubtaskState savepoint = UpgradeFixtures.readOperatorState(UpgradeFixtures.dir(UpgradeFixtures.EVENT_STATE, fixture));
        List<Event> samples = fixture.equals("layout-2") ? UpgradeSamples.eventsOfLayout2() : UpgradeSamples.events();
        OperatorSubtaskState nextSavepoint;
        try (var next = restore(savepoint, NextEventSerializer.INSTANCE, backend)) {
            EventKeeper keeper = keeper(next);
            for (Event sample : samples) {
                Event kept = keeper.kept(EventKeeper.key(sample));
                assertThat(NextEventSerializer.region(kept)).as("the new field of an old event").isNull();
                assertSameEvent(kept, sample);
            }
            Event withRegion = new NextEventSerializer.RegionEvent(samples.get(0), "eu-west-1");
            next.processElement(withRegion, withRegion.ts);
            nextSavepoint = UpgradeFixtures.savepoint(next, 2);
        }

        try (var next = restore(nextSavepoint, NextEventSerializer.INSTANCE, backend)) {
            EventKeeper keeper = keeper(next);
            Event first = keeper.kept(EventKeeper.key(samples.get(0)));
            assertThat(NextEventSerializer.region(first)).isEqualTo("eu-west-1");
            assertSameEvent(first, samples.get(0));
            for (Event sample : samples.subList(1, samples.size())) {
                assertSameEvent(keeper.kept(EventKeeper.key(sample)), sample);
            }
        }

        // A downgrade: this build cannot read layout 2, and says so instead of misreading it.
        assertThatThrownBy(() -> restore(nextSavepoint, EventSerializer.INSTANCE, backend).close())
                .hasRootCauseInstanceOf(StateMigrationException.class)
                .rootCause().hasMessageContaining("must not be incompatible");
    }

    /**
     * The test can fail: given the snapshot the serializers had before format versions ("compatible
     * as is" to anything), RocksDB reads the layout-1 bytes of the committed savepoint as layout 2
     * and runs off each value's end. (The heap backend happens to read a savepoint through the
     * savepoint's own serializer; it misreads when that serializer's class is the one that changed,
     * as it would be in a real next build, which one class path here cannot show.)
     */
    @Test
    void withTheSnapshotOfTheBuildsBeforeVersionsRocksDbMisreadsTheOldBytes() throws Exception {
        OperatorSubtaskState savepoint = UpgradeFixtures.readOperatorState(
                UpgradeFixtures.dir(UpgradeFixtures.EVENT_STATE, "layout-1"));
        try (var next = restore(savepoint, NextEventSerializer.Careless.INSTANCE, "rocksdb")) {
            EventKeeper keeper = keeper(next);
            for (Event sample : UpgradeSamples.events()) {
                Throwable misread = catchThrowable(() -> keeper.kept(EventKeeper.key(sample)));
                assertThat(ExceptionUtils.findThrowable(misread, EOFException.class))
                        .as("reading %s: %s", EventKeeper.key(sample), misread).isPresent();
            }
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, Event> restore(OperatorSubtaskState state,
            TypeSerializer<Event> serializer, String backend) throws Exception {
        var harness = UpgradeFixtures.eventKeeper(serializer);
        harness.setStateBackend(backend.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend());
        try {
            harness.initializeState(state);
            harness.open();
        } catch (Exception | Error e) {
            harness.close();
            throw e;
        }
        return harness;
    }

    private static EventKeeper keeper(KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness) {
        return (EventKeeper) harness.getOneInputOperator();
    }

    private static void assertSameEvent(Event actual, Event expected) {
        assertThat(actual).usingRecursiveComparison().ignoringFields("region")
                .withComparatorForType(Double::compare, Double.class).isEqualTo(expected);
    }
}
