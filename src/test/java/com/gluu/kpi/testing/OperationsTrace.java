package com.gluu.kpi.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A seeded three-hour event file for the accuracy, cost and endpoint-health KPIs, and what the
 * test knows about every event. Every event is valid and within the allowed disorder, so all of
 * them count; what varies is what the KPIs must make of them:
 *
 * <ul>
 *   <li>inferences of two services on {@code blip2@blip2-endpoint} and {@code gemini-1.5-flash}
 *       without an endpoint, with tokens of gpt-4o, gemini-1.5-flash or an unpriced LLM;
 *   <li>feedback soon after its inference, hours after it (within and beyond the horizon),
 *       ahead of it (within and beyond the wait), and for requests that never existed;
 *   <li>{@code blip2-endpoint}: Creating, InService, a scale-out (Updating → InService), a
 *       failure and restart, an OutOfService spell and a second restart; {@code llava-endpoint}
 *       billed without a single request, then Deleted; a canary on an unpriced instance type;
 *   <li>ECS tasks started and stopped, one of a service that has no requests at all.
 * </ul>
 *
 * <p>{@link #withTenants} makes the same trace with calling tenants: each inference gets a
 * {@code client_id} (or none), a status and images, and some arrive minutes late (within the
 * allowed lateness), all drawn from a second random sequence, so every other event and value is
 * the one {@link #generate} makes.
 */
public final class OperationsTrace {
    public static final long MINUTE = 60_000L;
    public static final long HOUR = 60 * MINUTE;

    /** Prices the test writes to its own pricing file (USD). */
    public static final String PRICING_YAML = String.join("\n",
            "llm:",
            "  gpt-4o: {input: 2.50, output: 10.00}",
            "  gemini-1.5-flash: {input: 0.075, output: 0.30}",
            "sagemaker:",
            "  ml.g5.xlarge: 1.408",
            "  ml.g5.2xlarge: 1.515",
            "fargate:",
            "  vcpu_hour: 0.04048",
            "  memory_gb_hour: 0.004445",
            "");
    public static final double VCPU_HOUR = 0.04048;
    public static final double GB_HOUR = 0.004445;

    public static double instanceHourUsd(String type) {
        switch (type) {
            case "ml.g5.xlarge":
                return 1.408;
            case "ml.g5.2xlarge":
                return 1.515;
            default:
                return 0; // unpriced
        }
    }

    /** USD per token: {input, output}, or null when unpriced. */
    public static double[] llmUsdPerToken(String llmModel) {
        switch (llmModel) {
            case "gpt-4o":
                return new double[] {2.50 / 1e6, 10.00 / 1e6};
            case "gemini-1.5-flash":
                return new double[] {0.075 / 1e6, 0.30 / 1e6};
            default:
                return null;
        }
    }

    public static final class Inference {
        public String requestId;
        public long ts;
        public String service;
        public String model;
        public String modelVersion;
        public String endpoint;
        public String llmModel;
        public long promptTokens;
        public long completionTokens;
        /** {@code ""} when the event has none (always, without tenants). */
        public String clientId = "";
        /** {@code ok} (always, without tenants), {@code client_error} or {@code error}. */
        public String status = "ok";
        public int images;
    }

    public static final class Feedback {
        public String requestId;
        public long ts;
        public String verdict;
        /** null when the event gives none. */
        public Double score;
    }

    public static final class EndpointChange {
        public String endpoint;
        public String model;
        public long ts;
        public String state;
        public String instanceType;
        public int instanceCount;
    }

    public static final class TaskChange {
        public String taskId;
        public String service;
        public long ts;
        public String state;
        public double vcpu;
        public double memoryGb;
    }

    public final long start;
    public final List<Inference> inferences = new ArrayList<>();
    public final List<Feedback> feedback = new ArrayList<>();
    public final List<EndpointChange> endpointChanges = new ArrayList<>();
    public final List<TaskChange> taskChanges = new ArrayList<>();
    /** File lines: ts and JSON, in file order. */
    private final List<long[]> order = new ArrayList<>();
    private final List<String> json = new ArrayList<>();
    private final Random random;
    /** The tenants' draws (null without tenants), apart so that the rest of the trace stays as it is. */
    private final Random tenantRandom;
    private final String[] clients;
    private int nextId;

    private OperationsTrace(long seed, long start, String[] clients) {
        this.random = new Random(seed);
        this.start = start;
        this.clients = clients;
        this.tenantRandom = clients == null ? null : new Random(~seed);
    }

    public static OperationsTrace generate(long seed, Instant start, int inferenceCount) {
        return generate(new OperationsTrace(seed, start.toEpochMilli(), null), inferenceCount);
    }

    /**
     * {@link #generate}'s trace with tenants: each inference's {@code client_id} is one of
     * {@code clients} at random ({@code ""}: the event has none), its status {@code ok} (85 %),
     * {@code client_error} (7 %) or {@code error} (8 %), 0–3 images, and one in 25 arrives 1–4
     * minutes after its time (late, within the allowed lateness).
     */
    public static OperationsTrace withTenants(long seed, Instant start, int inferenceCount, String... clients) {
        return generate(new OperationsTrace(seed, start.toEpochMilli(), clients.clone()), inferenceCount);
    }

    private static OperationsTrace generate(OperationsTrace t, int inferenceCount) {
        t.endpoints();
        t.tasks();
        long span = 3 * HOUR - 10 * MINUTE;
        for (int i = 0; i < inferenceCount; i++) {
            Inference inf = t.inference(t.start + 5 * MINUTE + (long) (t.random.nextDouble() * span));
            t.maybeFeedback(inf);
        }
        for (int i = 0; i < 10; i++) { // verdicts on requests that never existed
            t.feedback("r-unknown-" + i, t.start + (long) (t.random.nextDouble() * 3 * HOUR));
        }
        return t;
    }

    /** The latest event time in the file: where accrual stops at the end of the input. */
    public long maxTs() {
        return order.stream().mapToLong(o -> o[0]).max().orElseThrow();
    }

    public int lineCount() {
        return json.size();
    }

    /**
     * Writes the events sorted by arrival: each event arrives up to 15 s after its ts, so the
     * file has disorder but nothing falls outside the 30 s bound.
     */
    public void writeTo(Path file) throws IOException {
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < json.size(); i++) {
            indexes.add(i);
        }
        indexes.sort(Comparator.comparingLong(i -> order.get(i)[1]));
        StringBuilder out = new StringBuilder();
        for (int i : indexes) {
            out.append(json.get(i)).append('\n');
        }
        Files.writeString(file, out, StandardCharsets.UTF_8);
    }

    private void line(long ts, String body) {
        line(ts, body, false);
    }

    private void line(long ts, String body, boolean late) {
        long arrival = ts + random.nextInt(15_000);
        if (late) {
            arrival = ts + MINUTE + tenantRandom.nextInt((int) (3 * MINUTE));
        }
        order.add(new long[] {ts, arrival});
        json.add(body);
    }

    private String id() {
        return "ops-" + (nextId++);
    }

    private void endpoints() {
        long s = start;
        change("blip2-endpoint", "blip2", s + 30_000, "Creating", "ml.g5.xlarge", 1);
        change("blip2-endpoint", "blip2", s + 5 * MINUTE + 10_000, "InService", "ml.g5.xlarge", 1);
        change("blip2-endpoint", "blip2", s + 40 * MINUTE, "Updating", "ml.g5.xlarge", 2); // scale-out
        change("blip2-endpoint", "blip2", s + 45 * MINUTE + 30_000, "InService", "ml.g5.xlarge", 2);
        change("blip2-endpoint", "blip2", s + 70 * MINUTE + 15_000, "Failed", "ml.g5.xlarge", 2);
        change("blip2-endpoint", "blip2", s + 74 * MINUTE + 45_000, "InService", "ml.g5.xlarge", 2); // restart
        change("blip2-endpoint", "blip2", s + 140 * MINUTE + 7_000, "OutOfService", "ml.g5.xlarge", 2);
        change("blip2-endpoint", "blip2", s + 145 * MINUTE + 2_500, "InService", "ml.g5.xlarge", 2); // restart
        // Billed all along and never called: what shutting it down would save.
        change("llava-endpoint", "llava", s + 2 * MINUTE + 1_234, "InService", "ml.g5.2xlarge", 1);
        change("llava-endpoint", "llava", s + 120 * MINUTE + 500, "Deleted", "ml.g5.2xlarge", 1);
        // An instance type missing from the price table: billed time, zero cost.
        change("canary-endpoint", "blip2", s + 60 * MINUTE + 20_000, "InService", "ml.p9.mega", 1);
    }

    private void change(String endpoint, String model, long ts, String state, String type, int count) {
        EndpointChange c = new EndpointChange();
        c.endpoint = endpoint;
        c.model = model;
        c.ts = ts;
        c.state = state;
        c.instanceType = type;
        c.instanceCount = count;
        endpointChanges.add(c);
        line(ts, String.format(Locale.ROOT,
                "{\"event_id\":\"%s\",\"type\":\"endpoint\",\"ts\":\"%s\",\"endpoint\":\"%s\",\"model\":\"%s\","
                        + "\"state\":\"%s\",\"instance_type\":\"%s\",\"instance_count\":%d}",
                id(), Instant.ofEpochMilli(ts), endpoint, model, state, type, count));
    }

    private void tasks() {
        long s = start;
        task("t-analyze-1", "analyze-api", s, "RUNNING", 1, 2);
        task("t-analyze-1", "analyze-api", s + 120 * MINUTE, "STOPPED", 1, 2);
        task("t-analyze-2", "analyze-api", s + 30 * MINUTE + 5_000, "RUNNING", 0.5, 1);
        task("t-annotate-1", "annotate-worker", s + 10 * MINUTE, "RUNNING", 0.25, 0.5);
        // A service with tasks but no requests: its cost cannot be split over any row.
        task("t-batch-1", "batch-worker", s + 60 * MINUTE, "RUNNING", 2, 4);
        task("t-batch-1", "batch-worker", s + 90 * MINUTE + 30_000, "STOPPED", 2, 4);
    }

    private void task(String taskId, String service, long ts, String state, double vcpu, double memoryGb) {
        TaskChange c = new TaskChange();
        c.taskId = taskId;
        c.service = service;
        c.ts = ts;
        c.state = state;
        c.vcpu = vcpu;
        c.memoryGb = memoryGb;
        taskChanges.add(c);
        line(ts, String.format(Locale.ROOT,
                "{\"event_id\":\"%s\",\"type\":\"task\",\"ts\":%d,\"task_id\":\"%s\",\"service\":\"%s\","
                        + "\"state\":\"%s\",\"vcpu\":%s,\"memory_gb\":%s}",
                id(), ts, taskId, service, state, vcpu, memoryGb));
    }

    private Inference inference(long ts) {
        Inference inf = new Inference();
        inf.requestId = "r-" + id();
        inf.ts = ts;
        inf.service = random.nextInt(4) == 0 ? "annotate-worker" : "analyze-api";
        if (random.nextInt(5) == 0) {
            inf.model = "gemini-1.5-flash";
            inf.endpoint = "";
            inf.modelVersion = "";
        } else {
            inf.model = "blip2";
            inf.endpoint = "blip2-endpoint";
            inf.modelVersion = random.nextBoolean() ? "v1" : "v2";
        }
        int llm = random.nextInt(20);
        inf.llmModel = llm == 0 ? "mystery-llm" : llm < 15 ? "gpt-4o" : "gemini-1.5-flash";
        inf.promptTokens = random.nextInt(6) == 0 ? 0 : 100 + random.nextInt(5_000);
        inf.completionTokens = inf.promptTokens == 0 ? 0 : 5 + random.nextInt(400);
        boolean late = false;
        if (tenantRandom != null) {
            inf.clientId = clients[tenantRandom.nextInt(clients.length)];
            int s = tenantRandom.nextInt(100);
            inf.status = s < 85 ? "ok" : s < 92 ? "client_error" : "error";
            inf.images = tenantRandom.nextInt(4);
            late = tenantRandom.nextInt(25) == 0;
        }
        inferences.add(inf);
        StringBuilder b = new StringBuilder();
        b.append("{\"event_id\":\"").append(id()).append("\",\"type\":\"inference\",\"ts\":").append(ts)
                .append(",\"request_id\":\"").append(inf.requestId)
                .append("\",\"service\":\"").append(inf.service)
                .append("\",\"model\":\"").append(inf.model).append('"');
        if (!inf.modelVersion.isEmpty()) {
            b.append(",\"model_version\":\"").append(inf.modelVersion).append('"');
        }
        if (!inf.endpoint.isEmpty()) {
            b.append(",\"endpoint\":\"").append(inf.endpoint).append('"');
        }
        if (!inf.clientId.isEmpty()) {
            b.append(",\"client_id\":\"").append(inf.clientId).append('"');
        }
        if (inf.images > 0) {
            b.append(",\"images\":").append(inf.images);
        }
        b.append(",\"status\":\"").append(inf.status).append("\",\"latency_ms\":{\"total\":1234.5}");
        if (inf.promptTokens > 0) {
            b.append(",\"llm\":{\"model\":\"").append(inf.llmModel).append("\",\"prompt_tokens\":").append(inf.promptTokens)
                    .append(",\"completion_tokens\":").append(inf.completionTokens).append('}');
        }
        b.append('}');
        line(ts, b.toString(), late);
        return inf;
    }

    private void maybeFeedback(Inference inf) {
        int dice = random.nextInt(100);
        long ts;
        if (dice < 10) {
            ts = inf.ts + 1_000 + random.nextInt((int) (30 * MINUTE)); // soon after
        } else if (dice < 12) {
            ts = inf.ts + HOUR + random.nextInt((int) (50 * MINUTE)); // an hour or more later, within a 2 h horizon
        } else if (dice < 14) {
            ts = inf.ts + 2 * HOUR + 10 * MINUTE + random.nextInt((int) (20 * MINUTE)); // beyond a 2 h horizon
        } else if (dice < 16) {
            ts = inf.ts - 10_000 - random.nextInt((int) (9 * MINUTE)); // overtook its inference, within the wait
        } else if (dice < 17) {
            ts = inf.ts - 15 * MINUTE - random.nextInt((int) (5 * MINUTE)); // too far ahead: never matched
        } else {
            return;
        }
        if (ts < start || ts > start + 3 * HOUR) {
            return;
        }
        feedback(inf.requestId, ts);
    }

    private void feedback(String requestId, long ts) {
        Feedback f = new Feedback();
        f.requestId = requestId;
        f.ts = ts;
        int v = random.nextInt(3);
        f.verdict = v == 0 ? "correct" : v == 1 ? "partial" : "incorrect";
        f.score = random.nextInt(3) == 0 ? random.nextInt(101) / 100.0 : null;
        feedback.add(f);
        line(ts, "{\"event_id\":\"" + id() + "\",\"type\":\"feedback\",\"ts\":" + ts + ",\"request_id\":\"" + requestId
                + "\",\"verdict\":\"" + f.verdict + "\"" + (f.score == null ? "" : ",\"score\":" + f.score)
                + ",\"source\":\"reviewer\"}");
    }
}
