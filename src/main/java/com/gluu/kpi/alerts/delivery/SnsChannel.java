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
        return ascii(s);
    }

    /** A grouped message's subject ({@link GroupNotification#subjectText}; one member: its own). */
    public static String subject(GroupNotification g) {
        String text = g.subjectText();
        return text == null ? subject(g.alerts.get(0)) : ascii(text);
    }

    /** Printable ASCII, at most {@value #MAX_SUBJECT} characters (SNS refuses others). */
    private static String ascii(CharSequence s) {
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

    /**
     * A grouped message: the group's JSON, {@code severity} the most urgent member's,
     * {@code rule} a String.Array of the members' rules (a subscription filter
     * {@code {"rule": ["ecs_error_rate"]}} matches a message that lists it); on a FIFO topic the
     * group id is the group's labels and the deduplication id the message's id.
     */
    public PublishRequest request(GroupNotification g) {
        PublishRequest.Builder b = PublishRequest.builder()
                .topicArn(topicArn)
                .subject(subject(g))
                .message(g.toJson())
                .messageAttributes(Map.of(
                        "severity", MessageAttributeValue.builder().dataType("String").stringValue(g.severity()).build(),
                        "rule", MessageAttributeValue.builder().dataType("String.Array")
                                .stringValue(arrayAttribute(g.rules())).build()));
        if (fifo) {
            b.messageGroupId(g.group.isEmpty() ? "gluu-kpi" : fifoGroup(g.group)).messageDeduplicationId(g.notificationId);
        }
        return b.build();
    }

    /** An SNS String.Array value: a JSON array of strings. */
    static String arrayAttribute(java.util.List<String> values) {
        StringBuilder b = new StringBuilder("[");
        for (String v : values) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append('"').append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return b.append(']').toString();
    }

    /** A FIFO message group id (at most 128 of SNS's allowed characters) naming the group. */
    private static String fifoGroup(Map<String, Object> group) {
        StringBuilder b = new StringBuilder();
        group.forEach((k, v) -> b.append(b.length() == 0 ? "" : "/").append(v));
        String id = b.toString().replaceAll("[^A-Za-z0-9!\"#$%&'()*+,\\-./:;<=>?@\\[\\]^_`{|}~]", "_");
        return id.isEmpty() ? "gluu-kpi" : id.length() <= 128 ? id : id.substring(0, 128);
    }

    @Override
    public void sendGroup(GroupNotification g) {
        publish(request(g));
    }

    @Override
    public void send(Notification n) {
        publish(request(n));
    }

    private void publish(PublishRequest request) {
        PublishResponse response = sns.publish(request);
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
