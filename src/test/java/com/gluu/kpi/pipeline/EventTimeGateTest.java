package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.events.DeadLetterReason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gate's verdicts (SPEC §3): its watermark is the trusted event time − 30 s − 1 ms, an event
 * more than 5 min behind it is too_late, one more than 24 h ahead of it and of the wall clock
 * is bad_value — and a record more than 10 min ahead (time.max_jump) is held, so that no single
 * record moves event time. All with the job's defaults: 20 confirmations, 10 000 records held.
 */
class EventTimeGateTest {
    private static final long SECOND = 1_000;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    /** 2026-11-22T08:00:00Z. */
    private static final long T0 = Instant.parse("2026-11-22T08:00:00Z").toEpochMilli();
    /** The wall clock: events are live, at most hours ahead of it. */
    private static final long NOW = T0;
    private static final int BYTES = 100;

    /** Verdicts in the order the gate reaches them: "id" for admitted, "id reason" for rejected. */
    private static final class Recorder implements EventTimeGate.Verdicts<String> {
        final List<String> verdicts = new ArrayList<>();
        final Map<String, String> details = new LinkedHashMap<>();

        @Override
        public void admit(String item, long ts) {
            verdicts.add(item);
        }

        @Override
        public void reject(String item, long ts, DeadLetterReason reason, String detail) {
            verdicts.add(item + " " + reason.wireName());
            details.put(item, detail);
        }

        List<String> take() {
            List<String> out = new ArrayList<>(verdicts);
            verdicts.clear();
            return out;
        }
    }

    private final Recorder out = new Recorder();

    private static EventTimeGate<String> gate() {
        return gate(20, 10_000, 64L << 20);
    }

    private static EventTimeGate<String> gate(int confirmations, int maxHeld, long maxHeldBytes) {
        return new EventTimeGate<>(Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofHours(24),
                Duration.ofMinutes(10), confirmations, maxHeld, maxHeldBytes);
    }

    private void offer(EventTimeGate<String> gate, String id, long ts) {
        gate.offer(id, ts, BYTES, NOW, out);
    }

    /** Twenty records a second apart from T0 on: event time starts at T0 + 19 s. */
    private void start(EventTimeGate<String> gate) {
        start(gate, BYTES, NOW);
    }

    private void start(EventTimeGate<String> gate, int bytes, long clock) {
        for (int i = 0; i < 20; i++) {
            gate.offer("s" + i, T0 + i * SECOND, bytes, clock, out);
        }
        assertThat(out.take()).hasSize(20).allMatch(v -> v.startsWith("s") && !v.contains(" "));
        assertThat(gate.maxAcceptedTs()).isEqualTo(T0 + 19 * SECOND);
    }

    private static List<String> ids(String prefix, int from, int to) {
        List<String> ids = new ArrayList<>();
        for (int i = from; i < to; i++) {
            ids.add(prefix + i);
        }
        return ids;
    }

    @Test
    void aWellFormedStreamStartsAfterTwentyRecordsWithTheVerdictsItHadWhenItsFirstRecordSetEventTime() {
        EventTimeGate<String> gate = gate();
        // Record 5 is 6 min behind record 4: with event time started by record 0, it is more than
        // 5 min behind the watermark T0 + 4 s − 30.001 s, as it always was.
        for (int i = 0; i < 25; i++) {
            offer(gate, "r" + i, i == 5 ? T0 - 6 * MINUTE : T0 + i * SECOND);
            if (i < 19) {
                assertThat(out.verdicts).as("held until 20 records agree").isEmpty();
                assertThat(gate.watermark()).isEqualTo(Long.MIN_VALUE);
            }
        }
        List<String> expected = new ArrayList<>(ids("r", 0, 5));
        expected.add("r5 too_late");
        expected.addAll(ids("r", 6, 25));
        assertThat(out.take()).containsExactlyElementsOf(expected);
        assertThat(out.details.get("r5")).isEqualTo(
                "ts 2026-11-22T07:54:00Z is more than 300 s behind the watermark 2026-11-22T07:59:33.999Z");
        assertThat(gate.watermark()).isEqualTo(T0 + 24 * SECOND - 30_001);
        assertThat(gate.heldRecords()).isZero();
    }

