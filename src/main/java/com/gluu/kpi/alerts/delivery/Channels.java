package com.gluu.kpi.alerts.delivery;

import com.gluu.kpi.config.AwsEndpoints;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.regions.Region;

/**
 * The notification channels configured in the environment (SPEC §7). PostHog needs
 * {@code POSTHOG_API_KEY} ({@code POSTHOG_HOST} defaults to the client's, PostHog Cloud US); SNS
 * needs {@code SNS_TOPIC_ARN}, takes its region from {@code AWS_REGION} (else from the ARN),
 * {@code AWS_ENDPOINT_URL_SNS} (else {@code AWS_ENDPOINT_URL}) as endpoint override, and credentials from the SDK's default chain. A
 * channel whose settings are absent is off, and says so once in the log.
 */
public final class Channels {
    private static final Logger LOG = LoggerFactory.getLogger(Channels.class);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private Channels() {}

    public static List<NotificationChannel> fromEnvironment(Map<String, String> env) {
        List<NotificationChannel> channels = new ArrayList<>();
        String key = blankToNull(env.get("POSTHOG_API_KEY"));
        if (key == null) {
            logOnce("posthog-off", "PostHog alert channel off: POSTHOG_API_KEY is not set");
        } else {
            PostHogChannel ph = new PostHogChannel(key, blankToNull(env.get("POSTHOG_HOST")), DEFAULT_TIMEOUT);
            logOnce("posthog-on", "PostHog alert channel on: " + ph);
            channels.add(ph);
        }
        String arn = blankToNull(env.get("SNS_TOPIC_ARN"));
        if (arn == null) {
            logOnce("sns-off", "SNS alert channel off: SNS_TOPIC_ARN is not set");
        } else {
            String region = blankToNull(env.get("AWS_REGION"));
            if (region == null) {
                region = SnsChannel.regionOf(arn);
            }
            if (region == null) {
                logOnce("sns-off", "SNS alert channel off: AWS_REGION is not set and SNS_TOPIC_ARN has no region");
            } else {
                String endpoint = AwsEndpoints.of(env, AwsEndpoints.SNS);
                SnsChannel sns = new SnsChannel(arn, Region.of(region), endpoint == null ? null : URI.create(endpoint),
                        null, DEFAULT_TIMEOUT);
                logOnce("sns-on", "SNS alert channel on: " + sns + (endpoint == null ? "" : " via " + endpoint));
                channels.add(sns);
            }
        }
        return channels;
    }

    /** Which "off" and "on" lines were logged in this JVM (tests). */
    static boolean logged(String what) {
        return LOGGED.contains(what);
    }

    private static void logOnce(String what, String message) {
        if (LOGGED.add(what)) {
            LOG.info(message);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
