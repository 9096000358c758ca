package com.gluu.kpi.testing;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local SNS endpoint on 127.0.0.1 speaking the AWS Query protocol for {@code Publish}: a
 * form-encoded POST with Action=Publish, TopicArn, Subject, Message,
 * MessageAttributes.entry.N.Name / .Value.DataType / .Value.StringValue, MessageGroupId and
 * MessageDeduplicationId; answers the PublishResponse XML with a fresh MessageId. Records the
 * publishes it accepted; can answer 500 (an InternalError ErrorResponse) or hang until switched back,
 * or refuse (400) the publishes whose subject contains a given text.
 */
public final class SnsStandIn extends HttpStandIn {

    /** One accepted Publish. */
    public record Publish(String topicArn, String subject, String message, Map<String, String> attributes,
            Map<String, String> attributeTypes, String messageGroupId, String messageDeduplicationId, String messageId) {}

    private static final String NS = "http://sns.amazonaws.com/doc/2010-03-31/";

    private final List<Publish> publishes = new ArrayList<>();
    private volatile String refuse;
    private final AtomicInteger refused = new AtomicInteger();

    public SnsStandIn() throws IOException {
        super("sns-stand-in", "/");
    }

    public synchronized List<Publish> publishes() {
        return List.copyOf(publishes);
    }

    /** Answers 400 InvalidParameter to every publish whose subject contains this (null: none). */
    public void refuseSubjectsContaining(String text) {
        this.refuse = text;
    }

    public int refusedRequests() {
        return refused.get();
    }

    static Map<String, String> form(String body) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(k, v);
        }
        return params;
    }

    @Override
    protected void handle(HttpExchange exchange) throws IOException {
        String body = new String(body(exchange), StandardCharsets.UTF_8);
        String requestId = UUID.randomUUID().toString();
        if (!"POST".equals(exchange.getRequestMethod())) {
            respond(exchange, 405, error("Sender", "InvalidAction", "POST only", requestId));
            return;
        }
        Map<String, String> p = form(body);
        if (!"Publish".equals(p.get("Action"))) {
            respond(exchange, 400, error("Sender", "InvalidAction", "only Publish, got " + p.get("Action"), requestId));
            return;
        }
        Mode now = mode();
        if (now == Mode.HANG) {
            if (!holdWhileHanging()) {
                return;
            }
            respond(exchange, 503, error("Receiver", "ServiceUnavailable", "was hanging", requestId));
            return;
        }
        if (now == Mode.FAIL) {
            countFailed();
            respond(exchange, 500, error("Receiver", "InternalError", "stand-in failure", requestId));
            return;
        }
        if (p.get("TopicArn") == null || p.get("Message") == null) {
            respond(exchange, 400, error("Sender", "InvalidParameter", "TopicArn and Message are required", requestId));
            return;
        }
        String refusing = refuse;
        if (refusing != null && p.getOrDefault("Subject", "").contains(refusing)) {
            refused.incrementAndGet();
            respond(exchange, 400, error("Sender", "InvalidParameter", "stand-in refuses " + refusing, requestId));
            return;
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        Map<String, String> types = new LinkedHashMap<>();
        for (int n = 1; p.containsKey("MessageAttributes.entry." + n + ".Name"); n++) {
            String prefix = "MessageAttributes.entry." + n;
            String name = p.get(prefix + ".Name");
            attributes.put(name, p.get(prefix + ".Value.StringValue"));
            types.put(name, p.get(prefix + ".Value.DataType"));
        }
        String messageId = UUID.randomUUID().toString();
        synchronized (this) {
            publishes.add(new Publish(p.get("TopicArn"), p.get("Subject"), p.get("Message"), attributes, types,
                    p.get("MessageGroupId"), p.get("MessageDeduplicationId"), messageId));
        }
        respond(exchange, 200, "<PublishResponse xmlns=\"" + NS + "\"><PublishResult><MessageId>" + messageId
                + "</MessageId></PublishResult><ResponseMetadata><RequestId>" + requestId
                + "</RequestId></ResponseMetadata></PublishResponse>");
    }

    private static String error(String type, String code, String message, String requestId) {
        return "<ErrorResponse xmlns=\"" + NS + "\"><Error><Type>" + type + "</Type><Code>" + code + "</Code><Message>"
                + message + "</Message></Error><RequestId>" + requestId + "</RequestId></ErrorResponse>";
    }

    private static void respond(HttpExchange exchange, int status, String xml) throws IOException {
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        respond(exchange, status, "text/xml", xml);
    }
}
