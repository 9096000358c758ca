package com.gluu.kpi.alerts.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.testing.PostHogStandIn;
import com.gluu.kpi.testing.SnsStandIn;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChannelsTest {
    @Test
    void withoutSettingsEveryChannelIsOffAndSaysSo() {
        assertThat(Channels.fromEnvironment(Map.of("AWS_REGION", "us-east-1"))).isEmpty();
        assertThat(Channels.logged("posthog-off")).isTrue();
        assertThat(Channels.logged("sns-off")).isTrue();
    }

    @Test
    void withSettingsBothChannelsAreOnAndDeliver() throws Exception {
        try (PostHogStandIn posthog = new PostHogStandIn(); SnsStandIn sns = new SnsStandIn()) {
            Map<String, String> env = Map.of("POSTHOG_API_KEY", "phc_env", "POSTHOG_HOST", posthog.url(),
                    // no AWS_REGION: taken from the ARN
                    "SNS_TOPIC_ARN", "arn:aws:sns:eu-west-1:123456789012:alerts", "AWS_ENDPOINT_URL",
                    sns.endpoint().toString());
            System.setProperty("aws.accessKeyId", "AKIDTEST");
            System.setProperty("aws.secretAccessKey", "secret");
            List<NotificationChannel> channels = Channels.fromEnvironment(env);
            assertThat(channels).extracting(NotificationChannel::name).containsExactly("posthog", "sns");
            for (NotificationChannel c : channels) {
                c.send(Fixtures.firing(1));
                c.close();
            }
            assertThat(posthog.events()).extracting(PostHogStandIn.Event::apiKey).containsExactly("phc_env");
            assertThat(sns.publishes()).extracting(SnsStandIn.Publish::topicArn)
                    .containsExactly("arn:aws:sns:eu-west-1:123456789012:alerts");
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
    }
}