    @Test
    void watermarkIsTrustedEventTimeMinusDisorderMinusOneAndLatenessIsJudgedAgainstIt() {
        EventTimeGate<String> gate = gate();
        start(gate);
        long watermark = T0 + 19 * SECOND - 30_001; // by hand
        // Flink drops a window once maxTimestamp + lateness <= watermark; for ts as the window's
        // last millisecond that is ts + 300 000 <= watermark. One millisecond later is still in.
        offer(gate, "at-bound", watermark - 5 * MINUTE);
        offer(gate, "inside", watermark - 5 * MINUTE + 1);
        offer(gate, "disorder", T0 + 19 * SECOND - 29 * SECOND);
        assertThat(out.take()).containsExactly("at-bound too_late", "inside", "disorder");
        assertThat(gate.watermark()).as("an older accepted event does not move it back").isEqualTo(watermark);
        offer(gate, "later", T0 + 9 * MINUTE);
        assertThat(out.take()).as("9 min ahead is in line").containsExactly("later");
        assertThat(gate.watermark()).isEqualTo(T0 + 9 * MINUTE - 30_001);
    }

    @Test
    void moreThan24HoursAheadOfTheWatermarkAndTheWallClockIsABadValueAtOnce() {
        // A wall clock an hour behind the events (a skewed producer clock, say): once event time
        // has started, the watermark is ahead of the clock and the 24 h bound is measured from it.
        long oldClock = T0 - HOUR;
        EventTimeGate<String> gate = gate();
        gate.offer("before-start", oldClock + 24 * HOUR + 1, BYTES, oldClock, out);
        assertThat(out.take()).as("before event time starts, the wall clock bounds the future")
                .containsExactly("before-start bad_value");
        start(gate, BYTES, oldClock);
        long watermark = T0 + 19 * SECOND - 30_001;
        gate.offer("far", watermark + 24 * HOUR + 1, BYTES, oldClock, out);
        assertThat(out.take()).containsExactly("far bad_value");
        assertThat(out.details.get("far")).isEqualTo("ts 2026-11-23T07:59:49Z is more than 24 h ahead of the"
                + " watermark 2026-11-22T07:59:48.999Z and of the wall clock");
        gate.offer("day", watermark + 24 * HOUR, BYTES, oldClock, out);
        assertThat(out.take()).as("24 h ahead is far, but not beyond: held").isEmpty();
        assertThat(gate.heldRecords()).isOne();
    }

    @Test
    void aRecordThreeHoursAheadMidStreamIsHeldNoLaterRecordIsTooLateAndAtTheEndItIsABadValue() {
        EventTimeGate<String> gate = gate();
        start(gate);
        offer(gate, "ahead", T0 + 3 * HOUR);
        for (int k = 0; k < 100; k++) {
            offer(gate, "h" + k, T0 + (20 + k) * SECOND);
        }
        assertThat(out.take()).containsExactlyElementsOf(ids("h", 0, 100));
        assertThat(gate.heldRecords()).isOne();
        assertThat(gate.watermark()).as("the honest records' event time").isEqualTo(T0 + 119 * SECOND - 30_001);

        gate.endOfInput(out);
        assertThat(out.take()).containsExactly("ahead bad_value");
        assertThat(out.details.get("ahead")).isEqualTo("ts 2026-11-22T11:00:00Z was more than 10m ahead of the"
                + " stream's event time 2026-11-22T08:01:59Z and event time never reached it");
        assertThat(gate.heldRecords()).isZero();
        assertThat(gate.heldBytes()).isZero();
    }

    @Test
    void aRecordAheadIsReleasedWhenEventTimeReachesItJustBeforeTheRecordThatReachesIt() {
        EventTimeGate<String> gate = gate();
        start(gate);
        offer(gate, "ahead", T0 + 3 * HOUR + 10 * SECOND);
        // Honest records every 30 s from T0 + 30 s to T0 + 3 h 1 min.
        List<String> expected = new ArrayList<>();
        for (int k = 1; k <= 362; k++) {
            long ts = T0 + k * 30 * SECOND;
            offer(gate, "h" + k, ts);
            if (ts == T0 + 3 * HOUR + 30 * SECOND) {
                expected.add("ahead"); // the first record at or past its ts: 3 h + 30 s
            }
            expected.add("h" + k);
            if (ts < T0 + 3 * HOUR + 30 * SECOND) {
                assertThat(gate.heldRecords()).isOne();
            }
        }
        assertThat(out.take()).containsExactlyElementsOf(expected);
        assertThat(gate.heldRecords()).isZero();
        gate.endOfInput(out);
        assertThat(out.verdicts).isEmpty();
    }

