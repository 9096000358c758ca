package com.gluu.kpi.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimeGridTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final Instant TEN = Instant.parse("2023-11-16T10:00:00Z");

    @Test
    void aRangeStartingInsideAWindowShowsThatWholeWindowAndEndsWithTheWindowHoldingTo() {
        TimeGrid grid = new TimeGrid(TEN.plusSeconds(30), TEN.plusSeconds(150), MINUTE);
        assertThat(grid.start).isEqualTo(TEN);
        assertThat(grid.size).isEqualTo(3); // 10:00, 10:01, 10:02 (holds 10:02:30)
        assertThat(grid.end).isEqualTo(TEN.plusSeconds(180));
        assertThat(grid.epochSeconds()).containsExactly(TEN.getEpochSecond(), TEN.getEpochSecond() + 60,
                TEN.getEpochSecond() + 120);
    }

    @Test
    void aRangeOnWindowBoundariesHoldsExactlyTheWindowsStartingInIt() {
        TimeGrid grid = new TimeGrid(TEN, TEN.plus(Duration.ofHours(2)), Duration.ofHours(1));
        assertThat(grid.size).isEqualTo(2);
        assertThat(grid.index(TEN)).isZero();
        assertThat(grid.index(TEN.plus(Duration.ofHours(1)))).isEqualTo(1);
        assertThat(grid.index(TEN.plus(Duration.ofHours(2)))).as("the window starting at to").isEqualTo(-1);
        assertThat(grid.index(TEN.minus(Duration.ofHours(1)))).isEqualTo(-1);
        assertThat(grid.index(TEN.plus(Duration.ofMinutes(30)))).as("not a window start").isEqualTo(-1);
    }

    @Test
    void moreWindowsThanAChartDrawsIsRefusedWithWhatToDoInstead() {
        new TimeGrid(TEN, TEN.plus(MINUTE.multipliedBy(DashboardReader.MAX_WINDOWS)), MINUTE);
        assertThatThrownBy(() -> new TimeGrid(TEN, TEN.plus(MINUTE.multipliedBy(DashboardReader.MAX_WINDOWS + 1)), MINUTE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window=1h");
    }
}
