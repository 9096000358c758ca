package com.gluu.kpi.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What SPEC §4 says {@code kpi.accuracy}, {@code kpi.cost} and {@code kpi.endpoint_health} add up
 * to over the whole demo trace, worked out straight from the JSON lines with the prices of
 * {@code jobs/pricing.yaml} written out here: no pipeline code, no per-window bookkeeping except
 * where idleness is defined per minute.
 */
final class ExpectedDemoOperations {
    static final double GPT4O_INPUT_PER_TOKEN = 2.50 / 1e6;
    static final double GPT4O_OUTPUT_PER_TOKEN = 10.00 / 1e6;
    static final Map<String, Double> INSTANCE_HOUR = Map.of("ml.g5.xlarge", 1.408, "ml.g5.2xlarge", 1.515);
    static final double VCPU_HOUR = 0.04048;
    static final double GB_HOUR = 0.004445;
    static final Set<String> BILLED = Set.of("InService", "Updating", "SystemUpdating", "RollingBack");
    static final long MINUTE = 60_000;
    static final long JOIN_HORIZON = 7L * 24 * 3600 * 1000;
    static final long JOIN_WAIT = 10 * MINUTE;

    /** A state of an endpoint or task from one event until the next (or the end). */
    record Span(String key, String model, String state, double price, long from, long to) {}

    /** The latest event time of a valid event: billing and task time accrue up to it. */
    long end = Long.MIN_VALUE;
    long requests;
    double llmUsd;
    /** endpoint → hosting USD over the whole trace. */
    final Map<String, Double> hostingUsd = new TreeMap<>();
    double computeUsd;
    /** Hosting of (model, endpoint) in the minutes without a request to it: the '*' rows' idle_hosting_usd. */
    double idleHostingUsd;
    /** (model + " " + model_version) → {feedback, Σ score}; unmatched feedback apart. */
    final Map<String, double[]> accuracy = new TreeMap<>();
    long unmatched;
    double unmatchedScore;
    /** endpoint → {in-service ms, observed ms, restarts, failures}. */
    final Map<String, long[]> health = new TreeMap<>();
    /** endpoint → first event time. */
    final Map<String, Long> firstEndpointEvent = new TreeMap<>();

    private final List<JsonNode> inferences = new ArrayList<>();
    private final List<JsonNode> feedback = new ArrayList<>();
    private final Map<String, List<JsonNode>> endpoints = new TreeMap<>();
    private final Map<String, List<JsonNode>> tasks = new TreeMap<>();

    static ExpectedDemoOperations of(List<String> lines) {
        ExpectedDemoOperations e = new ExpectedDemoOperations();
        e.read(lines);
        e.accuracy();
        e.cost();
        e.health();
        return e;
    }

    static long ts(JsonNode e) {
        return OffsetDateTime.parse(e.get("ts").asText()).toInstant().toEpochMilli();
    }

    /** Valid events once each (by event_id), in file order, which is time order. */
    private void read(List<String> lines) {
        ObjectMapper json = new ObjectMapper();
        Set<String> seen = new HashSet<>();
        for (String line : lines) {
            JsonNode e;
            try {
                e = json.readTree(line);
            } catch (Exception notJson) {
                continue;
            }
            String type = e.path("type").asText();
            if (!Set.of("inference", "feedback", "endpoint", "task").contains(type)
                    || e.path("latency_ms").path("total").asDouble() < 0 || !seen.add(e.get("event_id").asText())) {
                continue;
            }
            end = Math.max(end, ts(e));
            switch (type) {
                case "inference" -> inferences.add(e);
                case "feedback" -> feedback.add(e);
                case "endpoint" -> endpoints.computeIfAbsent(e.get("endpoint").asText(), k -> new ArrayList<>()).add(e);
                default -> tasks.computeIfAbsent(e.get("task_id").asText(), k -> new ArrayList<>()).add(e);
            }
        }
    }

