package com.gluu.kpi.ingest.kinesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.config.ConfigException;
import com.gluu.kpi.config.JobConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kinesis.source.config.KinesisStreamsSourceConfigConstants;
import org.apache.flink.connector.kinesis.source.config.KinesisStreamsSourceConfigConstants.InitialPosition;
import org.junit.jupiter.api.Test;

/** The kinesis.* keys and the environment, checked at start with messages that name the key. */
class KinesisSettingsTest {
    private static final String ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/gluu-events";

    @Test
    void anArnWithRegionFromTheEnvironmentNeedsNoCallAndGivesTheConnectorItsSettings() {
        KinesisSettings s = KinesisSettings.resolve(config(Map.of("kinesis.stream", ARN,
                "kinesis.initial_position", "AT_TIMESTAMP", "kinesis.initial_timestamp", "2026-11-22T07:00:00+02:00",
                "kinesis.shard_discovery_interval", "30s")),
                Map.of("AWS_REGION", "eu-west-1", "AWS_ENDPOINT_URL", "https://vpce-1.kinesis.eu-west-1.vpce.amazonaws.com"));
        assertThat(s.streamArn).isEqualTo(ARN);
        Configuration c = s.sourceConfig();
        assertThat(c.toMap()).containsEntry("aws.region", "eu-west-1")
                .containsEntry("aws.endpoint", "https://vpce-1.kinesis.eu-west-1.vpce.amazonaws.com")
                .containsEntry("aws.credentials.provider", "AUTO");
        assertThat(c.get(KinesisStreamsSourceConfigConstants.STREAM_INITIAL_POSITION)).isEqualTo(InitialPosition.AT_TIMESTAMP);
        // 07:00+02:00 is 05:00 UTC, in the connector's default format.
        assertThat(c.get(KinesisStreamsSourceConfigConstants.STREAM_INITIAL_TIMESTAMP)).isEqualTo("2026-11-22T05:00:00.000Z");
        assertThat(c.get(KinesisStreamsSourceConfigConstants.SHARD_DISCOVERY_INTERVAL_MILLIS)).isEqualTo(30_000L);
        assertThat(c.toMap().keySet()).noneMatch(k -> k.contains("secret") || k.contains("accesskey"));
    }

    @Test
    void theConfigRegionWinsOverTheEnvironmentAndNoEndpointMeansThePublicOne() {
        KinesisSettings s = KinesisSettings.resolve(config(Map.of("kinesis.stream", ARN, "kinesis.region", "eu-west-1")),
                Map.of("AWS_REGION", "us-east-1"));
        assertThat(s.region).isEqualTo("eu-west-1");
        assertThat(s.sourceConfig().toMap()).doesNotContainKey("aws.endpoint");
        assertThat(s.sourceConfig().get(KinesisStreamsSourceConfigConstants.STREAM_INITIAL_POSITION))
                .isEqualTo(InitialPosition.LATEST);
    }

    @Test
    void mistakesAreNamedAtStart() {
        Map<String, String> env = Map.of("AWS_REGION", "eu-west-1");
        assertThatThrownBy(() -> KinesisSettings.resolve(config(Map.of()), env))
                .isInstanceOf(ConfigException.class).hasMessageContaining("kinesis.stream: source.kind is kinesis but no stream");
        assertThatThrownBy(() -> KinesisSettings.resolve(config(Map.of("kinesis.stream", ARN)), Map.of()))
                .hasMessageContaining("kinesis.region: no region; set it or AWS_REGION");
        assertThatThrownBy(() -> KinesisSettings.resolve(config(Map.of("kinesis.stream", "arn:aws:kinesis:eu-west-1:12:stream/x")), env))
                .hasMessageContaining("is not a Kinesis stream ARN");
        assertThatThrownBy(() -> KinesisSettings.resolve(config(Map.of("kinesis.stream", "my stream")), env))
                .hasMessageContaining("is neither a stream name");
        assertThatThrownBy(() -> KinesisSettings.resolve(config(Map.of("kinesis.stream", ARN,
                "kinesis.initial_position", "AT_TIMESTAMP")), env))
                .hasMessageContaining("kinesis.initial_timestamp: required with initial_position AT_TIMESTAMP");
        assertThatThrownBy(() -> KinesisSettings.resolve(config(Map.of("kinesis.stream", ARN,
                "kinesis.initial_position", "AT_TIMESTAMP", "kinesis.initial_timestamp", "2026-11-22 05:00")), env))
                .hasMessageContaining("'2026-11-22 05:00' is not ISO-8601 with an offset");
        assertThatThrownBy(() -> KinesisSettings.resolve(config(Map.of("kinesis.stream", ARN,
                "kinesis.initial_timestamp", "2026-11-22T05:00:00Z")), env))
                .hasMessageContaining("only used with initial_position AT_TIMESTAMP, but initial_position is LATEST");
        assertThatThrownBy(() -> KinesisSettings.resolve(config(Map.of("kinesis.stream", ARN)),
                Map.of("AWS_REGION", "eu-west-1", "AWS_ENDPOINT_URL", "localhost:4567")))
                .hasMessageContaining("AWS_ENDPOINT_URL: 'localhost:4567' is not a URL");
    }

    private static JobConfig config(Map<String, Object> kinesis) {
        Map<String, Object> keys = new HashMap<>(kinesis);
        keys.put("source.kind", "kinesis");
        return JobConfig.defaults().with(keys);
    }
}
