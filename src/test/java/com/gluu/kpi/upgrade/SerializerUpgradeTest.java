package com.gluu.kpi.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.accuracy.WaitingFeedback;
import com.gluu.kpi.accuracy.WaitingFeedbackSerializer;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventSerializer;
import com.gluu.kpi.latency.LatencyAccumulator;
import com.gluu.kpi.latency.LatencyAccumulatorSerializer;
import com.gluu.kpi.latency.LatencyStage;
import com.gluu.kpi.pipeline.VersionedSerializerSnapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshotSerializationUtil;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Flink's {@code TypeSerializerUpgradeTestBase} pattern for the hand-written serializers: each
 * committed fixture (a serializer snapshot and data written with it, by the build the fixture is
 * named after) is read with the current build — its snapshot resolved against the current
 * serializer, its data read through the serializer the snapshot restores, and written again
 * with the current one — and must give back the samples it was written from.
 *
 * <p>A fixture is never regenerated: when a layout changes, the old fixtures must still pass
 * (compatible after migration) and the new layout gets fixtures of its own.
 */
class SerializerUpgradeTest {
    static Stream<Arguments> fixtures() {
        return Stream.concat(Stream.of("before-versions", "layout-1").flatMap(fixture -> Stream.of(
                Arguments.of(UpgradeFixtures.EVENT_SERIALIZER, fixture),
                Arguments.of(UpgradeFixtures.LATENCY_SERIALIZER, fixture),
                Arguments.of(UpgradeFixtures.WAITING_FEEDBACK_SERIALIZER, fixture))),
                // Event layout 2 added the job body; the other serializers are still at layout 1.
                Stream.of(Arguments.of(UpgradeFixtures.EVENT_SERIALIZER, "layout-2")));
    }

    /** The layout a fixture holds: the one it is named after (before-versions wrote layout 1). */
    private static int fixtureLayout(String fixture) {
        return fixture.equals("layout-2") ? 2 : 1;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("fixtures")
    void aCommittedFixtureRestoresWithTheCurrentSerializer(String subject, String fixture) throws Exception {
        switch (subject) {
            case UpgradeFixtures.EVENT_SERIALIZER -> restore(subject, fixture, EventSerializer.INSTANCE,
                    EventSerializer.LAYOUT, fixture.equals("layout-2") ? UpgradeSamples.eventsOfLayout2()
                            : UpgradeSamples.events(), SerializerUpgradeTest::assertEventsEqual);
            case UpgradeFixtures.LATENCY_SERIALIZER -> restore(subject, fixture, LatencyAccumulatorSerializer.INSTANCE,
                    LatencyAccumulatorSerializer.LAYOUT, UpgradeSamples.latencyAccumulators(),
                    SerializerUpgradeTest::assertAccumulatorsMatchTheirObservations);
            case UpgradeFixtures.WAITING_FEEDBACK_SERIALIZER -> restore(subject, fixture,
                    WaitingFeedbackSerializer.INSTANCE, WaitingFeedbackSerializer.LAYOUT,
                    UpgradeSamples.waitingFeedback(), SerializerUpgradeTest::assertWaitingFeedbackEqual);
            default -> throw new IllegalArgumentException(subject);
        }
    }

    private static <T> void restore(String subject, String fixture, TypeSerializer<T> current, int currentLayout,
            List<T> samples, Comparison<T> compare) throws Exception {
        Path dir = UpgradeFixtures.dir(subject, fixture);
        TypeSerializerSnapshot<T> written = UpgradeFixtures.readSnapshot(dir);
        assertThat(written).isInstanceOf(VersionedSerializerSnapshot.class);
        assertThat(((VersionedSerializerSnapshot<T>) written).layout()).isEqualTo(fixtureLayout(fixture));

        TypeSerializerSchemaCompatibility<T> compatibility =
                current.snapshotConfiguration().resolveSchemaCompatibility(written);
        if (currentLayout == fixtureLayout(fixture)) {
            assertThat(compatibility.isCompatibleAsIs()).as("%s: same layout", compatibility).isTrue();
        } else {
            assertThat(compatibility.isCompatibleAfterMigration()).as("%s: older layout", compatibility).isTrue();
        }

        List<T> restored = UpgradeFixtures.readData(dir, written.restoreSerializer());
        compare.check(restored, samples);
        // What Flink does after a migration: the restored values written in the current layout.
        compare.check(roundTrip(current, restored), samples);
    }

    @Test
    void aSnapshotOfANewerLayoutFailsWhenReadNamingTheLayoutsThisBuildReads() throws Exception {
        byte[] newer = snapshotBytes(EventSerializer.Snapshot.class.getName(), VersionedSerializerSnapshot.VERSION, 3);
        assertThatThrownBy(() -> read(newer)).isInstanceOf(IOException.class)
                .hasMessage("event state is in layout 3; this build reads layouts 1 to 2"
                        + " (a savepoint of a newer build cannot be restored by an older one)");
    }

    @Test
    void aSnapshotOfAnUnknownSnapshotVersionFailsWhenRead() throws Exception {
        byte[] unknown = snapshotBytes(WaitingFeedbackSerializer.Snapshot.class.getName(), 9, 1);
        assertThatThrownBy(() -> read(unknown)).isInstanceOf(IOException.class)
                .hasMessage("waiting feedback serializer snapshot has version 9; this build reads versions 3 and 4");
    }

    @Test
    void anotherFormatsSnapshotIsIncompatible() {
        TypeSerializerSnapshot<Event> snapshot = EventSerializer.INSTANCE.snapshotConfiguration();
        @SuppressWarnings("unchecked")
        TypeSerializerSnapshot<Event> other = (TypeSerializerSnapshot<Event>) (TypeSerializerSnapshot<?>)
                WaitingFeedbackSerializer.INSTANCE.snapshotConfiguration();
        assertThat(snapshot.resolveSchemaCompatibility(other).isIncompatible()).isTrue();
    }

    /** What {@code TypeSerializerSnapshotSerializationUtil} writes: class name, snapshot version, payload. */
    private static byte[] snapshotBytes(String className, int version, int layout) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeInt(2); // the util's own format version
        out.writeUTF(className);
        out.writeInt(version);
        out.writeInt(layout);
        return out.getCopyOfBuffer();
    }

