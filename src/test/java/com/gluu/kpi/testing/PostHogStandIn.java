package com.gluu.kpi.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

/**
 * A local PostHog ingestion endpoint on 127.0.0.1: {@code POST /batch/} ({"api_key", "batch":
 * [events]}) and {@code /capture/} (one event, or a batch), gzip or plain JSON. Records the
 * events of the requests it accepted; can be switched to answer 500, or to hang (hold the request
 * without answering until switched back; nothing recorded).
 */
public final class PostHogStandIn implements AutoCloseable {
    public enum Mode { OK, FAIL, HANG }

    /** One accepted event as it arrived. */
    public record Event(String apiKey, String event, String distinctId, String uuid, String timestamp, JsonNode properties) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "posthog-stand-in");
        t.setDaemon(true);
        return t;
    });
    private final List<Event> events = new ArrayList<>();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger hung = new AtomicInteger();
    private final AtomicInteger gzipped = new AtomicInteger();
    private volatile Mode mode = Mode.OK;

    public PostHogStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/batch", this::handle);
        server.createContext("/capture", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void mode(Mode mode) {
        this.mode = mode;
    }

    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** Requests answered 500. */
    public int failedRequests() {
        return failed.get();
    }

    /** Requests that came gzipped. */
    public int gzippedRequests() {
        return gzipped.get();
    }

    /** Requests held without an answer. */
    public int hungRequests() {
        return hung.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, "{\"error\":\"POST only\"}");
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                gzipped.incrementAndGet();
                try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
                    body = in.readAllBytes();
                }
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
                respond(exchange, 503, "{\"error\":\"was hanging\"}");
                return;
            }
            if (now == Mode.FAIL) {
                failed.incrementAndGet();
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
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
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
