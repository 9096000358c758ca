package com.gluu.kpi.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Random;

/**
 * Writes a load file for {@code bench}: production-shaped inference events (five services, three
 * routes, two models, three endpoints, lognormal latencies, 2 % errors) at a steady event-time
 * rate with a little disorder, plus 1 % feedback and a few duplicates, so every stage of the
 * pipeline does its real work.
 */
public final class SyntheticEvents {
    private static final String[] SERVICES = {"analyze-api", "annotate-worker", "thumbnail-worker", "report-api", "batch-api"};
    private static final String[] ROUTES = {"/analyze", "/annotate", "/thumbnail"};
    private static final String[] MODELS = {"blip2", "llava"};
    private static final String[] ENDPOINTS = {"blip2-endpoint", "llava-endpoint", "blip2-canary"};

    private SyntheticEvents() {}

    /** Writes {@code count} records, {@code perSecond} of them per second of event time. */
    public static void write(Path file, int count, int perSecond, Instant start, long seed) throws IOException {
        Random random = new Random(seed);
        long t0 = start.toEpochMilli();
        StringBuilder line = new StringBuilder(512);
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < count; i++) {
                long ts = t0 + (long) i * 1000 / perSecond - random.nextInt(5_000);
                line.setLength(0);
                int dice = random.nextInt(1000);
                if (dice < 10) {
                    line.append("{\"event_id\":\"fb-").append(i).append("\",\"type\":\"feedback\",\"ts\":").append(ts)
                            .append(",\"request_id\":\"r-").append(i - 100).append("\",\"verdict\":\"correct\"}");
                } else if (dice < 12 && i > 0) {
                    inference(line, i - 1, ts, random); // a producer retry of the previous id
                } else {
                    inference(line, i, ts, random);
                }
                out.append(line).append('\n');
            }
        }
    }

    private static void inference(StringBuilder b, int id, long ts, Random random) {
        double model = Math.exp(7.2 + random.nextGaussian() * 0.5);
        double llm = 400 + random.nextInt(2500);
        double total = model + llm + random.nextInt(60);
        int status = random.nextInt(100);
        b.append("{\"event_id\":\"ev-").append(id).append("\",\"type\":\"inference\",\"ts\":").append(ts)
                .append(",\"request_id\":\"r-").append(id)
                .append("\",\"service\":\"").append(SERVICES[random.nextInt(SERVICES.length)])
                .append("\",\"route\":\"").append(ROUTES[random.nextInt(ROUTES.length)])
                .append("\",\"model\":\"").append(MODELS[random.nextInt(MODELS.length)])
                .append("\",\"model_version\":\"v1\",\"endpoint\":\"").append(ENDPOINTS[random.nextInt(ENDPOINTS.length)])
                .append("\",\"client_id\":\"tenant-").append(random.nextInt(20))
                .append("\",\"mode\":\"").append(random.nextInt(10) == 0 ? "async" : "sync")
                .append("\",\"status\":\"").append(status < 97 ? "ok" : status < 98 ? "client_error" : "error")
                .append("\",\"http_status\":").append(status < 97 ? 200 : status < 98 ? 415 : 504)
                .append(",\"latency_ms\":{\"total\":").append(String.format(Locale.ROOT, "%.1f", total))
                .append(",\"model\":").append(String.format(Locale.ROOT, "%.1f", model))
                .append(",\"llm\":").append(String.format(Locale.ROOT, "%.1f", llm))
                .append("},\"llm\":{\"model\":\"gpt-4o\",\"prompt_tokens\":").append(200 + random.nextInt(4000))
                .append(",\"completion_tokens\":").append(10 + random.nextInt(400))
                .append("},\"images\":").append(1 + random.nextInt(3)).append('}');
    }
}
