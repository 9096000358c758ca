package com.gluu.kpi.upgrade;

import static com.gluu.kpi.upgrade.UpgradeFixtures.DEDUP_IDS;
import static com.gluu.kpi.upgrade.UpgradeFixtures.MINUTE;
import static com.gluu.kpi.upgrade.UpgradeFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventSerializer;
import com.gluu.kpi.latency.LatencyAccumulatorSerializer;
import com.gluu.kpi.accuracy.WaitingFeedbackSerializer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the upgrade fixtures of this build; not a test (its name matches neither of surefire's
 * patterns, and it runs only when asked for):
 *
 * <pre>mvn -o test -Dtest=WriteUpgradeFixtures -Dupgrade.fixture=layout-2</pre>
 *
 * <p>Run it once when a release changes a state layout (and bumps its version), with the new
 * layout's name, and commit what it writes for the subjects whose layout changed (delete the
 * others' new folders: they would repeat the older fixture); then add that fixture to the
 * upgrade tests. (layout-2: the event serializer and event state, which gained the job body;
 * layout-3: the dedup ids, stored as hashes with their key group.) It
 * writes only fixtures that do not exist yet, never over one: a committed fixture stands for savepoints of the
 * build that wrote it, which no later build can take again. (The system property is the switch
 * only; nothing else of the environment is read.)
 */
@EnabledIfSystemProperty(named = "upgrade.fixture", matches = "[a-z0-9-]+")
class WriteUpgradeFixtures {

    @Test
    void writeTheFixturesOfThisBuild() throws Exception {
        String fixture = System.getProperty("upgrade.fixture");
        serializer(UpgradeFixtures.EVENT_SERIALIZER, fixture, EventSerializer.INSTANCE, UpgradeSamples.eventsOfLayout2());
        serializer(UpgradeFixtures.LATENCY_SERIALIZER, fixture, LatencyAccumulatorSerializer.INSTANCE,
                UpgradeSamples.latencyAccumulators());
        serializer(UpgradeFixtures.WAITING_FEEDBACK_SERIALIZER, fixture, WaitingFeedbackSerializer.INSTANCE,
                UpgradeSamples.waitingFeedback());
        eventState(fixture);
        dedup(fixture);
        feedbackJoin(fixture);
        parse(fixture);
        keyCap(fixture);
        costWindow(fixture);
    }

    private static <T> void serializer(String subject, String fixture, TypeSerializer<T> serializer,
            java.util.List<T> values) throws Exception {
        Path dir = fresh(subject, fixture);
        if (dir != null) {
            UpgradeFixtures.writeSerializer(dir, serializer, values);
        }
    }

    /** Every sample event in {@link EventKeeper}'s keyed state, heap backend. */
    private static void eventState(String fixture) throws Exception {
        Path dir = fresh(UpgradeFixtures.EVENT_STATE, fixture);
        if (dir == null) {
            return;
        }
        try (var harness = UpgradeFixtures.eventKeeper(EventSerializer.INSTANCE)) {
            harness.open();
            for (Event e : UpgradeSamples.eventsOfLayout2()) {
                harness.processElement(e, e.ts);
            }
            UpgradeFixtures.writeOperatorState(dir, UpgradeFixtures.savepoint(harness, 1));
        }
    }

    /** Four first copies at T0 + i min, and one repeat of the first (dropped: the count is 1). */
    private static void dedup(String fixture) throws Exception {
        Path dir = fresh(UpgradeFixtures.DEDUP, fixture);
        if (dir == null) {
            return;
        }
        try (var harness = UpgradeFixtures.dedup(1, 0)) {
            harness.open();
            for (int i = 0; i < DEDUP_IDS.size(); i++) {
                String id = DEDUP_IDS.get(i);
                harness.processElement(UpgradeFixtures.inference(id, "req-" + id, "blip2", "v1", T0 + i * MINUTE),
                        T0 + i * MINUTE);
            }
            String first = DEDUP_IDS.get(0);
            harness.processElement(UpgradeFixtures.inference(first, "req-" + first, "blip2", "v1", T0 + 4 * MINUTE),
                    T0 + 4 * MINUTE);
            assertThat(harness.extractOutputValues()).hasSize(DEDUP_IDS.size());
            UpgradeFixtures.writeOperatorState(dir, UpgradeFixtures.savepoint(harness, 1));
        }
    }

