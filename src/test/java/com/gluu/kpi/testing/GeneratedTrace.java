package com.gluu.kpi.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A seeded multi-hour event file for pipeline tests, and what the test knows about each line:
 * the inference it carries (if valid) or the dead-letter reason it must get. Late, duplicate and
 * bad records of every kind are mixed in. The expected KPIs are then computed from this record
 * by {@link ExpectedKpis}, independently of the pipeline's code.
 */
public final class GeneratedTrace {
    /** One line of the file. */
    public static final class Line {
        public final int number;
        public final byte[] bytes;
        /** The reason the parser must give, or null for a well-formed event. */
        public final String badReason;
        public final String eventId;
        public final long ts;
        /** Non-null for a well-formed inference. */
        public final Inference inference;

        Line(int number, byte[] bytes, String badReason, String eventId, long ts, Inference inference) {
            this.number = number;
            this.bytes = bytes;
            this.badReason = badReason;
            this.eventId = eventId;
            this.ts = ts;
            this.inference = inference;
        }
    }

    /** The fields of an inference that the latency and traffic KPIs use. */
    public static final class Inference {
        public String service;
        public String route;
        public String model;
        public String endpoint;
        public String status;
        public boolean async;
        public int images;
        public double total;
        public Double modelMs;
        public Double llmMs;
    }

    private static final String[] SERVICES = {"analyze-api", "annotate-worker", "thumbnail-worker"};
    private static final String[] ROUTES = {"/analyze", "/annotate", ""};
    private static final String[] MODELS = {"blip2", "llava"};
    private static final String[] ENDPOINTS = {"blip2-endpoint", "llava-endpoint", ""};

    public final List<Line> lines = new ArrayList<>();
    private final Random random;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int nextId;

    private GeneratedTrace(long seed) {
        this.random = new Random(seed);
    }

    /**
     * About {@code inferences} inferences spread over {@code hours} from {@code start}, in
     * arrival order with up to 20 s of disorder, plus extras at fixed shares.
     */
    public static GeneratedTrace generate(long seed, Instant start, int hours, int inferences) {
        GeneratedTrace trace = new GeneratedTrace(seed);
        long t0 = start.toEpochMilli();
        long span = hours * 3_600_000L;
        long step = span / inferences;
        List<Line> recent = new ArrayList<>();
        for (int i = 0; i < inferences; i++) {
            long clock = t0 + i * step;
            long ts = clock - trace.random.nextInt(20_000); // disorder within the 30 s bound
            recent.add(trace.inference(ts));
            if (recent.size() > 50) {
                recent.remove(0);
            }
            int dice = trace.random.nextInt(1000);
            if (dice < 10) { // a producer retry: the same bytes again, seconds later
                Line original = recent.get(trace.random.nextInt(recent.size()));
                if (original.inference != null) {
                    trace.repeat(original);
                }
            } else if (dice < 18) { // late, within the allowed lateness
                trace.inference(clock - 60_000 - trace.random.nextInt(200_000));
            } else if (dice < 21) { // far beyond the allowed lateness
                trace.inference(clock - 20 * 60_000L);
            } else if (dice < 35) {
                trace.bad(clock);
            } else if (dice < 45) {
                trace.otherType(clock);
            }
        }
        return trace;
    }

    public void writeTo(Path file) throws IOException {
        Files.write(file, out.toByteArray());
    }

    private Line add(byte[] bytes, String badReason, String eventId, long ts, Inference inference) {
        Line line = new Line(lines.size() + 1, bytes, badReason, eventId, ts, inference);
        lines.add(line);
        out.writeBytes(bytes);
        out.write('\n');
        return line;
    }

    private String newId() {
        return "gen-" + (nextId++);
    }

    /** Alternates the three timestamp forms SPEC allows. */
    private String tsJson(long ts) {
        switch (random.nextInt(3)) {
            case 0:
                return Long.toString(ts);
            case 1:
                return "\"" + Instant.ofEpochMilli(ts) + "\"";
            default:
                return "\"" + OffsetDateTime.ofInstant(Instant.ofEpochMilli(ts), ZoneOffset.ofHours(2)) + "\"";
        }
    }

