package com.gluu.kpi.ingest.kinesis;

import com.gluu.kpi.config.AwsEndpoints;
import com.gluu.kpi.config.ConfigException;
import com.gluu.kpi.config.Durations;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.EventTimes;
import com.gluu.kpi.events.InvalidEventException;
import com.gluu.kpi.events.RawRecord;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kinesis.source.KinesisStreamsSource;
import org.apache.flink.connector.kinesis.source.config.KinesisStreamsSourceConfigConstants;
import org.apache.flink.connector.kinesis.source.config.KinesisStreamsSourceConfigConstants.InitialPosition;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.KinesisClientBuilder;

/**
 * The Kinesis source's settings from the job config and the environment, validated at start.
 *
 * <p>The FLIP-27 source addresses a stream by ARN. A stream given by name is resolved with one
 * {@code DescribeStreamSummary} call, which also proves at start that the stream exists and that
 * the credentials and region reach it. Credentials always come from the AWS default chain
 * (environment, system properties, profile, container or instance role): nothing secret is put
 * into the job's configuration. {@code AWS_ENDPOINT_URL_KINESIS} (or {@code AWS_ENDPOINT_URL}) sends every call to another endpoint (a
 * local stand-in in tests, a VPC endpoint in production).
 */
public final class KinesisSettings {
    // Connector keys (AWSConfigConstants lives in the connector's shaded package; the names are its contract).
    static final String AWS_REGION = "aws.region";
    static final String AWS_ENDPOINT = "aws.endpoint";
    static final String AWS_CREDENTIALS_PROVIDER = "aws.credentials.provider";

    private static final Pattern STREAM_ARN = Pattern.compile("arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\\d{12}:stream/[A-Za-z0-9_.-]{1,128}");
    private static final Pattern STREAM_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
    /** The connector's default timestamp format (flink.stream.initpos.timestamp.format). */
    private static final DateTimeFormatter CONNECTOR_TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

    public final String streamArn;
    public final String region;
    /** {@code AWS_ENDPOINT_URL_KINESIS} or {@code AWS_ENDPOINT_URL}, or null for the region's public endpoint. */
    public final String endpoint;
    public final InitialPosition initialPosition;
    /** Epoch millis for AT_TIMESTAMP, else {@code Long.MIN_VALUE}. */
    public final long initialTimestamp;
    public final long shardDiscoveryMillis;

    private KinesisSettings(String streamArn, String region, String endpoint, InitialPosition initialPosition,
            long initialTimestamp, long shardDiscoveryMillis) {
        this.streamArn = streamArn;
        this.region = region;
        this.endpoint = endpoint;
        this.initialPosition = initialPosition;
        this.initialTimestamp = initialTimestamp;
        this.shardDiscoveryMillis = shardDiscoveryMillis;
    }

    /** Validates the kinesis.* keys; resolves a stream name to its ARN (one AWS call). */
    public static KinesisSettings resolve(JobConfig config, Map<String, String> env) {
        String stream = config.get(JobConfig.KINESIS_STREAM).trim();
        if (stream.isEmpty()) {
            throw new ConfigException(JobConfig.KINESIS_STREAM.key() + ": source.kind is kinesis but no stream is"
                    + " given; set a stream name or ARN");
        }
        String region = config.get(JobConfig.KINESIS_REGION).trim();
        if (region.isEmpty()) {
            region = env.getOrDefault("AWS_REGION", "").trim();
        }
        if (region.isEmpty()) {
            throw new ConfigException(JobConfig.KINESIS_REGION.key() + ": no region; set it or AWS_REGION");
        }
        String endpoint = Objects.requireNonNullElse(AwsEndpoints.of(env, AwsEndpoints.KINESIS), "");
        if (!endpoint.isEmpty()) {
            try {
                URI uri = URI.create(endpoint);
                if (uri.getScheme() == null || uri.getHost() == null) {
                    throw new IllegalArgumentException("no scheme or host");
                }
            } catch (IllegalArgumentException e) {
                throw new ConfigException(AwsEndpoints.source(env, AwsEndpoints.KINESIS) + ": '" + endpoint + "' is not a URL like https://host:port");
            }
        }
        InitialPosition position = InitialPosition.valueOf(config.get(JobConfig.KINESIS_INITIAL_POSITION));
        String timestampText = config.get(JobConfig.KINESIS_INITIAL_TIMESTAMP).trim();
        long timestamp = Long.MIN_VALUE;
        if (position == InitialPosition.AT_TIMESTAMP) {
            if (timestampText.isEmpty()) {
                throw new ConfigException(JobConfig.KINESIS_INITIAL_TIMESTAMP.key() + ": required with"
                        + " initial_position AT_TIMESTAMP (ISO-8601 with an offset, e.g. 2026-11-22T05:00:00Z)");
            }
            try {
                timestamp = EventTimes.parseIso(timestampText);
            } catch (InvalidEventException e) {
                throw new ConfigException(JobConfig.KINESIS_INITIAL_TIMESTAMP.key() + ": '" + timestampText
                        + "' is not ISO-8601 with an offset (e.g. 2026-11-22T05:00:00Z)");
            }
        } else if (!timestampText.isEmpty()) {
            throw new ConfigException(JobConfig.KINESIS_INITIAL_TIMESTAMP.key() + ": only used with initial_position"
                    + " AT_TIMESTAMP, but initial_position is " + position);
        }
        String arn = streamArn(stream, region, endpoint);
        return new KinesisSettings(arn, region, endpoint.isEmpty() ? null : endpoint, position, timestamp,
                config.get(JobConfig.KINESIS_SHARD_DISCOVERY_INTERVAL).toMillis());
    }

