package com.gluu.kpi.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Generated checks of the door (SPEC §2 "Limits", "Bad input"): records built by mutating
 * the SPEC's samples — any string value or field name replaced by arbitrary text (NUL, lone
 * surrogates, thousands of characters), any number by an extreme one, bytes inserted, deleted
 * or flipped — are either accepted with every value inside the limits, or rejected with a reason.
 * The parser never throws anything else, and a rejected record's dead letter holds only text
 * Postgres accepts. Seeded, so a failure repeats; the failing record is in the message.
 */
class HostileRecordsAtTheDoorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SAMPLES = samples();
    /** Fields whose text is a key or dimension of some table (SPEC §2 "Limits"): at most 256 characters. */
    private static final Set<String> BOUNDED_TEXT = Set.of("requestId", "taskId", "jobId", "service", "route", "model",
            "modelVersion", "endpoint", "clientId", "errorType", "llmModel", "instanceType", "kind");
    /** Upper bounds of the integer fields (SPEC §2 "Limits"); -1 means absent. */
    private static final Map<String, Long> NUMBER_LIMITS = Map.of("promptTokens", 100_000_000L,
            "completionTokens", 100_000_000L, "images", 100_000L, "instanceCount", 10_000L, "httpStatus", 599L);
    private static final long MIN_TS = java.time.Instant.parse("2000-01-01T00:00:00Z").toEpochMilli();
    private static final long MAX_TS = java.time.Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();

    private final EventParser parser = new EventParser();

    private static final int TRIES = 3_000;

    @Test
    void aMutatedRecordIsAcceptedWithinTheLimitsOrRejectedWithAReason() {
        Random random = new Random(20261201);
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < TRIES; i++) {
            byte[] payload = mutatedRecord(random);
            String outcome = check(payload);
            outcomes.merge(outcome, 1, Integer::sum);
        }
        // The mutations reach both sides of the door, and the limits among the rejections.
        assertThat(outcomes.getOrDefault("accepted", 0)).as("accepted of %s", outcomes).isGreaterThan(TRIES / 20);
        assertThat(outcomes.getOrDefault("bad_value", 0)).as("bad_value of %s", outcomes).isGreaterThan(TRIES / 10);
        assertThat(outcomes).as("outcomes").containsKeys("malformed_json", "invalid_utf8", "missing_field");
    }

    /** Parses one payload and checks whichever way it went; returns "accepted" or the reason. */
    private String check(byte[] payload) {
        RawRecord record = RawRecord.of("fuzz", "1", payload);
        Event event;
        try {
            event = parser.parse(record);
        } catch (InvalidEventException e) {
            DeadLetter d = DeadLetter.of(record, e.reason(), e.getMessage());
            String what = new String(payload, StandardCharsets.UTF_8);
            assertThat(PostgresText.firstBad(d.detail)).as("detail is Postgres text: %s", what).isEqualTo(-1);
            assertThat(PostgresText.firstBad(d.raw)).as("raw is Postgres text: %s", what).isEqualTo(-1);
            assertThat(PostgresText.firstBad(d.eventId)).as("event_id is Postgres text: %s", what).isEqualTo(-1);
            assertThat(d.raw.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(DeadLetter.MAX_RAW_BYTES + 3);
            assertThat(d.detail.length()).as("a detail quotes no unbounded input: %s", what).isLessThan(1_100);
            return e.reason().wireName();
        } catch (RuntimeException e) {
            throw new AssertionError("the parser threw " + e + " for " + new String(payload, StandardCharsets.UTF_8), e);
        }
        assertWithinLimits(event);
        return "accepted";
    }

    /** Every text of an accepted event is Postgres text, keys and dimensions are short, numbers bounded. */
    private static void assertWithinLimits(Event event) {
        assertThat(event.ts).isBetween(MIN_TS, MAX_TS);
        assertThat(event.eventId.codePointCount(0, event.eventId.length())).isBetween(1, 128);
        walk(event, "");
    }

    private static void walk(Object body, String path) {
        for (Field f : body.getClass().getFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            Object value;
            try {
                value = f.get(body);
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
            String name = path + f.getName();
            if (value instanceof String) {
                String text = (String) value;
                assertThat(PostgresText.firstBad(text)).as("%s is Postgres text", name).isEqualTo(-1);
                if (BOUNDED_TEXT.contains(f.getName())) {
                    assertThat(text.codePointCount(0, text.length())).as("%s length", name).isLessThanOrEqualTo(256);
                }
            } else if (value instanceof Double) {
                double d = (Double) value;
                assertThat(Double.isNaN(d) || (d >= 0 && Double.isFinite(d))).as("%s = %s", name, d).isTrue();
                if (f.getName().endsWith("LatencyMs")) {
                    assertThat(Double.isNaN(d) || d <= 86_400_000).as("%s = %s within a day", name, d).isTrue();
                }
            } else if (NUMBER_LIMITS.containsKey(f.getName())) {
                assertThat(((Number) value).longValue()).as("%s in range", name)
                        .isBetween(-1L, NUMBER_LIMITS.get(f.getName()));
            } else if (value != null && value.getClass().getPackageName().equals(Event.class.getPackageName())
                    && !value.getClass().isEnum()) {
                walk(value, name + ".");
            }
        }
    }

    /** One sample mutated one way: a string, a field name, a number, or the bytes themselves. */
    private static byte[] mutatedRecord(Random random) {
        String sample = SAMPLES.get(random.nextInt(SAMPLES.size()));
        int pick = random.nextInt(1000);
        switch (random.nextInt(4)) {
            case 0:
                return utf8(replaceString(sample, hostileText(random), pick));
            case 1:
                return utf8(renameField(sample, hostileText(random), pick));
            case 2:
                return utf8(replaceNumber(sample, extremeNumber(random), pick));
            default:
                byte[] noise = new byte[1 + random.nextInt(8)];
                random.nextBytes(noise);
                return mutateBytes(sample, noise, random.nextInt(10_000), random.nextInt(4));
        }
    }

    private static final char[] NASTY = {'\u0000', '\ud800', '\udfff', '\ud83d', '\ude00', '\u001f', '"', '\\', '\u2028',
        '\ufeff', 'a', '\u00e9'};

    /** Text as a producer could send it: NUL, lone surrogates, pairs, control characters, long runs. */
    private static String hostileText(Random random) {
        StringBuilder b = new StringBuilder();
        switch (random.nextInt(4)) {
            case 0: // any UTF-16 code units
                for (int i = random.nextInt(41); i > 0; i--) {
                    b.append(random.nextBoolean() ? (char) ('a' + random.nextInt(26)) : (char) random.nextInt(0x10000));
                }
                return b.toString();
            case 1: // a few of the nastiest
                for (int i = random.nextInt(7); i > 0; i--) {
                    b.append(NASTY[random.nextInt(NASTY.length)]);
                }
                return b.toString();
            case 2:
                return "x".repeat(200 + random.nextInt(3_800));
            default:
                return "\ud83d\ude00".repeat(1 + random.nextInt(300));
        }
    }

    private static final double[] EXTREME_DOUBLES = {1e308, -1e308, 86_400_000.0, 86_400_000.5, 1e12, -0.0,
        Double.MIN_VALUE};
    private static final long[] EXTREME_LONGS = {Long.MAX_VALUE, Long.MIN_VALUE, 0L, -1L, 100_000_000L, 100_000_001L,
        10_000L, 10_001L, 100_000L, 100_001L, 946_684_799_999L, 946_684_800_000L, 253_402_300_799_999L,
        253_402_300_800_000L};

    private static JsonNode extremeNumber(Random random) {
        switch (random.nextInt(3)) {
            case 0:
                return JSON.getNodeFactory().numberNode(EXTREME_DOUBLES[random.nextInt(EXTREME_DOUBLES.length)]);
            case 1:
                return JSON.getNodeFactory().numberNode(EXTREME_LONGS[random.nextInt(EXTREME_LONGS.length)]);
            default:
                return JSON.getNodeFactory().numberNode(new java.math.BigInteger(60 + random.nextInt(70), random)
                        .add(java.math.BigInteger.TEN.pow(18)));
        }
    }

    private static String replaceString(String sample, String text, int pick) {
        ObjectNode root = read(sample);
        List<ObjectNode> owners = new ArrayList<>();
        List<String> names = new ArrayList<>();
        collect(root, owners, names, JsonNode::isTextual);
        if (owners.isEmpty()) {
            return sample;
        }
        int i = pick % owners.size();
        owners.get(i).put(names.get(i), text);
        return root.toString();
    }

    private static String renameField(String sample, String text, int pick) {
        ObjectNode root = read(sample);
        List<ObjectNode> owners = new ArrayList<>();
        List<String> names = new ArrayList<>();
        collect(root, owners, names, n -> true);
        int i = pick % owners.size();
        if (pick % 2 == 0) {
            owners.get(i).set(text, owners.get(i).remove(names.get(i))); // a field renamed
        } else {
            owners.get(i).put(text, "extra"); // an extra field the contract ignores
        }
        return root.toString();
    }

    private static String replaceNumber(String sample, JsonNode number, int pick) {
        ObjectNode root = read(sample);
        List<ObjectNode> owners = new ArrayList<>();
        List<String> names = new ArrayList<>();
        collect(root, owners, names, n -> n.isNumber() || "ts".equals(n.asText(null)));
        collect(root, owners, names, n -> false); // keeps the lists aligned when nothing matched
        if (owners.isEmpty()) {
            return sample;
        }
        int i = pick % owners.size();
        String name = pick % 7 == 0 ? "ts" : names.get(i);
        (pick % 7 == 0 ? root : owners.get(i)).set(name, number);
        return root.toString();
    }

    private static byte[] mutateBytes(String sample, byte[] noise, int at, int kind) {
        byte[] bytes = utf8(sample);
        int pos = at % (bytes.length + 1);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(bytes, 0, pos);
        switch (kind) {
            case 0: // insert
                out.write(noise, 0, noise.length);
                out.write(bytes, pos, bytes.length - pos);
                break;
            case 1: // overwrite
                out.write(noise, 0, Math.min(noise.length, bytes.length - pos));
                int after = Math.min(bytes.length, pos + noise.length);
                out.write(bytes, after, bytes.length - after);
                break;
            case 2: // delete
                int skip = Math.min(bytes.length, pos + noise.length);
                out.write(bytes, skip, bytes.length - skip);
                break;
            default: // truncate
                break;
        }
        return out.toByteArray();
    }

    private static void collect(JsonNode node, List<ObjectNode> owners, List<String> names,
            java.util.function.Predicate<JsonNode> which) {
        if (!(node instanceof ObjectNode)) {
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            if (which.test(e.getValue())) {
                owners.add((ObjectNode) node);
                names.add(e.getKey());
            }
            collect(e.getValue(), owners, names, which);
        }
    }

    private static ObjectNode read(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] utf8(String s) {
        // Jackson writes a lone surrogate as itself, which getBytes would turn into '?': escape
        // every non-ASCII character as \\uXXXX so the record carries exactly the text chosen.
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> samples() {
        try {
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("src/test/resources/samples/events.jsonl"))) {
                // The samples include broken records on purpose; mutations start from the JSON objects.
                try {
                    if (JSON.readTree(line) instanceof ObjectNode) {
                        lines.add(line);
                    }
                } catch (IOException notJson) {
                    // a sample of bad input
                }
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
