package com.gluu.kpi.alerts.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DashboardLinkTest {
    @Test
    void theRangeIsTheEpisodeWidenedByFifteenMinutesToWholeMinutes() {
        // 10:00:30 − 15 min = 09:45:30 → 09:45; 10:20:10 + 15 min = 10:35:10 → 10:36
        assertThat(DashboardLink.of("https://kpi.example/dash", Map.of("service", "analyze api", "model", "blip2"),
                Instant.parse("2026-11-23T10:00:30Z"), Instant.parse("2026-11-23T10:20:10Z")))
                .isEqualTo("https://kpi.example/dash?from=2026-11-23T09%3A45%3A00Z&to=2026-11-23T10%3A36%3A00Z"
                        + "&service=analyze+api");
    }

    @Test
    void noServiceNoParameterAndAnExistingQueryIsKept() {
        assertThat(DashboardLink.of("http://h/?token=t", Map.of("endpoint", "ep"), Instant.parse("2026-11-23T10:00:00Z"),
                null)).isEqualTo("http://h/?token=t&from=2026-11-23T09%3A45%3A00Z&to=2026-11-23T10%3A15%3A00Z");
    }

    @Test
    void noDashboardNoLink() {
        assertThat(DashboardLink.of("", Map.of(), Instant.EPOCH, Instant.EPOCH)).isNull();
        assertThat(DashboardLink.of(null, Map.of(), Instant.EPOCH, Instant.EPOCH)).isNull();
    }
}
