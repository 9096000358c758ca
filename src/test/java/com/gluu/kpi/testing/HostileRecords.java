package com.gluu.kpi.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Records a hostile or broken producer sends (issue 11), each with the dead-letter reason the
 * contract gives it (SPEC §2 "Limits", "Bad input"; §3) and, for {@code bad_value}, the field its
 * detail must name. Built from a seed around the time range of an ordinary trace, so they can be
 * interleaved into it: none of them may change a single ordinary row.
 */
public final class HostileRecords {
    /** One hostile line: its bytes, the reason it must be dead-lettered with, the field the detail names. */
    public static final class Hostile {
        public final String kind;
        public final byte[] line;
        public final String reason;
        /** A text the dead letter's detail must contain (the field), or null. */
        public final String detailNames;
        /** Where it must stand: FIRST (the stream's first record), EARLY (first half), ANY. */
        public final Place place;

        Hostile(String kind, byte[] line, String reason, String detailNames, Place place) {
            this.kind = kind;
            this.line = line;
            this.reason = reason;
            this.detailNames = detailNames;
            this.place = place;
        }

        @Override
        public String toString() {
            return kind + " -> " + reason;
        }
    }

    public enum Place { FIRST, EARLY, AFTER_START, ANY }

    private static final String NUL = "\\u0000";
    private static final String LONE_HIGH = "\\ud800";
    private static final String LONE_LOW = "\\udc00";

    private final Random random;
    private final long start;
    private final long maxTs;
    private final int ordinaryIds;
    private final List<Hostile> all = new ArrayList<>();
    private int next;

    private HostileRecords(long seed, long start, long maxTs, int ordinaryIds) {
        this.random = new Random(seed);
        this.start = start;
        this.maxTs = maxTs;
        this.ordinaryIds = ordinaryIds;
    }

    /**
     * Every kind of hostile record, a few variants each. {@code start} and {@code maxTs} bound the
     * ordinary trace's event time; {@code ordinaryIds} of its event ids are {@code ops-0 …}, which
     * some hostile records reuse (a rejected record must not make an ordinary one a duplicate).
     */
    public static List<Hostile> generate(long seed, long start, long maxTs, int ordinaryIds) {
        HostileRecords h = new HostileRecords(seed, start, maxTs, ordinaryIds);
        h.badText();
        h.tooLong();
        h.outOfRange();
        h.badTime();
        h.broken();
        return h.all;
    }

    private void badText() {
        for (String bad : List.of(NUL, LONE_HIGH, LONE_LOW, "x" + LONE_HIGH + "y", LONE_LOW + LONE_HIGH)) {
            for (String field : List.of("service", "route", "model_version", "endpoint", "client_id", "error_type")) {
                add("text " + field, inference(Map.of(field, str("analyze" + bad + "api"))), "bad_value", field, Place.ANY);
            }
            add("text event_id", inference(Map.of("event_id", str("e" + bad))), "bad_value", "event_id", Place.ANY);
            add("text feedback request_id", feedback(Map.of("request_id", str("r-ops-1" + bad))), "bad_value",
                    "request_id", Place.ANY);
            add("text llm.model", inference(Map.of("llm", "{\"model\":" + str("gpt" + bad) + ",\"prompt_tokens\":10}")),
                    "bad_value", "llm.model", Place.ANY);
            add("text in a field name", inference(Map.of("extra" + bad, str("x"))), "bad_value", null, Place.ANY);
            add("text in an ignored nested field", inference(Map.of("meta", "{\"note\":" + str(bad) + "}")), "bad_value",
                    null, Place.ANY);
            add("text inside an array", inference(Map.of("tags", "[\"a\"," + str(bad) + "]")), "bad_value", null,
                    Place.ANY);
            add("text endpoint event", endpoint(Map.of("endpoint", str("blip2-endpoint" + bad))), "bad_value",
                    "endpoint", Place.ANY);
            add("text task service", task(Map.of("service", str("analyze-api" + bad))), "bad_value", "service",
                    Place.ANY);
        }
    }

    private void tooLong() {
        add("route 2,700 chars", inference(Map.of("route", str("/" + "r".repeat(2_699)))), "bad_value", "route", Place.ANY);
        add("model 3,000 chars", inference(Map.of("model", str("m".repeat(3_000)))), "bad_value", "model", Place.ANY);
        add("request_id 3,000 chars", inference(Map.of("request_id", str("r".repeat(3_000)))), "bad_value", "request_id",
                Place.ANY);
        add("feedback request_id 257 chars", feedback(Map.of("request_id", str("r".repeat(257)))), "bad_value",
                "request_id", Place.ANY);
        add("service 257 emoji", inference(Map.of("service", str("\\ud83d\\ude00".repeat(257)))), "bad_value",
                "service", Place.ANY);
        add("client_id 257 chars", inference(Map.of("client_id", str("c".repeat(257)))), "bad_value", "client_id",
                Place.ANY);
        add("instance_type 300 chars", endpoint(Map.of("instance_type", str("ml." + "g".repeat(297)))), "bad_value",
                "instance_type", Place.ANY);
        add("task_id 1,000 chars", task(Map.of("task_id", str("t".repeat(1_000)))), "bad_value", "task_id", Place.ANY);
        add("event_id 129 chars", inference(Map.of("event_id", str("e".repeat(129)))), "bad_value", "event_id",
                Place.ANY);
    }

