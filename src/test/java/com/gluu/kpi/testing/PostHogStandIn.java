package com.gluu.kpi.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

/**
 * A local PostHog ingestion endpoint on 127.0.0.1: {@code POST /batch/} ({"api_key", "batch":
 * [events]}) and {@code /capture/} (one event, or a batch), gzip or plain JSON. Records the
 * events of the requests it accepted; can be switched to answer 500, or to hang (hold the request
 * without answering until switched back; nothing recorded).
 */
public final class PostHogStandIn extends HttpStandIn {

    /** One accepted event as it arrived. */
    public record Event(String apiKey, String event, String distinctId, String uuid, String timestamp, JsonNode properties) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Event> events = new ArrayList<>();
    private final AtomicInteger gzipped = new AtomicInteger();

    public PostHogStandIn() throws IOException {
        super("posthog-stand-in", "/batch", "/capture");
    }

    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** Requests that came gzipped. */
    public int gzippedRequests() {
        return gzipped.get();
    }

    @Override
    protected void handle(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            respond(exchange, 405, "{\"error\":\"POST only\"}");
            return;
        }
        byte[] body = body(exchange);
        if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
            gzipped.incrementAndGet();
            try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
                body = in.readAllBytes();
            }
        }
        Mode now = mode();
        if (now == Mode.HANG) {
            if (!holdWhileHanging()) {
                return;
            }
            respond(exchange, 503, "{\"error\":\"was hanging\"}");
            return;
        }
        if (now == Mode.FAIL) {
            countFailed();
            respond(exchange, 500, "{\"error\":\"stand-in failure\"}");
            return;
        }
        JsonNode root = JSON.readTree(body);
        String apiKey = root.path("api_key").asText(null);
        List<Event> arrived = new ArrayList<>();
        JsonNode batch = root.has("batch") ? root.get("batch") : JSON.createArrayNode().add(root);
        for (JsonNode e : batch) {
            arrived.add(new Event(apiKey != null ? apiKey : e.path("api_key").asText(null), e.path("event").asText(null),
                    e.path("distinct_id").asText(null), e.path("uuid").asText(null), e.path("timestamp").asText(null),
                    e.path("properties")));
        }
        synchronized (this) {
            events.addAll(arrived);
        }
        respond(exchange, 200, "{\"status\":1}");
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        respond(exchange, status, "application/json", body);
    }
}
