package com.gluu.kpi.alerts.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.sinks.JdbcSettings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertOutboxTest {
    private static final JdbcSettings NOWHERE = new JdbcSettings("jdbc:postgresql://127.0.0.1:1/none", null, null);

    @Test
    void backoffDoublesFromTheInitialDelayUpToTheCapWithJitterBetweenHalfAndAll() {
        AlertOutbox outbox = new AlertOutbox(NOWHERE, List.of(), Duration.ofMillis(100), Duration.ofMillis(200),
                Duration.ofMillis(1000));
        for (int i = 0; i < 200; i++) {
            assertThat(outbox.backoffMillis(1)).isBetween(100L, 200L); // 200
            assertThat(outbox.backoffMillis(2)).isBetween(200L, 400L); // 400
            assertThat(outbox.backoffMillis(3)).isBetween(400L, 800L); // 800
            assertThat(outbox.backoffMillis(4)).isBetween(500L, 1000L); // 1600 capped at 1000
            assertThat(outbox.backoffMillis(100)).isBetween(500L, 1000L);
        }
    }

    @Test
    void aChannelWithoutColumnsInKpiAlertsIsRefused() {
        NotificationChannel slack = new NotificationChannel() {
            @Override
            public String name() {
                return "slack";
            }

            @Override
            public void send(Notification n) {}
        };
        assertThatThrownBy(() -> new AlertOutbox(NOWHERE, List.of(slack), Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1))).hasMessageContaining("slack");
    }
}