    /**
     * The feedback join with one inference remembered (request "known": blip2 v1 at T0) and two
     * feedbacks waiting, each with its timer: "waiting" (partial, 0.25, T0 + 1 min) and
     * "given-up" (incorrect, T0 + 2 min).
     */
    private static void feedbackJoin(String fixture) throws Exception {
        Path dir = fresh(UpgradeFixtures.FEEDBACK_JOIN, fixture);
        if (dir == null) {
            return;
        }
        try (var harness = UpgradeFixtures.feedbackJoin()) {
            harness.open();
            harness.processElement(UpgradeFixtures.inference("i-known", "known", "blip2", "v1", T0), T0);
            harness.processElement(UpgradeFixtures.feedback("waiting", "partial", 0.25, T0 + MINUTE), T0 + MINUTE);
            harness.processElement(UpgradeFixtures.feedback("given-up", "incorrect", Double.NaN, T0 + 2 * MINUTE),
                    T0 + 2 * MINUTE);
            assertThat(harness.extractOutputValues()).isEmpty();
            UpgradeFixtures.writeOperatorState(dir, UpgradeFixtures.savepoint(harness, 1));
        }
    }

    /**
     * The parse step after a line that is not JSON (a dead letter) and a task event at T0, which
     * the event-time gate holds (the first record of an input waits for its time to be
     * confirmed); 2 records read, 1 dead letter.
     */
    private static void parse(String fixture) throws Exception {
        Path dir = fresh(UpgradeFixtures.PARSE, fixture);
        if (dir == null) {
            return;
        }
        try (var harness = UpgradeFixtures.parse()) {
            harness.open();
            harness.processElement(UpgradeFixtures.notJsonLine(1), 0);
            harness.processElement(UpgradeFixtures.taskLine(2, "evt-held", T0), 0);
            assertThat(harness.extractOutputValues()).as("held").isEmpty();
            UpgradeFixtures.writeOperatorState(dir, UpgradeFixtures.savepoint(harness, 1));
        }
    }

    /** The traffic cap (2 keys per window) after services a, b and c in minute 0: a and b admitted, c over the cap. */
    private static void keyCap(String fixture) throws Exception {
        Path dir = fresh(UpgradeFixtures.KEY_CAP, fixture);
        if (dir == null) {
            return;
        }
        try (var harness = UpgradeFixtures.keyCap()) {
            harness.open();
            for (String service : new String[] {"a", "b", "c"}) {
                UpgradeFixtures.sendPartial(harness, service, 0);
            }
            assertThat(harness.extractOutputValues().stream().map(p -> p.service))
                    .containsExactly("a", "b", com.gluu.kpi.pipeline.KeyCap.OTHER);
            UpgradeFixtures.writeOperatorState(dir, UpgradeFixtures.savepoint(harness, 1));
        }
    }

    /** A minute's cost inputs ({@link UpgradeSamples#costInputs}) in the cost window, not fired yet. */
    private static void costWindow(String fixture) throws Exception {
        Path dir = fresh(UpgradeFixtures.COST_WINDOW, fixture);
        if (dir == null) {
            return;
        }
        try (var harness = UpgradeFixtures.costWindow()) {
            harness.open();
            for (var input : UpgradeSamples.costInputs()) {
                harness.processElement(input, T0 + 30_000);
            }
            assertThat(harness.extractOutputValues()).isEmpty();
            UpgradeFixtures.writeOperatorState(dir, UpgradeFixtures.savepoint(harness, 1));
        }
    }

    /** The fixture's folder, or null if it exists: a fixture is written once, never again. */
    private static Path fresh(String subject, String fixture) {
        Path dir = UpgradeFixtures.dir(subject, fixture);
        if (Files.exists(dir)) {
            System.out.println(dir + " exists: left as it is");
            return null;
        }
        return dir;
    }

}
