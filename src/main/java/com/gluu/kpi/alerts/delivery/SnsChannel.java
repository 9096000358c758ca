package com.gluu.kpi.alerts.delivery;

import com.gluu.kpi.sinks.AwsCalls;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.SnsClientBuilder;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sns.model.PublishRequest;
import software.amazon.awssdk.services.sns.model.PublishResponse;

/**
 * Alerts to an SNS topic (AWS SDK v2 {@code Publish}): subject like {@code [CRITICAL]
 * ecs_error_rate analyze-api firing} (printable ASCII, at most 100 characters, as SNS requires),
 * the notification as a JSON message, String message attributes {@code severity} and {@code rule}
 * for subscription filters, and on a FIFO topic ({@code .fifo}) MessageGroupId = rule and
 * MessageDeduplicationId = the notification's deterministic uuid. The SDK's own retries are off
 * (the outbox retries with backoff and counts attempts); each attempt times out.
 */
public final class SnsChannel implements NotificationChannel {
    public static final int MAX_SUBJECT = 100;

    private final SnsClient sns;
    private final String topicArn;
    private final boolean fifo;

    public SnsChannel(String topicArn, Region region, URI endpointOverride, AwsCredentialsProvider credentials,
            Duration timeout) {
        this.topicArn = topicArn;
        this.fifo = topicArn.endsWith(".fifo");
        SnsClientBuilder builder = SnsClient.builder()
                .region(region)
                .overrideConfiguration(AwsCalls.callerRetries(timeout));
        if (endpointOverride != null) {
            builder.endpointOverride(endpointOverride);
        }
        if (credentials != null) {
            builder.credentialsProvider(credentials);
        }
        this.sns = builder.build();
    }

    /** The region of an SNS topic ARN ({@code arn:aws:sns:REGION:ACCOUNT:NAME}), or null. */
    public static String regionOf(String topicArn) {
        String[] parts = topicArn.split(":");
        return parts.length >= 6 && !parts[3].isEmpty() ? parts[3] : null;
    }

    @Override
    public String name() {
        return "sns";
    }

    public static String subject(Notification n) {
        StringBuilder s = new StringBuilder();
        s.append('[').append(n.severity == null ? "ALERT" : n.severity.toUpperCase(Locale.ROOT)).append("] ").append(n.rule);
        String group = n.group();
        if (!group.isEmpty()) {
            s.append(' ').append(group);
        }
        s.append(' ').append(n.state);
        StringBuilder ascii = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            ascii.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return ascii.length() <= MAX_SUBJECT ? ascii.toString() : ascii.substring(0, MAX_SUBJECT - 3) + "...";
    }

    public PublishRequest request(Notification n) {
        PublishRequest.Builder b = PublishRequest.builder()
                .topicArn(topicArn)
                .subject(subject(n))
                .message(n.toJson())
                .messageAttributes(Map.of(
                        "severity", MessageAttributeValue.builder().dataType("String").stringValue(n.severity).build(),
                        "rule", MessageAttributeValue.builder().dataType("String").stringValue(n.rule).build()));
        if (fifo) {
            b.messageGroupId(n.rule).messageDeduplicationId(n.uuid().toString());
        }
        return b.build();
    }

    @Override
    public void send(Notification n) {
        PublishResponse response = sns.publish(request(n));
        if (response.messageId() == null || response.messageId().isEmpty()) {
            throw new IllegalStateException("SNS answered Publish without a MessageId");
        }
    }

    @Override
    public void close() {
        sns.close();
    }

    @Override
    public String toString() {
        return "SNS(" + topicArn + ")";
    }
}