    @Test
    void aLegitimateJumpIsConfirmedAfterTwentyRecordsAndEventTimeFollowsIt() {
        EventTimeGate<String> gate = gate();
        start(gate);
        long before = gate.watermark();
        // The stream is quiet for two hours, then resumes with steady traffic.
        for (int i = 0; i < 19; i++) {
            offer(gate, "j" + i, T0 + 2 * HOUR + i * SECOND);
        }
        assertThat(out.verdicts).isEmpty();
        assertThat(gate.heldRecords()).isEqualTo(19);
        assertThat(gate.watermark()).isEqualTo(before);

        offer(gate, "j19", T0 + 2 * HOUR + 19 * SECOND);
        assertThat(out.take()).containsExactlyElementsOf(ids("j", 0, 20));
        assertThat(gate.watermark()).isEqualTo(T0 + 2 * HOUR + 19 * SECOND - 30_001);
        for (int i = 20; i < 40; i++) {
            offer(gate, "j" + i, T0 + 2 * HOUR + i * SECOND);
        }
        assertThat(out.take()).containsExactlyElementsOf(ids("j", 20, 40));
        gate.endOfInput(out);
        assertThat(out.verdicts).isEmpty();
        assertThat(gate.heldRecords()).isZero();
    }

    @Test
    void aFirstRecordThatIsTheOutlierDoesNotDecideWhereEventTimeStarts() {
        EventTimeGate<String> gate = gate();
        offer(gate, "outlier", T0 + 3 * HOUR);
        for (int i = 0; i < 30; i++) {
            offer(gate, "h" + i, T0 + i * SECOND);
        }
        assertThat(out.take()).as("no honest record is too late").containsExactlyElementsOf(ids("h", 0, 30));
        assertThat(gate.watermark()).isEqualTo(T0 + 29 * SECOND - 30_001);
        gate.endOfInput(out);
        assertThat(out.take()).containsExactly("outlier bad_value");
    }

    @Test
    void aFirstRecordDatedTheYear2000IsTooLateOnceTodaysRecordsStartEventTime() {
        // The old gate let it start event time: every minute since 2000 had to be walked through.
        EventTimeGate<String> gate = gate();
        offer(gate, "y2k", Instant.parse("2000-01-01T00:00:00Z").toEpochMilli());
        for (int i = 0; i < 25; i++) {
            offer(gate, "h" + i, T0 + i * SECOND);
        }
        List<String> expected = new ArrayList<>(ids("h", 0, 20));
        expected.add("y2k too_late");
        expected.addAll(ids("h", 20, 25));
        assertThat(out.take()).containsExactlyElementsOf(expected);
        assertThat(gate.heldRecords()).isZero();
        gate.endOfInput(out);
        assertThat(out.verdicts).isEmpty();
    }

    @Test
    void aProducerWithAWrongClockSendingFivePercentOfTheRecordsThreeHoursAheadNeverMovesTheWatermark() {
        EventTimeGate<String> gate = gate();
        long honestMax = Long.MIN_VALUE;
        int honest = 0;
        List<String> wrong = new ArrayList<>();
        for (int n = 0; n < 2_000; n++) {
            long clock = T0 + n * SECOND;
            if (n % 20 == 19) {
                offer(gate, "w" + n, clock + 3 * HOUR);
                wrong.add("w" + n + " bad_value");
            } else {
                offer(gate, "h" + n, clock);
                honestMax = clock;
                honest++;
            }
            if (gate.watermark() != Long.MIN_VALUE) {
                assertThat(gate.watermark()).isEqualTo(honestMax - 30_001);
            }
        }
        List<String> verdicts = out.take();
        assertThat(verdicts).hasSize(honest).allMatch(v -> v.startsWith("h") && !v.contains(" "));
        assertThat(gate.heldRecords()).isEqualTo(100);
        // 33 minutes of stream never reach 3 h ahead; the wrong clock never outnumbers the rest.
        gate.endOfInput(out);
        assertThat(out.take()).containsExactlyElementsOf(wrong);
    }

