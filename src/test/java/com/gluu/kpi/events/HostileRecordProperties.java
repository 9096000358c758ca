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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Property-based checks of the door (SPEC §2 "Limits", "Bad input"): records built by mutating
 * the SPEC's samples — any string value or field name replaced by arbitrary text (NUL, lone
 * surrogates, thousands of characters), any number by an extreme one, bytes inserted, deleted
 * or flipped — are either accepted with every value inside the limits, or rejected with a reason.
 * The parser never throws anything else, and a rejected record's dead letter holds only text
 * Postgres accepts.
 */
class HostileRecordProperties {
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

    @Property(tries = 3000, seed = "20261201")
    void aMutatedRecordIsAcceptedWithinTheLimitsOrRejectedWithAReason(@ForAll("mutatedRecords") byte[] payload) {
        RawRecord record = RawRecord.of("fuzz", "1", payload);
        Event event;
        try {
            event = parser.parse(record);
        } catch (InvalidEventException e) {
            DeadLetter d = DeadLetter.of(record, e.reason(), e.getMessage());
            assertThat(PostgresText.firstBad(d.detail)).as("detail is Postgres text").isEqualTo(-1);
            assertThat(PostgresText.firstBad(d.raw)).as("raw is Postgres text").isEqualTo(-1);
            assertThat(PostgresText.firstBad(d.eventId)).as("event_id is Postgres text").isEqualTo(-1);
            assertThat(d.raw.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(DeadLetter.MAX_RAW_BYTES + 3);
            assertThat(d.detail.length()).as("a detail quotes no unbounded input").isLessThan(1_000);
            return;
        }
        assertWithinLimits(event);
    }

    /** The mutations reach both sides of the door, and the limits among the rejections. */
    @Property(tries = 3000, seed = "20261201")
    void theMutationsExerciseAcceptanceAndEveryKindOfRejection(@ForAll("mutatedRecords") byte[] payload) {
        String outcome;
        try {
            parser.parse(RawRecord.of("fuzz", "1", payload));
            outcome = "accepted";
        } catch (InvalidEventException e) {
            outcome = e.reason().wireName();
        }
        Statistics.collect(outcome);
        Statistics.coverage(c -> {
            c.check("accepted").percentage(p -> p > 5);
            c.check("bad_value").percentage(p -> p > 10);
            c.check("malformed_json").percentage(p -> p > 1);
            c.check("invalid_utf8").count(n -> n > 0);
        });
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

    @Provide
    Arbitrary<byte[]> mutatedRecords() {
        Arbitrary<String> sample = Arbitraries.of(SAMPLES);
        return Arbitraries.oneOf(
                Combinators.combine(sample, hostileText(), Arbitraries.integers().between(0, 1000))
                        .as((s, text, pick) -> utf8(replaceString(s, text, pick))),
                Combinators.combine(sample, hostileText(), Arbitraries.integers().between(0, 1000))
                        .as((s, text, pick) -> utf8(renameField(s, text, pick))),
                Combinators.combine(sample, extremeNumber(), Arbitraries.integers().between(0, 1000))
                        .as((s, number, pick) -> utf8(replaceNumber(s, number, pick))),
                Combinators.combine(sample, Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(8),
                        Arbitraries.integers().between(0, 10_000), Arbitraries.integers().between(0, 3))
                        .as(HostileRecordProperties::mutateBytes));
    }

    /** Text as a producer could send it: NUL, lone surrogates, pairs, control characters, long runs. */
    private static Arbitrary<String> hostileText() {
        Arbitrary<Character> nasty = Arbitraries.of('\u0000', '\ud800', '\udfff', '\ud83d', '\ude00', '\u001f', '"',
                '\\', '\u2028', '\ufeff', 'a', 'é');
        Arbitrary<String> mixed = Arbitraries.strings().withChars('a', 'z').withCharRange('\u0000', '\uffff')
                .ofMinLength(0).ofMaxLength(40);
        Arbitrary<String> fromNasty = nasty.list().ofMaxSize(6).map(cs -> {
            StringBuilder b = new StringBuilder();
            cs.forEach(b::append);
            return b.toString();
        });
        Arbitrary<String> longRun = Arbitraries.integers().between(200, 4000).map("x"::repeat);
        Arbitrary<String> emojis = Arbitraries.integers().between(1, 300).map("\ud83d\ude00"::repeat);
        return Arbitraries.oneOf(mixed, fromNasty, longRun, emojis);
    }

    private static Arbitrary<JsonNode> extremeNumber() {
        return Arbitraries.oneOf(
                Arbitraries.of(1e308, -1e308, 86_400_000.0, 86_400_000.5, 1e12, -0.0, Double.MIN_VALUE, 4.9e-324)
                        .map(d -> JSON.getNodeFactory().numberNode(d)),
                Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, 0L, -1L, 100_000_000L, 100_000_001L, 10_000L, 10_001L,
                        100_000L, 100_001L, 946_684_799_999L, 946_684_800_000L, 253_402_300_799_999L,
                        253_402_300_800_000L).map(l -> JSON.getNodeFactory().numberNode(l)),
                Arbitraries.bigIntegers().between(java.math.BigInteger.TEN.pow(18), java.math.BigInteger.TEN.pow(40))
                        .map(b -> JSON.getNodeFactory().numberNode(b)));
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