    private void outOfRange() {
        add("latency 1e308", inference(Map.of("latency_ms", "{\"total\":1e308}")), "bad_value", "latency_ms.total",
                Place.ANY);
        add("latency one day + 1 ms", inference(Map.of("latency_ms", "{\"total\":86400001}")), "bad_value",
                "latency_ms.total", Place.ANY);
        add("model latency 1e12", inference(Map.of("latency_ms", "{\"total\":10,\"model\":1e12}")), "bad_value",
                "latency_ms.model", Place.ANY);
        add("llm latency 9e15", inference(Map.of("latency_ms", "{\"total\":10,\"llm\":9e15}")), "bad_value",
                "latency_ms.llm", Place.ANY);
        add("completion tokens 1e12", inference(Map.of("llm",
                "{\"model\":\"gpt-4o\",\"prompt_tokens\":10,\"completion_tokens\":1000000000000}")), "bad_value",
                "completion_tokens", Place.ANY);
        add("prompt tokens 100,000,001", inference(Map.of("llm", "{\"model\":\"gpt-4o\",\"prompt_tokens\":100000001}")),
                "bad_value", "prompt_tokens", Place.ANY);
        add("images 100,001", inference(Map.of("images", "100001")), "bad_value", "images", Place.ANY);
        add("images 2^40", inference(Map.of("images", "1099511627776")), "bad_value", "images", Place.ANY);
        add("instance_count 10,001", endpoint(Map.of("instance_count", "10001")), "bad_value", "instance_count",
                Place.ANY);
        add("instance_count 2^62", endpoint(Map.of("instance_count", "4611686018427387904")), "bad_value",
                "instance_count", Place.ANY);
        add("negative latency", inference(Map.of("latency_ms", "{\"total\":-5}")), "bad_value", "latency_ms.total",
                Place.ANY);
        add("latency 1e400", inference(Map.of("latency_ms", "{\"total\":1e400}")), "bad_value", "latency_ms.total",
                Place.ANY);
        add("score 2", feedback(Map.of("score", "2")), "bad_value", "score", Place.ANY);
        add("verdict maybe", feedback(Map.of("verdict", str("maybe"))), "bad_value", "verdict", Place.ANY);
        add("tokens 2^70", inference(Map.of("llm", "{\"model\":\"gpt-4o\",\"prompt_tokens\":1180591620717411303424}")),
                "bad_value", "prompt_tokens", Place.ANY);
    }

    private void badTime() {
        add("ts year 0000", inference(Map.of("ts", str("0000-01-01T00:00:00Z"))), "bad_value", "ts", Place.ANY);
        add("ts 1999-12-31T23:59:59.999Z", inference(Map.of("ts", str("1999-12-31T23:59:59.999Z"))), "bad_value", "ts",
                Place.ANY);
        add("ts epoch millis 0", inference(Map.of("ts", "0")), "bad_value", "ts", Place.ANY);
        add("ts epoch millis in year 10000", inference(Map.of("ts", "253402300800000")), "bad_value", "ts", Place.ANY);
        add("ts epoch millis Long.MIN_VALUE", inference(Map.of("ts", Long.toString(Long.MIN_VALUE))), "bad_value", "ts",
                Place.ANY);
        add("ts far future (2031)", inference(Map.of("ts", str("2031-06-01T00:00:00Z"))), "bad_value", "ts", Place.ANY);
        // Hours ahead of their neighbours (a producer with a wrong clock), never reached by event time.
        add("first record 5 h ahead", inference(Map.of("ts", Long.toString(maxTs + 5 * 3_600_000L))), "bad_value", "ts",
                Place.FIRST);
        for (int i = 0; i < 3; i++) {
            add("record 3 h ahead", inference(Map.of("ts", Long.toString(maxTs + 3 * 3_600_000L + i * 1_000))),
                    "bad_value", "ts", Place.EARLY);
        }
        add("record 20 h ahead", feedback(Map.of("ts", Long.toString(maxTs + 20 * 3_600_000L))), "bad_value", "ts",
                Place.EARLY);
        for (int i = 0; i < 4; i++) {
            add("record a day behind", inference(Map.of("ts", Long.toString(start - 24 * 3_600_000L + i))), "too_late",
                    null, Place.AFTER_START);
        }
        add("ts a float", inference(Map.of("ts", "1763758800000.5")), "wrong_type", null, Place.ANY);
        add("ts not a time", inference(Map.of("ts", str("yesterday"))), "bad_value", "ts", Place.ANY);
    }

