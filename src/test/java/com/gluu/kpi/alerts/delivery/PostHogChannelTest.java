package com.gluu.kpi.alerts.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.gluu.kpi.testing.PostHogStandIn;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real posthog-server client against a local PostHog stand-in. */
class PostHogChannelTest {
    private PostHogStandIn posthog;
    private PostHogChannel channel;

    @BeforeEach
    void start() throws Exception {
        posthog = new PostHogStandIn();
        channel = new PostHogChannel("phc_test_key", posthog.url(), Duration.ofMillis(800));
    }

    @AfterEach
    void stop() {
        channel.close();
        posthog.close();
    }

    @Test
    void sendsTheKpiAlertEventAndReturnsOnlyOnceItArrived() throws Exception {
        channel.send(Fixtures.firing(1));
        // no waiting: send blocks until the stand-in answered
        assertThat(posthog.events()).hasSize(1);
        assertThat(posthog.gzippedRequests()).as("the client's own gzip interceptor").isEqualTo(1);
        PostHogStandIn.Event e = posthog.events().get(0);
        assertThat(e.apiKey()).isEqualTo("phc_test_key");
        assertThat(e.event()).isEqualTo("kpi_alert");
        assertThat(e.distinctId()).isEqualTo("analyze-api");
        assertThat(e.uuid()).isEqualTo(Fixtures.UUID_1);
        assertThat(e.timestamp()).startsWith("2026-01-01T00:00:00");
        JsonNode p = e.properties();
        assertThat(p.get("rule").asText()).isEqualTo("ecs_error_rate");
        assertThat(p.get("state").asText()).isEqualTo("firing");
        assertThat(p.get("severity").asText()).isEqualTo("critical");
        assertThat(p.get("value").asDouble()).isEqualTo(0.05);
        assertThat(p.get("threshold").asDouble()).isEqualTo(0.01);
        assertThat(p.get("labels").get("service").asText()).isEqualTo("analyze-api");
        assertThat(p.get("window").get("start").asText()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(p.get("window").has("end")).as("the client leaves nulls out").isFalse();
        assertThat(p.get("alert_id").asText()).isEqualTo(Fixtures.ALERT_ID);
        assertThat(p.get("seq").asInt()).isEqualTo(1);
        assertThat(p.get("$process_person_profile").isBoolean()).isTrue();
        assertThat(p.get("$process_person_profile").asBoolean()).isFalse();
    }

    @Test
    void withoutAServiceLabelTheDistinctIdIsGluuKpi() throws Exception {
        channel.send(new Notification("endpoint_failed:blip2-endpoint:1767225600000", "endpoint_failed", "critical",
                Map.of("endpoint", "blip2-endpoint"), "firing", null, null, "blip2-endpoint Failed", Fixtures.T0, null,
                Fixtures.T0, 1));
        PostHogStandIn.Event e = posthog.events().get(0);
        assertThat(e.distinctId()).isEqualTo("gluu-kpi");
        assertThat(e.uuid()).isEqualTo("ee355ccd-e1bb-3125-bc05-dbd9e976b3dc");
        assertThat(e.properties().has("value")).isFalse();
    }

    @Test
    void a500IsAFailedSend() {
        posthog.mode(PostHogStandIn.Mode.FAIL);
        assertThatThrownBy(() -> channel.send(Fixtures.firing(1))).hasMessage("PostHog answered HTTP 500 Internal Server Error");
        assertThat(posthog.failedRequests()).isEqualTo(1);
        assertThat(posthog.events()).isEmpty();
    }

    @Test
    void aHangingEndpointFailsTheSendWithinTheTimeout() {
        posthog.mode(PostHogStandIn.Mode.HANG);
        long start = System.nanoTime();
        assertThatThrownBy(() -> channel.send(Fixtures.firing(1))).isInstanceOf(java.io.IOException.class);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(ms).isBetween(700L, 3_000L); // read timeout 800 ms (call timeout 1.6 s)
        assertThat(posthog.hungRequests()).isEqualTo(1);
        posthog.mode(PostHogStandIn.Mode.OK);
        assertThat(posthog.events()).isEmpty();
    }
}