    private void accuracy() {
        Map<String, JsonNode> byRequest = new HashMap<>();
        inferences.forEach(i -> byRequest.put(i.get("request_id").asText(), i));
        for (JsonNode f : feedback) {
            JsonNode i = byRequest.get(f.get("request_id").asText());
            double score = f.has("score") ? f.get("score").asDouble()
                    : switch (f.get("verdict").asText()) {
                        case "correct" -> 1.0;
                        case "partial" -> 0.5;
                        default -> 0.0;
                    };
            if (i != null && ts(i) >= ts(f) - JOIN_HORIZON && ts(i) <= ts(f) + JOIN_WAIT) {
                double[] a = accuracy.computeIfAbsent(i.get("model").asText() + " " + i.get("model_version").asText(),
                        k -> new double[2]);
                a[0]++;
                a[1] += score;
            } else {
                unmatched++;
                unmatchedScore += score;
            }
        }
    }

    /** Each event's state lasts until the next event of the same endpoint or task, or {@link #end}. */
    private List<Span> spans(Map<String, List<JsonNode>> byKey, boolean endpoint) {
        List<Span> spans = new ArrayList<>();
        byKey.forEach((key, events) -> {
            for (int k = 0; k < events.size(); k++) {
                JsonNode e = events.get(k);
                long to = k + 1 < events.size() ? ts(events.get(k + 1)) : end;
                double price = endpoint
                        ? e.get("instance_count").asInt() * INSTANCE_HOUR.get(e.get("instance_type").asText())
                        : e.get("vcpu").asDouble() * VCPU_HOUR + e.get("memory_gb").asDouble() * GB_HOUR;
                spans.add(new Span(key, endpoint ? e.get("model").asText() : "", e.get("state").asText(), price, ts(e), to));
            }
        });
        return spans;
    }

    private void cost() {
        for (JsonNode i : inferences) {
            requests++;
            if (i.has("llm")) {
                llmUsd += i.get("llm").get("prompt_tokens").asLong() * GPT4O_INPUT_PER_TOKEN
                        + i.get("llm").get("completion_tokens").asLong() * GPT4O_OUTPUT_PER_TOKEN;
            }
        }
        for (Span s : spans(tasks, false)) {
            if (s.state.equals("RUNNING")) {
                computeUsd += (s.to - s.from) / 3_600_000.0 * s.price;
            }
        }
        List<Span> billed = spans(endpoints, true).stream().filter(s -> BILLED.contains(s.state)).toList();
        for (Span s : billed) {
            hostingUsd.merge(s.key, (s.to - s.from) / 3_600_000.0 * s.price, Double::sum);
        }
        // Idle: per 1-minute window, the hosting of an endpoint that no request went to in that window.
        Set<String> busy = new HashSet<>(); // window start + " " + model + " " + endpoint
        for (JsonNode i : inferences) {
            busy.add(Math.floorDiv(ts(i), MINUTE) * MINUTE + " " + i.get("model").asText() + " " + i.get("endpoint").asText());
        }
        for (Span s : billed) {
            for (long w = Math.floorDiv(s.from, MINUTE) * MINUTE; w < s.to; w += MINUTE) {
                long inWindow = Math.min(s.to, w + MINUTE) - Math.max(s.from, w);
                if (inWindow > 0 && !busy.contains(w + " " + s.model + " " + s.key)) {
                    idleHostingUsd += inWindow / 3_600_000.0 * s.price;
                }
            }
        }
    }

    private void health() {
        Map<String, List<Span>> byEndpoint = new TreeMap<>();
        spans(endpoints, true).forEach(s -> byEndpoint.computeIfAbsent(s.key, k -> new ArrayList<>()).add(s));
        byEndpoint.forEach((endpoint, spans) -> {
            long[] h = new long[4];
            h[1] = end - spans.get(0).from; // no endpoint of the demo is ever Deleted
            boolean wasInService = false;
            String previous = null;
            for (Span s : spans) {
                if (s.state.equals("InService")) {
                    h[0] += s.to - s.from;
                    if (wasInService && Set.of("Failed", "OutOfService", "Creating").contains(previous)) {
                        h[2]++;
                    }
                    wasInService = true;
                }
                if (s.state.equals("Failed") && !"Failed".equals(previous)) {
                    h[3]++;
                }
                previous = s.state;
            }
            health.put(endpoint, h);
            firstEndpointEvent.put(endpoint, spans.get(0).from);
        });
    }

    double hostingUsd() {
        return hostingUsd.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    double totalUsd() {
        return llmUsd + hostingUsd() + computeUsd;
    }

    Instant endInstant() {
        return Instant.ofEpochMilli(end);
    }
}
