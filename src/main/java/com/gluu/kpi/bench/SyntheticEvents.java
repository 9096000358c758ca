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

    /**
     * A production-shaped trace for the side-by-side benchmark ({@link SideBySide}): {@code hours}
     * of event time at {@code perSecond} requests a second, with every event type the job reads —
     * inferences as {@link #write} makes them (2 % errors, a little disorder), 1 % feedback on a
     * request of about 100 s before, 0.2 % producer retries (duplicates), 0.5 % late by one to four
     * minutes (within the default 5-minute lateness) and 0.02 % by an hour (too late: dead
     * letters), an endpoint state event per endpoint every 10 minutes (an {@code Updating} → {@code
     * InService} scale-out each hour) and ECS tasks started and stopped each hour per service.
     * Returns the number of lines.
     */
    public static long writeProductionShaped(Path file, int hours, int perSecond, Instant start, long seed)
            throws IOException {
        Random random = new Random(seed);
        long t0 = start.toEpochMilli();
        long lines = 0;
        StringBuilder line = new StringBuilder(512);
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            int id = 0;
            for (long second = 0; second < hours * 3600L; second++) {
                long now = t0 + second * 1000;
                if (second % 3600 == 0) {
                    for (int s = 0; s < SERVICES.length; s++) {
                        long hour = second / 3600;
                        if (hour > 0) {
                            task(line, SERVICES[s], hour - 1, "STOPPED", now + 500);
                            out.append(line).append('\n');
                            lines++;
                        }
                        task(line, SERVICES[s], hour, "RUNNING", now);
                        out.append(line).append('\n');
                        lines++;
                    }
                }
                if (second % 600 == 0) {
                    for (int e = 0; e < ENDPOINTS.length; e++) {
                        boolean scaling = second % 3600 == 1800;
                        endpoint(line, e, scaling ? "Updating" : "InService", scaling ? 2 : 1, now);
                        out.append(line).append('\n');
                        lines++;
                        if (scaling) {
                            endpoint(line, e, "InService", 2, now + 90_000);
                            out.append(line).append('\n');
                            lines++;
                        }
                    }
                }
                for (int n = 0; n < perSecond; n++, id++) {
                    long ts = now + (long) n * 1000 / perSecond - random.nextInt(5_000);
                    int dice = random.nextInt(10_000);
                    if (dice < 50) {
                        ts -= 60_000 + random.nextInt(180_000);
                    } else if (dice < 52) {
                        ts -= 3_600_000;
                    }
                    line.setLength(0);
                    if (dice >= 100 && dice < 200) {
                        line.append("{\"event_id\":\"fb-").append(id).append("\",\"type\":\"feedback\",\"ts\":").append(ts)
                                .append(",\"request_id\":\"r-").append(Math.max(0, id - 100)).append("\",\"verdict\":\"")
                                .append(random.nextInt(10) == 0 ? "incorrect" : "correct").append("\"}");
                    } else if (dice >= 200 && dice < 220 && id > 0) {
                        inference(line, id - 1, ts, random); // a producer retry of the previous id
                    } else {
                        inference(line, id, ts, random);
                    }
                    out.append(line).append('\n');
                    lines++;
                }
            }
        }
        return lines;
    }

    private static void task(StringBuilder b, String service, long generation, String state, long ts) {
        b.setLength(0);
        b.append("{\"event_id\":\"task-").append(service).append('-').append(generation).append('-').append(state)
                .append("\",\"type\":\"task\",\"ts\":").append(ts).append(",\"task_id\":\"arn:aws:ecs:us-east-1:000000000000:task/kpi/")
                .append(service).append('-').append(generation).append("\",\"service\":\"").append(service)
                .append("\",\"state\":\"").append(state).append("\",\"vcpu\":1,\"memory_gb\":2}");
    }

    private static void endpoint(StringBuilder b, int endpoint, String state, int instances, long ts) {
        b.setLength(0);
        b.append("{\"event_id\":\"ep-").append(endpoint).append('-').append(ts).append('-').append(state)
                .append("\",\"type\":\"endpoint\",\"ts\":").append(ts).append(",\"endpoint\":\"").append(ENDPOINTS[endpoint])
                .append("\",\"model\":\"").append(MODELS[endpoint % MODELS.length]).append("\",\"state\":\"").append(state)
                .append("\",\"instance_type\":\"ml.g5.xlarge\",\"instance_count\":").append(instances).append('}');
    }

    /** Appends one inference event (id ev-ID, stamped ts in epoch millis) to {@code b}. */
    static void inference(StringBuilder b, int id, long ts, Random random) {
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
