package com.gluu.kpi.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local CloudWatch Logs endpoint speaking the AWS JSON 1.1 protocol (POST /, header
 * {@code X-Amz-Target: Logs_20140328.<Operation>}): CreateLogGroup, CreateLogStream,
 * DescribeLogStreams and PutLogEvents. It enforces what the service enforces on a batch — the
 * stream exists, at most 10,000 events, at most 1,048,576 bytes counted as UTF-8 message bytes
 * + 26 per event, no event over 256 KiB, chronological order, a span of at most 24 hours — and
 * answers a breach with InvalidParameterException, recording the batches it accepted. It can
 * answer the next n PutLogEvents with ThrottlingException, fail with 500 or hang.
 */
public final class CloudWatchLogsStandIn extends HttpStandIn {
    /** One accepted log event. */
    public record LogEvent(long timestamp, String message) {}

    /** One accepted PutLogEvents call. */
    public record Batch(String group, String stream, List<LogEvent> events, long bytes) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TARGET = "Logs_20140328.";

    private final Set<String> groups = new LinkedHashSet<>();
    private final Map<String, Set<String>> streams = new LinkedHashMap<>();
    private final List<Batch> batches = new ArrayList<>();
    private final List<String> operations = new ArrayList<>();
    private final AtomicInteger throttleNext = new AtomicInteger();
    private final AtomicInteger throttled = new AtomicInteger();
    private final AtomicInteger invalid = new AtomicInteger();

    public CloudWatchLogsStandIn() throws IOException {
        super("cloudwatch-logs-stand-in", "/");
    }

    /** Answers the next {@code n} PutLogEvents calls with ThrottlingException. */
    public void throttleNext(int n) {
        throttleNext.set(n);
    }

    public int throttledRequests() {
        return throttled.get();
    }

    /** Calls refused for breaking a limit (a shipper bug if ever non-zero). */
    public int invalidRequests() {
        return invalid.get();
    }

    public synchronized List<Batch> batches() {
        return List.copyOf(batches);
    }

    /** Every event accepted into the stream, in arrival order. */
    public synchronized List<LogEvent> events(String stream) {
        return batches.stream().filter(b -> b.stream().equals(stream)).flatMap(b -> b.events().stream()).toList();
    }

    /** The operations called, in order (e.g. CreateLogGroup, CreateLogStream, PutLogEvents). */
    public synchronized List<String> operations() {
        return List.copyOf(operations);
    }

    /** The group's streams in the order they were created. */
    public synchronized List<String> streams(String group) {
        return List.copyOf(streams.getOrDefault(group, Set.of()));
    }

    @Override
    protected void handle(HttpExchange exchange) throws IOException {
        byte[] bytes = body(exchange);
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (!"POST".equals(exchange.getRequestMethod()) || target == null || !target.startsWith(TARGET)) {
            error(exchange, 400, "UnknownOperationException", "POST with X-Amz-Target " + TARGET + "* only");
            return;
        }
        Mode now = mode();
        if (now == Mode.HANG) {
            if (holdWhileHanging()) {
                error(exchange, 503, "ServiceUnavailableException", "was hanging");
            }
            return;
        }
        if (now == Mode.FAIL) {
            countFailed();
            error(exchange, 500, "ServiceUnavailableException", "stand-in failure");
            return;
        }
        String operation = target.substring(TARGET.length());
        JsonNode request = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
        synchronized (this) {
            operations.add(operation);
        }
        switch (operation) {
            case "CreateLogGroup" -> createGroup(exchange, request.path("logGroupName").asText());
            case "CreateLogStream" -> createStream(exchange, request.path("logGroupName").asText(),
                    request.path("logStreamName").asText());
            case "DescribeLogStreams" -> describe(exchange, request.path("logGroupName").asText());
            case "PutLogEvents" -> put(exchange, request);
            default -> error(exchange, 400, "UnknownOperationException", "not in the stand-in: " + operation);
        }
    }

    private synchronized void createGroup(HttpExchange exchange, String group) throws IOException {
        if (!groups.add(group)) {
            error(exchange, 400, "ResourceAlreadyExistsException", "The specified log group already exists");
            return;
        }
        streams.put(group, new LinkedHashSet<>());
        ok(exchange, "{}");
    }

    private synchronized void createStream(HttpExchange exchange, String group, String stream) throws IOException {
        if (!groups.contains(group)) {
            error(exchange, 400, "ResourceNotFoundException", "The specified log group does not exist.");
            return;
        }
        if (!streams.get(group).add(stream)) {
            error(exchange, 400, "ResourceAlreadyExistsException", "The specified log stream already exists");
            return;
        }
        ok(exchange, "{}");
    }

    private synchronized void describe(HttpExchange exchange, String group) throws IOException {
        StringBuilder out = new StringBuilder("{\"logStreams\":[");
        int n = 0;
        for (String s : streams.getOrDefault(group, Set.of())) {
            out.append(n++ == 0 ? "" : ",").append(JSON.createObjectNode().put("logStreamName", s));
        }
        ok(exchange, out.append("]}").toString());
    }

    private void put(HttpExchange exchange, JsonNode request) throws IOException {
        if (throttleNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throttled.incrementAndGet();
            error(exchange, 400, "ThrottlingException", "Rate exceeded");
            return;
        }
        String group = request.path("logGroupName").asText();
        String stream = request.path("logStreamName").asText();
        List<LogEvent> events = new ArrayList<>();
        long size = 0;
        for (JsonNode e : request.path("logEvents")) {
            String message = e.path("message").asText();
            events.add(new LogEvent(e.path("timestamp").asLong(), message));
            int eventBytes = message.getBytes(StandardCharsets.UTF_8).length + 26;
            if (eventBytes > 262_144) {
                refuse(exchange, "Log event too large: " + eventBytes + " bytes");
                return;
            }
            size += eventBytes;
        }
        String breach = events.isEmpty() ? "no log events"
                : events.size() > 10_000 ? "more than 10000 events: " + events.size()
                : size > 1_048_576 ? "batch of " + size + " bytes is over 1048576"
                : !chronological(events) ? "log events not in chronological order"
                : events.get(events.size() - 1).timestamp() - events.get(0).timestamp() > 24L * 3600 * 1000
                        ? "batch spans more than 24 hours" : null;
        if (breach != null) {
            refuse(exchange, breach);
            return;
        }
        synchronized (this) {
            if (!streams.getOrDefault(group, Set.of()).contains(stream)) {
                error(exchange, 400, "ResourceNotFoundException", "The specified log stream does not exist.");
                return;
            }
            batches.add(new Batch(group, stream, List.copyOf(events), size));
        }
        ok(exchange, "{\"nextSequenceToken\":\"" + batches().size() + "\"}");
    }

    private void refuse(HttpExchange exchange, String why) throws IOException {
        invalid.incrementAndGet();
        error(exchange, 400, "InvalidParameterException", why);
    }

    private static boolean chronological(List<LogEvent> events) {
        for (int i = 1; i < events.size(); i++) {
            if (events.get(i).timestamp() < events.get(i - 1).timestamp()) {
                return false;
            }
        }
        return true;
    }

    private static void ok(HttpExchange exchange, String json) throws IOException {
        respond(exchange, 200, "application/x-amz-json-1.1", json);
    }

    private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        respond(exchange, status, "application/x-amz-json-1.1",
                JSON.createObjectNode().put("__type", type).put("message", message).toString());
    }
}
