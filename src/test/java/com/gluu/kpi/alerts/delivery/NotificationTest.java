package com.gluu.kpi.alerts.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NotificationTest {
    @Test
    void theUuidIsTheNameBasedUuidOfAlertIdAndSeq() {
        assertThat(Fixtures.firing(1).uuid()).hasToString(Fixtures.UUID_1);
        assertThat(Fixtures.firing(2).uuid()).hasToString(Fixtures.UUID_2);
        assertThat(Fixtures.resolved(3).uuid()).hasToString(Fixtures.UUID_3);
    }

    @Test
    void theGroupPutsServiceModelEndpointFirst() {
        Notification n = new Notification("x", "latency_p95_critical", "critical",
                Map.of("zone", "eu", "model", "blip2", "service", "analyze-api"), "firing", 1.0, 1.0, "", Fixtures.T0, null,
                Fixtures.T0, 1);
        assertThat(n.group()).isEqualTo("analyze-api/blip2/eu");
    }

    @Test
    void theJsonCarriesEveryField() throws Exception {
        JsonNode json = new ObjectMapper().readTree(Fixtures.resolved(3).toJson());
        assertThat(json.get("alert_id").asText()).isEqualTo(Fixtures.ALERT_ID);
        assertThat(json.get("uuid").asText()).isEqualTo(Fixtures.UUID_3);
        assertThat(json.get("seq").asInt()).isEqualTo(3);
        assertThat(json.get("state").asText()).isEqualTo("resolved");
        assertThat(json.get("value").asDouble()).isEqualTo(0.004);
        assertThat(json.get("threshold").asDouble()).isEqualTo(0.01);
        assertThat(json.get("labels").get("service").asText()).isEqualTo("analyze-api");
        assertThat(json.get("started_at").asText()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(json.get("resolved_at").asText()).isEqualTo("2026-01-01T02:00:00Z");
    }
}