    @Test
    void beyondTheHeldRecordLimitARecordAheadIsABadValueAndStillCountsTowardsItsJump() {
        EventTimeGate<String> gate = gate(5, 3, 64L << 20);
        gate.restoreMaxAcceptedTs(T0 + 4 * SECOND); // started (a 3-record hold could not hold 5 to start it)
        for (int i = 0; i < 4; i++) {
            offer(gate, "j" + i, T0 + 2 * HOUR + i * SECOND);
        }
        assertThat(out.take()).containsExactly("j3 bad_value");
        assertThat(out.details.get("j3")).isEqualTo("ts 2026-11-22T10:00:03Z is more than 10m ahead of the stream's"
                + " event time 2026-11-22T08:00:04Z, and the hold is full (3 records, 300 bytes held)");
        // The fifth record of the jump confirms it (j3 voted): the three held come out in order.
        offer(gate, "j4", T0 + 2 * HOUR + 4 * SECOND);
        assertThat(out.take()).containsExactly("j0", "j1", "j2", "j4");
        assertThat(gate.watermark()).isEqualTo(T0 + 2 * HOUR + 4 * SECOND - 30_001);
    }

    @Test
    void beyondTheHeldByteBudgetARecordAheadIsABadValue() {
        EventTimeGate<String> gate = gate(20, 10_000, 250);
        start(gate, 1, NOW); // the first 20 records are held too, until they start event time
        for (int i = 0; i < 3; i++) {
            offer(gate, "j" + i, T0 + 2 * HOUR + i * SECOND);
        }
        assertThat(out.take()).containsExactly("j2 bad_value");
        assertThat(out.details.get("j2")).endsWith(", and the hold is full (2 records, 200 bytes held)");
    }