    private Line inference(long ts) {
        Inference inf = new Inference();
        inf.service = SERVICES[random.nextInt(SERVICES.length)];
        inf.route = ROUTES[random.nextInt(ROUTES.length)];
        inf.model = MODELS[random.nextInt(MODELS.length)];
        inf.endpoint = ENDPOINTS[random.nextInt(ENDPOINTS.length)];
        int s = random.nextInt(100);
        inf.status = s < 90 ? "ok" : s < 95 ? "client_error" : "error";
        inf.async = random.nextInt(5) == 0;
        inf.images = random.nextInt(4);
        inf.modelMs = random.nextInt(10) == 0 ? null : Math.exp(7 + random.nextGaussian() * 0.6);
        inf.llmMs = random.nextInt(4) == 0 ? null : Math.round(300 + random.nextDouble() * 3000) * 1.0;
        inf.total = (inf.modelMs == null ? 0 : inf.modelMs) + (inf.llmMs == null ? 0 : inf.llmMs) + random.nextInt(80);
        String id = newId();
        StringBuilder json = new StringBuilder();
        json.append("{\"event_id\":\"").append(id).append("\",\"type\":\"inference\",\"ts\":").append(tsJson(ts))
                .append(",\"request_id\":\"r-").append(id).append("\",\"service\":\"").append(inf.service).append('"');
        if (!inf.route.isEmpty()) {
            json.append(",\"route\":\"").append(inf.route).append('"');
        }
        json.append(",\"model\":\"").append(inf.model).append('"');
        if (!inf.endpoint.isEmpty()) {
            json.append(",\"endpoint\":\"").append(inf.endpoint).append('"');
        }
        if (inf.async) {
            json.append(",\"mode\":\"async\"");
        } else if (random.nextBoolean()) {
            json.append(",\"mode\":\"sync\"");
        }
        json.append(",\"status\":\"").append(inf.status).append('"');
        json.append(",\"latency_ms\":{\"total\":").append(num(inf.total));
        if (inf.modelMs != null) {
            json.append(",\"model\":").append(num(inf.modelMs));
        }
        if (inf.llmMs != null) {
            json.append(",\"llm\":").append(num(inf.llmMs));
        }
        json.append('}');
        if (inf.images > 0 || random.nextBoolean()) {
            json.append(",\"images\":").append(inf.images);
        }
        json.append(",\"extra_field\":{\"ignored\":true}}");
        return add(json.toString().getBytes(StandardCharsets.UTF_8), null, id, ts, inf);
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private void repeat(Line original) {
        add(original.bytes, null, original.eventId, original.ts, original.inference);
    }

    private void otherType(long ts) {
        String id = newId();
        String json;
        switch (random.nextInt(3)) {
            case 0:
                json = "{\"event_id\":\"" + id + "\",\"type\":\"feedback\",\"ts\":" + tsJson(ts)
                        + ",\"request_id\":\"r-x\",\"verdict\":\"partial\"}";
                break;
            case 1:
                json = "{\"event_id\":\"" + id + "\",\"type\":\"endpoint\",\"ts\":" + tsJson(ts)
                        + ",\"endpoint\":\"blip2-endpoint\",\"model\":\"blip2\",\"state\":\"InService\",\"instance_count\":1}";
                break;
            default:
                json = "{\"event_id\":\"" + id + "\",\"type\":\"task\",\"ts\":" + tsJson(ts)
                        + ",\"task_id\":\"t-1\",\"service\":\"analyze-api\",\"state\":\"RUNNING\",\"vcpu\":1,\"memory_gb\":2}";
        }
        add(json.getBytes(StandardCharsets.UTF_8), null, id, ts, null);
    }

    /** One bad record of a kind chosen at random, with the reason SPEC gives it. */
    private void bad(long ts) {
        String id = newId();
        String head = "{\"event_id\":\"" + id + "\",\"ts\":" + ts + ",";
        String inferenceBody = "\"request_id\":\"r\",\"service\":\"s\",\"model\":\"m\",\"status\":\"ok\"";
        Map<String, String> kinds = new LinkedHashMap<>();
        kinds.put("malformed_json", "{\"event_id\":\"" + id + "\",\"type\":\"inference\"");
        kinds.put("malformed_json ", "[1,2,3]");
        kinds.put("missing_field", head + "\"type\":\"inference\"," + inferenceBody + "}");
        kinds.put("wrong_type", head + "\"type\":\"inference\"," + inferenceBody + ",\"latency_ms\":{\"total\":\"fast\"}}");
        kinds.put("bad_value", head + "\"type\":\"inference\"," + inferenceBody + ",\"latency_ms\":{\"total\":-3}}");
        kinds.put("bad_value ", head + "\"type\":\"feedback\",\"request_id\":\"r\",\"verdict\":\"great\"}");
        kinds.put("bad_value  ", "{\"event_id\":\"" + id + "\",\"type\":\"inference\",\"ts\":\"yesterday\"," + inferenceBody
                + ",\"latency_ms\":{\"total\":3}}");
        kinds.put("bad_value   ", "{\"event_id\":\"" + id + "\",\"type\":\"inference\",\"ts\":"
                + (System.currentTimeMillis() + 3 * 86_400_000L) + "," + inferenceBody + ",\"latency_ms\":{\"total\":3}}");
        kinds.put("unknown_type", head + "\"type\":\"weather\"}");
        kinds.put("invalid_utf8", null);
        kinds.put("too_large", null);
        List<String> names = new ArrayList<>(kinds.keySet());
        String kind = names.get(random.nextInt(names.size()));
        byte[] bytes;
        if (kind.equals("invalid_utf8")) {
            byte[] prefix = (head + "\"type\":\"inference\",\"service\":\"").getBytes(StandardCharsets.UTF_8);
            bytes = new byte[prefix.length + 3];
            System.arraycopy(prefix, 0, bytes, 0, prefix.length);
            bytes[prefix.length] = (byte) 0xC3; // a lead byte followed by a non-continuation byte
            bytes[prefix.length + 1] = (byte) 0x28;
            bytes[prefix.length + 2] = '}';
        } else if (kind.equals("too_large")) {
            String filler = "x".repeat(1024 * 1024 + 10);
            bytes = (head + "\"type\":\"inference\",\"pad\":\"" + filler + "\"}").getBytes(StandardCharsets.UTF_8);
        } else {
            bytes = kinds.get(kind).getBytes(StandardCharsets.UTF_8);
        }
        add(bytes, kind.trim(), id, ts, null);
    }
}
