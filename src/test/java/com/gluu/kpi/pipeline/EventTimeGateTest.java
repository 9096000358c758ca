package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.events.DeadLetterReason;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The gate's own watermark is max accepted ts − out-of-orderness − 1 (Flink's bounded
 * out-of-orderness formula); an event more than the allowed lateness behind it is too_late, one
 * more than 24 h ahead of it (and of the wall clock) is bad_value (SPEC §2, §3).
 */
class EventTimeGateTest {
    private static final long SECOND = 1_000;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    /** 2026-11-22T08:00:00Z. */
    private static final long T0 = 1_795_305_600_000L + 8 * HOUR;
    /**
     * A wall clock an hour behind the events (a skewed producer clock, say): the first event is
     * within 24 h of it, and from then on the watermark is ahead of the clock, so the watermark is
     * what the 24 h bound is measured from.
     */
    private static final long OLD_CLOCK = T0 - HOUR;

    private final EventTimeGate gate = new EventTimeGate(Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofHours(24));

    @Test
    void noWatermarkBeforeTheFirstEvent() {
        assertThat(gate.watermark()).isEqualTo(Long.MIN_VALUE);
        assertThat(gate.maxAcceptedTs()).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void watermarkIsMaxAcceptedTsMinusDisorderMinusOne() {
        assertThat(gate.admit(T0, OLD_CLOCK)).isNull();
        assertThat(gate.watermark()).isEqualTo(T0 - 30_001);

        assertThat(gate.admit(T0 + 10 * SECOND, OLD_CLOCK)).isNull();
        assertThat(gate.watermark()).isEqualTo(T0 + 10_000 - 30_001);

        // An older accepted event does not move it back.
        assertThat(gate.admit(T0 + 2 * SECOND, OLD_CLOCK)).isNull();
        assertThat(gate.watermark()).isEqualTo(T0 - 20_001);
        assertThat(gate.maxAcceptedTs()).isEqualTo(T0 + 10_000);
    }

    @Test
    void theVeryFirstEventIsNeverLateWhateverItsTime() {
        assertThat(gate.admit(T0 - 365 * 24 * HOUR, OLD_CLOCK)).isNull();
    }

    @Test
    void eventJustWithinAllowedLatenessIsAccepted() {
        gate.admit(T0, OLD_CLOCK);
        long watermark = T0 - 30_001; // by hand
        // Flink drops a window once maxTimestamp + lateness <= watermark; for ts as the window's
        // last millisecond that is ts + 300 000 <= watermark. One millisecond later is still in.
        long oldestAccepted = watermark - 5 * MINUTE + 1;

        assertThat(gate.admit(oldestAccepted, OLD_CLOCK)).isNull();
        assertThat(gate.watermark()).isEqualTo(watermark);
    }

    @Test
    void eventBeyondAllowedLatenessIsTooLate() {
        gate.admit(T0, OLD_CLOCK);
        long watermark = T0 - 30_001;

        assertThat(gate.admit(watermark - 5 * MINUTE, OLD_CLOCK)).isEqualTo(DeadLetterReason.TOO_LATE);
        assertThat(gate.admit(watermark - HOUR, OLD_CLOCK)).isEqualTo(DeadLetterReason.TOO_LATE);
        assertThat(gate.watermark()).isEqualTo(watermark);
    }

    @Test
    void outOfOrderEventWithinTheDisorderBoundIsNotEvenLate() {
        gate.admit(T0, OLD_CLOCK);

        assertThat(gate.admit(T0 - 29 * SECOND, OLD_CLOCK)).isNull();
        assertThat(gate.admit(T0 - 31 * SECOND, OLD_CLOCK)).isNull(); // behind the watermark, within lateness
    }

    @Test
    void moreThan24HoursAheadOfTheWatermarkIsBadValue() {
        gate.admit(T0, OLD_CLOCK);
        long watermark = T0 - 30_001;

        assertThat(gate.admit(watermark + 24 * HOUR + 1, OLD_CLOCK)).isEqualTo(DeadLetterReason.BAD_VALUE);
        assertThat(gate.watermark()).as("a rejected event does not advance it").isEqualTo(watermark);
        assertThat(gate.admit(watermark + 24 * HOUR, OLD_CLOCK)).isNull();
        assertThat(gate.watermark()).isEqualTo(watermark + 24 * HOUR - 30_001);
    }

    @Test
    void beforeTheFirstEventTheWallClockBoundsTheFuture() {
        long now = T0;

        assertThat(gate.admit(now + 24 * HOUR + 1, now)).isEqualTo(DeadLetterReason.BAD_VALUE);
        assertThat(gate.watermark()).isEqualTo(Long.MIN_VALUE);
        assertThat(gate.admit(now + 24 * HOUR, now)).isNull();
    }

    @Test
    void verdictsDependOnlyOnTheInputOrder() {
        long[] input = {T0, T0 + MINUTE, T0 - 10 * MINUTE, T0 + 2 * MINUTE, T0 - 4 * MINUTE, T0 + 30 * HOUR, T0 + 3 * MINUTE};
        // By hand: watermarks T0-30.001s, T0+29.999s; T0-10m is 10m29.999s behind → too_late;
        // T0+2m accepted (wm T0+89.999s); T0-4m is 5m29.999s behind → too_late; T0+30h → bad_value.
        DeadLetterReason[] expected = {null, null, DeadLetterReason.TOO_LATE, null, DeadLetterReason.TOO_LATE,
                DeadLetterReason.BAD_VALUE, null};
        for (long clock : new long[] {OLD_CLOCK, OLD_CLOCK - 5 * HOUR}) {
            EventTimeGate g = new EventTimeGate(Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofHours(24));
            DeadLetterReason[] verdicts = new DeadLetterReason[input.length];
            for (int i = 0; i < input.length; i++) {
                verdicts[i] = g.admit(input[i], clock);
            }
            assertThat(verdicts).as("clock %s", clock).containsExactly(expected);
        }
    }

    @Test
    void restoreResumesFromTheHighestTimeSeen() {
        gate.restore(T0);
        gate.restore(T0 - HOUR); // union state from another subtask that had seen less

        assertThat(gate.maxAcceptedTs()).isEqualTo(T0);
        assertThat(gate.watermark()).isEqualTo(T0 - 30_001);
        assertThat(gate.admit(T0 - 30_001 - 5 * MINUTE, OLD_CLOCK)).isEqualTo(DeadLetterReason.TOO_LATE);
    }
}