    private void broken() {
        add("truncated JSON", bytes("{\"event_id\":\"h-x\",\"type\":\"inference\",\"ts\":"), "malformed_json", null,
                Place.ANY);
        add("JSON array", bytes("[1,2,3]"), "malformed_json", null, Place.ANY);
        add("JSON string", bytes("\"inference\""), "malformed_json", null, Place.ANY);
        add("trailing garbage", concat(inference(Map.of()), bytes(" }{")), "malformed_json", null, Place.ANY);
        add("NaN literal", inference(Map.of("latency_ms", "{\"total\":NaN}")), "malformed_json", null, Place.ANY);
        add("nesting 5,000 deep", bytes("{\"a\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}"), "malformed_json",
                null, Place.ANY);
        add("number of 5,000 digits", inference(Map.of("images", "9".repeat(5_000))), "malformed_json", null,
                Place.ANY);
        add("invalid UTF-8", concat(bytes("{\"event_id\":\"h-u\",\"service\":\""), new byte[] {(byte) 0xC3, 0x28},
                bytes("\"}")), "invalid_utf8", null, Place.ANY);
        add("UTF-8 encoded surrogate (CESU)", concat(bytes("{\"event_id\":\"h-c\",\"service\":\""),
                new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, bytes("\"}")), "invalid_utf8", null, Place.ANY);
        add("overlong UTF-8", concat(bytes("{\"s\":\""), new byte[] {(byte) 0xC0, (byte) 0xAF}, bytes("\"}")),
                "invalid_utf8", null, Place.ANY);
        add("raw NUL byte in a string", concat(bytes("{\"event_id\":\"h-n\",\"service\":\"a"), new byte[] {0},
                bytes("b\"}")), "malformed_json", null, Place.ANY);
        add("1.5 MiB record", inference(Map.of("pad", str("p".repeat(1_536 * 1024)))), "too_large", null, Place.ANY);
        add("no ts", inference(Map.of("ts", "null")), "missing_field", null, Place.ANY);
        add("no service", inference(Map.of("service", "null")), "missing_field", null, Place.ANY);
        add("service a number", inference(Map.of("service", "42")), "wrong_type", null, Place.ANY);
        add("unknown type", inference(Map.of("type", str("inference\\u0001"))), "unknown_type", null, Place.ANY);
    }

    // --- builders -------------------------------------------------------------------------------

    private byte[] inference(Map<String, String> overrides) {
        Map<String, String> f = common("inference");
        f.put("request_id", str("r-h-" + next));
        f.put("service", str("analyze-api"));
        f.put("route", str("/analyze"));
        f.put("model", str("blip2"));
        f.put("model_version", str("v1"));
        f.put("endpoint", str("blip2-endpoint"));
        f.put("client_id", str("acme"));
        f.put("status", str("error"));
        f.put("error_type", str("sagemaker_timeout"));
        f.put("latency_ms", "{\"total\":25000,\"model\":24000}");
        f.put("llm", "{\"model\":\"gpt-4o\",\"prompt_tokens\":800,\"completion_tokens\":200}");
        f.put("images", "1");
        return json(f, overrides);
    }

    private byte[] feedback(Map<String, String> overrides) {
        Map<String, String> f = common("feedback");
        // An ordinary request's id: a rejected verdict must not count for it.
        f.put("request_id", str("r-ops-" + random.nextInt(ordinaryIds)));
        f.put("verdict", str("incorrect"));
        return json(f, overrides);
    }

    private byte[] endpoint(Map<String, String> overrides) {
        Map<String, String> f = common("endpoint");
        f.put("endpoint", str("blip2-endpoint"));
        f.put("model", str("blip2"));
        f.put("state", str("Failed"));
        f.put("instance_type", str("ml.g5.xlarge"));
        f.put("instance_count", "1");
        return json(f, overrides);
    }

    private byte[] task(Map<String, String> overrides) {
        Map<String, String> f = common("task");
        f.put("task_id", str("t-analyze-1"));
        f.put("service", str("analyze-api"));
        f.put("state", str("STOPPED"));
        f.put("vcpu", "1");
        f.put("memory_gb", "2");
        return json(f, overrides);
    }

    private Map<String, String> common(String type) {
        Map<String, String> f = new LinkedHashMap<>();
        // Half of them reuse an ordinary record's event_id: rejected, it must not make that one a duplicate.
        f.put("event_id", str(random.nextBoolean() ? "ops-" + random.nextInt(ordinaryIds) : "h-" + next));
        f.put("type", str(type));
        f.put("ts", Long.toString(start + (long) (random.nextDouble() * (maxTs - start))));
        return f;
    }

    private static byte[] json(Map<String, String> fields, Map<String, String> overrides) {
        Map<String, String> all = new LinkedHashMap<>(fields);
        all.putAll(overrides);
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, String> e : all.entrySet()) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append('"').append(e.getKey()).append("\":").append(e.getValue());
        }
        return bytes(b.append('}').toString());
    }

    /** A JSON string literal of already-escaped text. */
    private static String str(String escaped) {
        return "\"" + escaped + "\"";
    }

    private static byte[] bytes(String ascii) {
        return ascii.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private void add(String kind, byte[] line, String reason, String detailNames, Place place) {
        next++;
        all.add(new Hostile(kind, line, reason, detailNames, place));
    }
}
