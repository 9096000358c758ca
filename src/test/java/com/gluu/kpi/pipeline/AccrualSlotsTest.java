package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.config.JobConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccrualSlotsTest {
    @Test
    void defaultWindowsOfOneMinuteAndOneHourGiveOneMinuteSlots() {
        assertThat(AccrualSlots.size(JobConfig.defaults().get(JobConfig.WINDOWS))).isEqualTo(60_000L);
    }

    @Test
    void slotIsTheGreatestCommonDivisorOfTheSizes() {
        // 10 s and 15 s: both multiples of 5 s, of nothing longer.
        assertThat(AccrualSlots.size(List.of(Duration.ofSeconds(10), Duration.ofSeconds(15)))).isEqualTo(5_000L);
        // 4 min and 6 min → 2 min; with 1 h (60 min) too, still 2 min.
        assertThat(AccrualSlots.size(JobConfig.defaults().with(Map.of("windows", List.of("4m", "6m", "1h")))
                .get(JobConfig.WINDOWS))).isEqualTo(120_000L);
        assertThat(AccrualSlots.size(List.of(Duration.ofHours(1)))).isEqualTo(3_600_000L);
    }

    @Test
    void slotsAreAlignedToTheEpoch() {
        assertThat(AccrualSlots.slotStart(125_000, 60_000)).isEqualTo(120_000);
        assertThat(AccrualSlots.slotStart(120_000, 60_000)).isEqualTo(120_000);
        assertThat(AccrualSlots.slotStart(-1, 60_000)).isEqualTo(-60_000);
    }

    @Test
    void noSizesIsAnError() {
        assertThatThrownBy(() -> AccrualSlots.size(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