    /** The FLIP-27 source reading this stream into raw records; {@code limits}: the parser's (SPEC §2). */
    public KinesisStreamsSource<RawRecord> source(com.gluu.kpi.events.InputLimits limits) {
        return KinesisStreamsSource.<RawRecord>builder()
                .setStreamArn(streamArn)
                .setSourceConfig(sourceConfig())
                .setDeserializationSchema(new KinesisRecordSchema(limits))
                .build();
    }

    /** The connector's configuration: region, endpoint, default credential chain, start position. */
    public Configuration sourceConfig() {
        Configuration c = new Configuration();
        c.setString(AWS_REGION, region);
        if (endpoint != null) {
            c.setString(AWS_ENDPOINT, endpoint);
        }
        c.setString(AWS_CREDENTIALS_PROVIDER, "AUTO");
        c.set(KinesisStreamsSourceConfigConstants.STREAM_INITIAL_POSITION, initialPosition);
        if (initialPosition == InitialPosition.AT_TIMESTAMP) {
            c.set(KinesisStreamsSourceConfigConstants.STREAM_INITIAL_TIMESTAMP,
                    CONNECTOR_TIMESTAMP.format(Instant.ofEpochMilli(initialTimestamp).atOffset(ZoneOffset.UTC)));
        }
        c.set(KinesisStreamsSourceConfigConstants.SHARD_DISCOVERY_INTERVAL_MILLIS, shardDiscoveryMillis);
        return c;
    }

    public String describe() {
        return "Kinesis " + streamArn + (endpoint == null ? "" : " via " + endpoint) + ", from " + initialPosition
                + (initialPosition == InitialPosition.AT_TIMESTAMP ? " " + Instant.ofEpochMilli(initialTimestamp) : "")
                + ", polling, shard discovery every " + Durations.format(java.time.Duration.ofMillis(shardDiscoveryMillis));
    }

    private static String streamArn(String stream, String region, String endpoint) {
        if (stream.startsWith("arn:")) {
            if (!STREAM_ARN.matcher(stream).matches()) {
                throw new ConfigException(JobConfig.KINESIS_STREAM.key() + ": '" + stream + "' is not a Kinesis stream"
                        + " ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)");
            }
            return stream;
        }
        if (!STREAM_NAME.matcher(stream).matches()) {
            throw new ConfigException(JobConfig.KINESIS_STREAM.key() + ": '" + stream + "' is neither a stream name"
                    + " (1-128 of A-Z a-z 0-9 _ . -) nor an ARN");
        }
        KinesisClientBuilder builder = KinesisClient.builder()
                .region(Region.of(region))
                .credentialsProvider(DefaultCredentialsProvider.builder().build());
        if (!endpoint.isEmpty()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        try (KinesisClient kinesis = builder.build()) {
            return kinesis.describeStreamSummary(r -> r.streamName(stream)).streamDescriptionSummary().streamARN();
        } catch (SdkException e) {
            throw new ConfigException(JobConfig.KINESIS_STREAM.key() + ": cannot resolve stream '" + stream + "' in "
                    + region + (endpoint.isEmpty() ? "" : " at " + endpoint) + " to its ARN: " + e.getMessage(), e);
        }
    }
}
