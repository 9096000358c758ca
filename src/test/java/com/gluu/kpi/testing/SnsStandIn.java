package com.gluu.kpi.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local SNS endpoint on 127.0.0.1 speaking the AWS Query protocol for {@code Publish}: a
 * form-encoded POST with Action=Publish, TopicArn, Subject, Message,
 * MessageAttributes.entry.N.Name / .Value.DataType / .Value.StringValue, MessageGroupId and
 * MessageDeduplicationId; answers the PublishResponse XML with a fresh MessageId. Records the
 * publishes it accepted; can answer 500 (an InternalError ErrorResponse) or hang until switched back,
 * or refuse (400) the publishes whose subject contains a given text.
 */
public final class SnsStandIn implements AutoCloseable {
    public enum Mode { OK, FAIL, HANG }

    /** One accepted Publish. */
    public record Publish(String topicArn, String subject, String message, Map<String, String> attributes,
            Map<String, String> attributeTypes, String messageGroupId, String messageDeduplicationId, String messageId) {}

    private static final String NS = "http://sns.amazonaws.com/doc/2010-03-31/";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sns-stand-in");
        t.setDaemon(true);
        return t;
    });
    private final List<Publish> publishes = new ArrayList<>();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger hung = new AtomicInteger();
    private volatile Mode mode = Mode.OK;
    private volatile String refuse;
    private final AtomicInteger refused = new AtomicInteger();

    public SnsStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public void mode(Mode mode) {
        this.mode = mode;
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

    public int failedRequests() {
        return failed.get();
    }

    public int hungRequests() {
        return hung.get();
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

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
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
            Mode now = mode;
            if (now == Mode.HANG) {
                hung.incrementAndGet();
                while (mode == Mode.HANG) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                respond(exchange, 503, error("Receiver", "ServiceUnavailable", "was hanging", requestId));
                return;
            }
            if (now == Mode.FAIL) {
                failed.incrementAndGet();
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
    }

    private static String error(String type, String code, String message, String requestId) {
        return "<ErrorResponse xmlns=\"" + NS + "\"><Error><Type>" + type + "</Type><Code>" + code + "</Code><Message>"
                + message + "</Message></Error><RequestId>" + requestId + "</RequestId></ErrorResponse>";
    }

    private static void respond(HttpExchange exchange, int status, String xml) throws IOException {
        byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/xml");
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        mode = Mode.OK;
        server.stop(0);
        executor.shutdownNow();
    }
}
