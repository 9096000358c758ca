package com.gluu.kpi.sinks.cloudwatch;

import com.gluu.kpi.config.AwsEndpoints;
import com.gluu.kpi.sinks.AwsCalls;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClientBuilder;

/**
 * Where logs and EMF metrics go (SPEC §7): the log group from {@code CLOUDWATCH_LOG_GROUP}, the
 * region from {@code AWS_REGION}, {@code AWS_ENDPOINT_URL_CLOUDWATCH_LOGS} (else {@code AWS_ENDPOINT_URL})
 * as endpoint override (a local stand-in),
 * credentials from the SDK's default chain. Holds only strings, so Flink can ship it to the
 * task managers inside a sink; each JVM builds its own client from it.
 */
public final class CloudWatchSettings implements Serializable {
    private static final long serialVersionUID = 1L;
    /** One attempt of a call; the shipper retries with its own backoff, the SDK does not. */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    public final String logGroup;
    public final String region;
    /** Null: the SDK's own endpoint for the region. */
    public final String endpoint;

    public CloudWatchSettings(String logGroup, String region, String endpoint) {
        if (logGroup == null || logGroup.isBlank()) {
            throw new IllegalArgumentException("CLOUDWATCH_LOG_GROUP is empty");
        }
        this.logGroup = logGroup.trim();
        this.region = region == null || region.isBlank() ? "us-east-1" : region.trim();
        this.endpoint = endpoint == null || endpoint.isBlank() ? null : endpoint.trim();
    }

    /** The settings in {@code env}, or null when {@code CLOUDWATCH_LOG_GROUP} is not set (CloudWatch off). */
    public static CloudWatchSettings fromEnvironment(Map<String, String> env) {
        String group = env.get("CLOUDWATCH_LOG_GROUP");
        if (group == null || group.isBlank()) {
            return null;
        }
        return new CloudWatchSettings(group, env.get("AWS_REGION"), AwsEndpoints.of(env, AwsEndpoints.CLOUDWATCH_LOGS));
    }

    /**
     * A log stream name unique to this JVM and start: {@code <job>/<host>/<yyyyMMdd'T'HHmmss'Z'>-<pid>}
     * (CloudWatch allows any character but ':' and '*').
     */
    public static String streamName(String job, Instant started) {
        String host = ManagementFactory.getRuntimeMXBean().getName(); // pid@host
        int at = host.indexOf('@');
        String pid = at < 0 ? "0" : host.substring(0, at);
        String hostName = at < 0 ? host : host.substring(at + 1);
        String time = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(started);
        return (job + "/" + hostName + "/" + time + "-" + pid).replace(':', '-').replace('*', '-');
    }

    /** A client with the SDK's retries off (the shipper backs off itself) and a timeout per call. */
    public CloudWatchLogsClient client() {
        CloudWatchLogsClientBuilder builder = CloudWatchLogsClient.builder()
                .region(Region.of(region))
                .overrideConfiguration(AwsCalls.callerRetries(CALL_TIMEOUT));
        if (endpoint != null) {
            builder.endpointOverride(URI.create(endpoint));
        }
        return builder.build();
    }

    @Override
    public String toString() {
        return "CloudWatch(" + logGroup + ", " + region + (endpoint == null ? "" : ", via " + endpoint) + ")";
    }
}
