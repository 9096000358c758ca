package com.gluu.kpi.alerts.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.testing.SnsStandIn;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/** The real AWS SDK v2 SnsClient against a local SNS stand-in (Query protocol). */
class SnsChannelTest {
    static final String TOPIC = "arn:aws:sns:us-east-1:123456789012:gluu-alerts";
    static final String FIFO_TOPIC = "arn:aws:sns:us-east-1:123456789012:gluu-alerts.fifo";

    private SnsStandIn sns;

    @BeforeEach
    void start() throws Exception {
        sns = new SnsStandIn();
    }

    @AfterEach
    void stop() {
        sns.close();
    }

    static SnsChannel channel(SnsStandIn sns, String topic, Duration timeout) {
        return new SnsChannel(topic, Region.US_EAST_1, sns.endpoint(),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")), timeout);
    }

    @Test
    void publishesSubjectJsonMessageAndAttributes() throws Exception {
        try (SnsChannel channel = channel(sns, TOPIC, Duration.ofSeconds(2))) {
            channel.send(Fixtures.firing(1));
        }
        assertThat(sns.publishes()).hasSize(1);
        SnsStandIn.Publish p = sns.publishes().get(0);
        assertThat(p.topicArn()).isEqualTo(TOPIC);
        assertThat(p.subject()).isEqualTo("[CRITICAL] ecs_error_rate analyze-api firing");
        assertThat(p.attributes()).isEqualTo(Map.of("severity", "critical", "rule", "ecs_error_rate"));
        assertThat(p.attributeTypes()).isEqualTo(Map.of("severity", "String", "rule", "String"));
        assertThat(p.messageGroupId()).isNull();
        assertThat(p.messageDeduplicationId()).isNull();
        JsonNode m = new ObjectMapper().readTree(p.message());
        assertThat(m.get("uuid").asText()).isEqualTo(Fixtures.UUID_1);
        assertThat(m.get("state").asText()).isEqualTo("firing");
        assertThat(m.get("value").asDouble()).isEqualTo(0.05);
        assertThat(m.get("summary").asText()).isEqualTo("error rate 5% > 1% for analyze-api");
    }

    @Test
    void aFifoTopicGetsGroupAndDeduplicationIds() throws Exception {
        try (SnsChannel channel = channel(sns, FIFO_TOPIC, Duration.ofSeconds(2))) {
            channel.send(Fixtures.resolved(3));
        }
        SnsStandIn.Publish p = sns.publishes().get(0);
        assertThat(p.subject()).isEqualTo("[CRITICAL] ecs_error_rate analyze-api resolved");
        assertThat(p.messageGroupId()).isEqualTo("ecs_error_rate");
        assertThat(p.messageDeduplicationId()).isEqualTo(Fixtures.UUID_3);
    }

    @Test
    void theSubjectIsPrintableAsciiOfAtMost100Characters() {
        Notification n = new Notification("x", "latency_p95_warning", "warning",
                Map.of("service", "s".repeat(120), "model", "blip\u00e9"), "firing", 1.0, 1.0, "", Fixtures.T0, null,
                Fixtures.T0, 1);
        String subject = SnsChannel.subject(n);
        // "[WARNING] latency_p95_warning " is 30 characters, then 120 s: cut to 97 + "..."
        assertThat(subject).hasSize(100).startsWith("[WARNING] latency_p95_warning sss").endsWith("sss...");
        Notification accent = new Notification("x", "r", "info", Map.of("model", "blip\u00e9"), "resolved", 1.0, 1.0, "",
                Fixtures.T0, null, Fixtures.T0, 1);
        assertThat(SnsChannel.subject(accent)).isEqualTo("[INFO] r blip? resolved");
    }

    @Test
    void aServerErrorOrAHangIsAFailedSend() {
        try (SnsChannel channel = channel(sns, TOPIC, Duration.ofMillis(800))) {
            sns.mode(SnsStandIn.Mode.FAIL);
            assertThatThrownBy(() -> channel.send(Fixtures.firing(1))).hasMessageContaining("stand-in failure");
            assertThat(sns.failedRequests()).as("the SDK's own retries are off").isEqualTo(1);

            sns.mode(SnsStandIn.Mode.HANG);
            long start = System.nanoTime();
            assertThatThrownBy(() -> channel.send(Fixtures.firing(1)));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(ms).isBetween(700L, 3_000L);
            sns.mode(SnsStandIn.Mode.OK);
        }
        assertThat(sns.publishes()).isEmpty();
    }

    @Test
    void theRegionComesFromTheArn() {
        assertThat(SnsChannel.regionOf(TOPIC)).isEqualTo("us-east-1");
        assertThat(SnsChannel.regionOf("arn:aws:sns:eu-west-3:1:t.fifo")).isEqualTo("eu-west-3");
    }
}
