package com.gluu.kpi.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DashboardParamsTest {
    @Test
    void timesWithAnOffsetAreThatInstantAndTimesWithoutOneAreUtc() {
        assertThat(DashboardParams.instant("from", "2023-11-16T18:17:00Z")).isEqualTo(Instant.parse("2023-11-16T18:17:00Z"));
        assertThat(DashboardParams.instant("from", "2023-11-16T19:17:00+01:00")).isEqualTo(Instant.parse("2023-11-16T18:17:00Z"));
        assertThat(DashboardParams.instant("from", "2023-11-16T18:17")).isEqualTo(Instant.parse("2023-11-16T18:17:00Z"));
        assertThat(DashboardParams.instant("from", "2023-11-16")).isEqualTo(Instant.parse("2023-11-16T00:00:00Z"));
    }

    @Test
    void absentAndEmptyValuesLeaveTheRangeToTheDataAndMeanAllServices() {
        DashboardParams p = DashboardParams.parse(Map.of("from", "", "service", ""));
        assertThat(p.from).isNull();
        assertThat(p.to).isNull();
        assertThat(p.service).isNull();
        assertThat(p.window).isEqualTo(DashboardParams.Window.AUTO);
        assertThat(DashboardParams.parse(Map.of("window", "1h")).window.size).isEqualTo(Duration.ofHours(1));
        assertThat(DashboardParams.parse(Map.of("window", "1m")).window.size).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void whatCannotBeUnderstoodFailsNamingTheParameterNotFallingBack() {
        assertThatThrownBy(() -> DashboardParams.parse(Map.of("from", "yesterday")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("from: not an ISO-8601 time");
        assertThatThrownBy(() -> DashboardParams.parse(Map.of("to", "16/11/2023")))
                .hasMessageStartingWith("to: not an ISO-8601 time");
        assertThatThrownBy(() -> DashboardParams.parse(Map.of("from", "2023-11-16T19:00:00Z", "to", "2023-11-16T18:00:00Z")))
                .hasMessageContaining("must be after from");
        assertThatThrownBy(() -> DashboardParams.parse(Map.of("window", "5m"))).hasMessageStartingWith("window:");
        assertThatThrownBy(() -> DashboardParams.parse(Map.of("service", "s".repeat(257)))).hasMessageStartingWith("service:");
    }
}