    private static TypeSerializerSnapshot<?> read(byte[] bytes) throws IOException {
        return TypeSerializerSnapshotSerializationUtil.readSerializerSnapshot(new DataInputDeserializer(bytes),
                SerializerUpgradeTest.class.getClassLoader());
    }

    private static <T> List<T> roundTrip(TypeSerializer<T> serializer, List<T> values) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(1024);
        for (T v : values) {
            serializer.serialize(v, out);
        }
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        List<T> back = new java.util.ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            back.add(serializer.deserialize(in));
        }
        assertThat(in.available()).isZero();
        return back;
    }

    private interface Comparison<T> {
        void check(List<T> actual, List<T> expected);
    }

    static void assertEventsEqual(List<Event> actual, List<Event> expected) {
        assertThat(actual).usingRecursiveFieldByFieldElementComparator(
                org.assertj.core.api.recursive.comparison.RecursiveComparisonConfiguration.builder()
                        .withComparatorForType(Double::compare, Double.class).build())
                .containsExactlyElementsOf(expected);
    }

    private static void assertWaitingFeedbackEqual(List<WaitingFeedback> actual, List<WaitingFeedback> expected) {
        assertThat(actual).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(expected);
    }

    /**
     * Count, mean and max of each stage worked out from the observations themselves (not from
     * an accumulator), and each sketch's quantiles equal to those of the sample's sketch.
     */
    private static void assertAccumulatorsMatchTheirObservations(List<LatencyAccumulator> actual,
            List<LatencyAccumulator> expected) {
        assertThat(actual).hasSize(UpgradeSamples.OBSERVATIONS.length);
        for (int a = 0; a < actual.size(); a++) {
            for (LatencyStage stage : LatencyStage.values()) {
                long count = 0;
                double sum = 0;
                double max = 0;
                for (double[] o : UpgradeSamples.OBSERVATIONS[a]) {
                    double v = o[stage.ordinal()];
                    if (!Double.isNaN(v)) {
                        count++;
                        sum += v;
                        max = Math.max(max, v);
                    }
                }
                var s = actual.get(a).stage(stage);
                String what = "accumulator " + a + " " + stage;
                assertThat(s.count()).as(what).isEqualTo(count);
                if (count > 0) {
                    assertThat(s.mean()).as(what).isEqualTo(sum / count);
                    assertThat(s.max()).as(what).isEqualTo(max);
                    for (double q : new double[] {0, 0.5, 0.99, 1}) {
                        assertThat(s.quantile(q)).as(what + " q" + q).isEqualTo(expected.get(a).stage(stage).quantile(q));
                    }
                }
            }
        }
    }
}