    @Test
    void beyondEightClustersAheadARecordThatFitsNoneIsABadValue() {
        EventTimeGate<String> gate = gate();
        start(gate);
        // Eight outliers an hour apart, each outnumbered by the honest record after it.
        for (int c = 1; c <= 8; c++) {
            offer(gate, "o" + c, T0 + c * HOUR);
            offer(gate, "h" + c, T0 + (19 + c) * SECOND);
        }
        offer(gate, "o9", T0 + 9 * HOUR);
        assertThat(out.take()).containsExactly("h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "o9 bad_value");
        assertThat(out.details.get("o9")).isEqualTo("ts 2026-11-22T17:00:00Z is more than 10m ahead of the stream's"
                + " event time 2026-11-22T08:00:27Z, and the hold is full (8 groups of records ahead at other times"
                + " wait already)");
        assertThat(gate.heldRecords()).isEqualTo(8);
    }

    @Test
    void aSparseTailOfAFileIsReleasedAtTheEndNotDeadLettered() {
        // Like the demo's late feedback: records half an hour apart after the last request.
        EventTimeGate<String> gate = gate();
        start(gate);
        for (int i = 1; i <= 12; i++) {
            offer(gate, "tail" + i, T0 + i * 30 * MINUTE);
        }
        gate.endOfInput(out);
        assertThat(out.take()).containsExactlyElementsOf(ids("tail", 1, 13));
        assertThat(gate.maxAcceptedTs()).isEqualTo(T0 + 6 * HOUR);
        assertThat(gate.heldRecords()).isZero();
    }

    @Test
    void aFileOfTwoRecordsKeepsTheVerdictsItsFirstRecordGave() {
        EventTimeGate<String> gate = gate();
        offer(gate, "first", T0);
        offer(gate, "hour-before", T0 - HOUR);
        gate.endOfInput(out);
        assertThat(out.take()).containsExactly("first", "hour-before too_late");

        EventTimeGate<String> other = gate();
        offer(other, "first", T0);
        offer(other, "hour-after", T0 + HOUR);
        other.endOfInput(out);
        assertThat(out.take()).containsExactly("first", "hour-after");
    }

    @Test
    void verdictsDependOnlyOnTheInputOrderNotOnTheWallClock() {
        long[] input = new long[60];
        for (int i = 0; i < input.length; i++) {
            input[i] = T0 + i * SECOND;
        }
        input[25] = T0 + 5 * HOUR;
        input[30] = T0 - 10 * MINUTE;
        input[40] = T0 + 30 * HOUR;
        List<List<String>> runs = new ArrayList<>();
        for (long clock : new long[] {T0 - HOUR, T0 - 6 * HOUR}) {
            EventTimeGate<String> g = gate();
            for (int i = 0; i < input.length; i++) {
                g.offer("r" + i, input[i], BYTES, clock, out);
            }
            g.endOfInput(out);
            runs.add(out.take());
        }
        assertThat(runs.get(0)).contains("r25 bad_value", "r30 too_late", "r40 bad_value").doesNotContain("r25");
        assertThat(runs.get(0)).isEqualTo(runs.get(1));
    }

    @Test
    void aCheckpointAnywhereGivesTheSameVerdictsAsARunWithoutOne() throws IOException {
        List<long[]> input = new ArrayList<>();
        // A start with the outlier first, a late record, a wrong clock, a jump, a sparse tail.
        input.add(new long[] {T0 + 3 * HOUR});
        for (int i = 0; i < 40; i++) {
            input.add(new long[] {i % 10 == 7 ? T0 + i * SECOND + 4 * HOUR : T0 + i * SECOND});
        }
        input.add(new long[] {T0 - 8 * MINUTE});
        for (int i = 0; i < 30; i++) {
            input.add(new long[] {T0 + 2 * HOUR + i * SECOND});
        }
        for (int i = 1; i <= 10; i++) {
            input.add(new long[] {T0 + 2 * HOUR + i * 20 * MINUTE});
        }
        EventTimeGate<String> plain = gate();
        for (int i = 0; i < input.size(); i++) {
            plain.offer("r" + i, input.get(i)[0], BYTES, NOW, out);
        }
        plain.endOfInput(out);
        List<String> expected = out.take();
        assertThat(expected).hasSize(input.size()).contains("r0 bad_value", "r41 too_late");

        for (int cut = 0; cut <= input.size(); cut++) {
            EventTimeGate<String> before = gate();
            for (int i = 0; i < cut; i++) {
                before.offer("r" + i, input.get(i)[0], BYTES, NOW, out);
            }
            EventTimeGate<String> after = restored(before);
            for (int i = cut; i < input.size(); i++) {
                after.offer("r" + i, input.get(i)[0], BYTES, NOW, out);
            }
            after.endOfInput(out);
            assertThat(out.take()).as("restored after %d records", cut).isEqualTo(expected);
        }
    }

    @Test
    void theCheckpointStartsWithItsFormatVersionAndAnUnknownOneIsRefused() throws IOException {
        EventTimeGate<String> gate = gate();
        offer(gate, "held", T0);
        byte[] blob = snapshot(gate);
        assertThat(new DataInputStream(new ByteArrayInputStream(blob)).readInt()).isEqualTo(EventTimeGate.FORMAT_VERSION);
        blob[3] = 99;
        assertThatThrownBy(() -> gate().restore(new DataInputStream(new ByteArrayInputStream(blob)), STRINGS))
                .isInstanceOf(IOException.class).hasMessageContaining("format version 99");
    }

    @Test
    void theStateOfTheBuildBeforeTheHoldStartsEventTimeWhereItStood() {
        EventTimeGate<String> gate = gate();
        gate.restoreMaxAcceptedTs(T0);
        offer(gate, "late", T0 - 30_001 - 5 * MINUTE);
        offer(gate, "on-time", T0 + SECOND);
        assertThat(out.take()).containsExactly("late too_late", "on-time");
    }

    private static final EventTimeGate.ItemCodec<String> STRINGS = new EventTimeGate.ItemCodec<>() {
        @Override
        public void write(String item, DataOutputStream out) throws IOException {
            out.writeUTF(item);
        }

        @Override
        public String read(DataInputStream in) throws IOException {
            return in.readUTF();
        }
    };

    private static byte[] snapshot(EventTimeGate<String> gate) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            gate.snapshot(out, STRINGS);
        }
        return bytes.toByteArray();
    }

    private static EventTimeGate<String> restored(EventTimeGate<String> gate) throws IOException {
        EventTimeGate<String> copy = gate();
        copy.restore(new DataInputStream(new ByteArrayInputStream(snapshot(gate))), STRINGS);
        return copy;
    }
}
