package com.gluu.kpi.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.config.JobConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SPEC §2 "Limits": each limit accepts a value exactly at it and turns one past it into a
 * {@code bad_value} whose detail names the field; and no string anywhere in a record may hold
 * U+0000 or an unpaired surrogate.
 */
class InputLimitsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** In the serialized JSON these markers become JSON escapes, which Jackson decodes into the bad chars. */
    private static final String NUL = "@NUL@";
    private static final String HIGH = "@HIGH@";
    private static final String LOW = "@LOW@";
    private static final String EMOJI = "\uD83D\uDE00"; // U+1F600, a valid surrogate pair

    private final EventParser parser = new EventParser();

    // ---------------------------------------------------------------- fixtures

    private static Map<String, Object> event(String type) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event_id", "e-1");
        m.put("type", type);
        m.put("ts", "2026-11-22T08:00:12.345Z");
        switch (type) {
            case "inference":
                m.put("request_id", "r-1");
                m.put("service", "analyze-api");
                m.put("model", "blip2");
                m.put("status", "ok");
                m.put("latency_ms", new LinkedHashMap<>(Map.of("total", 10)));
                break;
            case "feedback":
                m.put("request_id", "r-1");
                m.put("verdict", "correct");
                break;
            case "endpoint":
                m.put("endpoint", "blip2-endpoint");
                m.put("model", "blip2");
                m.put("state", "InService");
                break;
            case "task":
                m.put("task_id", "t-1");
                m.put("service", "analyze-api");
                m.put("state", "RUNNING");
                break;
            case "job":
                m.put("job_id", "j-1");
                m.put("service", "analyze-api");
                m.put("state", "submitted");
                break;
            default:
                throw new IllegalArgumentException(type);
        }
        return m;
    }

    /** Sets a possibly nested field such as {@code llm.model}. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> with(Map<String, Object> event, String path, Object value) {
        String[] parts = path.split("\\.");
        Map<String, Object> target = event;
        for (int i = 0; i < parts.length - 1; i++) {
            target = (Map<String, Object>) target.computeIfAbsent(parts[i], k -> new LinkedHashMap<>());
        }
        target.put(parts[parts.length - 1], value);
        return event;
    }

    private static byte[] bytes(Map<String, Object> event) throws Exception {
        String json = JSON.writeValueAsString(event)
                .replace(NUL, "\\u0000").replace(HIGH, "\\ud800").replace(LOW, "\\udc00");
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private Event parse(Map<String, Object> event) throws Exception {
        return parser.parse(RawRecord.of("test.jsonl", "1", bytes(event)));
    }

    private InvalidEventException rejection(EventParser p, byte[] payload) {
        InvalidEventException e = catchThrowableOfType(InvalidEventException.class,
                () -> p.parse(RawRecord.of("test.jsonl", "1", payload)));
        assertThat(e).as("expected a rejection of %s", new String(payload, StandardCharsets.UTF_8)).isNotNull();
        return e;
    }

    private InvalidEventException rejection(Map<String, Object> event) throws Exception {
        return rejection(parser, bytes(event));
    }

    private void assertBadValue(Map<String, Object> event, String detail) throws Exception {
        InvalidEventException e = rejection(event);
        assertThat(e.reason()).isEqualTo(DeadLetterReason.BAD_VALUE);
        assertThat(e.getMessage()).isEqualTo(detail);
    }

    /** Reads back a possibly nested field from the parsed event, for the length tests. */
    private static String read(Event e, String field) {
        switch (e.type) {
            case INFERENCE:
                InferenceEvent i = e.inference;
                return Map.of("request_id", i.requestId, "service", i.service, "route", i.route, "model", i.model,
                        "model_version", i.modelVersion, "endpoint", i.endpoint, "client_id", i.clientId,
                        "error_type", i.errorType, "llm.model", i.llmModel).get(field);
            case FEEDBACK:
                return e.feedback.requestId;
            case ENDPOINT:
                return Map.of("endpoint", e.endpoint.endpoint, "model", e.endpoint.model,
                        "instance_type", e.endpoint.instanceType).get(field);
            case JOB:
                return Map.of("job_id", e.job.jobId, "service", e.job.service, "kind", e.job.kind,
                        "client_id", e.job.clientId, "model", e.job.model).get(field);
            default:
                return Map.of("task_id", e.task.taskId, "service", e.task.service).get(field);
        }
    }

    // ---------------------------------------------------------------- lengths of ids and dimensions

    static Stream<Arguments> limitedTexts() {
        List<Arguments> cases = new ArrayList<>();
        for (String f : List.of("request_id", "service", "route", "model", "model_version", "endpoint", "client_id",
                "error_type", "llm.model")) {
            cases.add(Arguments.of("inference", f));
        }
        cases.add(Arguments.of("feedback", "request_id"));
        for (String f : List.of("endpoint", "model", "instance_type")) {
            cases.add(Arguments.of("endpoint", f));
        }
        cases.add(Arguments.of("task", "task_id"));
        cases.add(Arguments.of("task", "service"));
        for (String f : List.of("job_id", "service", "kind", "client_id", "model")) {
            cases.add(Arguments.of("job", f));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}.{1}")
    @MethodSource("limitedTexts")
    void idOrDimensionOf256CharactersIsAcceptedAnd257IsBadValue(String type, String field) throws Exception {
        String atLimit = "a".repeat(256);
        assertThat(read(parse(with(event(type), field, atLimit)), field)).isEqualTo(atLimit);

        assertBadValue(with(event(type), field, "a".repeat(257)), field + " is 257 characters, the limit is 256");
    }

    @ParameterizedTest(name = "{0}.{1}")
    @MethodSource("limitedTexts")
    void lengthLimitCountsCharactersNotUtf16Units(String type, String field) throws Exception {
        // 256 emoji are 512 UTF-16 units but 256 characters.
        String emoji = EMOJI.repeat(256);
        assertThat(read(parse(with(event(type), field, emoji)), field)).isEqualTo(emoji);

        assertBadValue(with(event(type), field, emoji + "a"), field + " is 257 characters, the limit is 256");
    }

    @Test
    void lengthDetailGroupsThousands() throws Exception {
        assertBadValue(with(event("inference"), "route", "/".repeat(2_700)), "route is 2,700 characters, the limit is 256");
    }

    @Test
    void configuredLengthLimitsApply() throws Exception {
        JobConfig config = JobConfig.defaults().with(Map.of("limits.max_dimension_chars", 8, "limits.max_id_chars", 4));
        EventParser strict = new EventParser(InputLimits.from(config));

        assertThat(strict.parse(RawRecord.of("f", "1", bytes(with(event("task"), "service", "12345678")))).task.service)
                .isEqualTo("12345678");
        assertThat(rejection(strict, bytes(with(event("task"), "service", "123456789"))).getMessage())
                .isEqualTo("service is 9 characters, the limit is 8");
        assertThat(rejection(strict, bytes(with(event("task"), "task_id", "t-123"))).getMessage())
                .isEqualTo("task_id is 5 characters, the limit is 4");
    }

    @Test
    void freeTextReasonIsCutNotRejected() throws Exception {
        // 1,023 'x', then an emoji straddling the 1,024th character, then more: the pair stays whole.
        String reason = "x".repeat(1_023) + EMOJI + "y".repeat(5_000);

        EndpointEvent e = parse(with(event("endpoint"), "reason", reason)).endpoint;

        assertThat(e.reason).isEqualTo("x".repeat(1_023) + EMOJI + "…");
        assertThat(parse(with(event("endpoint"), "reason", "r".repeat(1_024))).endpoint.reason).isEqualTo("r".repeat(1_024));
    }

    // ---------------------------------------------------------------- numbers

    static Stream<Arguments> numberLimits() {
        return Stream.of(
                Arguments.of("inference", "latency_ms.total", 86_400_000L, "86400000"),
                Arguments.of("inference", "latency_ms.model", 86_400_000L, "86400000"),
                Arguments.of("inference", "latency_ms.llm", 86_400_000L, "86400000"),
                Arguments.of("inference", "llm.prompt_tokens", 100_000_000L, "100000000"),
                Arguments.of("inference", "llm.completion_tokens", 100_000_000L, "100000000"),
                Arguments.of("inference", "images", 100_000L, "100000"),
                Arguments.of("endpoint", "instance_count", 10_000L, "10000"),
                Arguments.of("task", "vcpu", 1_024L, "1024"),
                Arguments.of("task", "memory_gb", 65_536L, "65536"));
    }

    @ParameterizedTest(name = "{0}.{1} ≤ {2}")
    @MethodSource("numberLimits")
    void numberAtItsLimitIsAcceptedAndOnePastItIsBadValue(String type, String field, long limit, String shown)
            throws Exception {
        assertThat(parse(with(event(type), field, limit))).isNotNull();

        assertBadValue(with(event(type), field, limit + 1), field + " " + (limit + 1) + " is above the limit " + shown);
    }

    @Test
    void acceptedNumbersAtTheLimitAreMapped() throws Exception {
        Map<String, Object> m = event("inference");
        m.put("latency_ms", Map.of("total", 86_400_000, "model", 86_400_000.0, "llm", 0));
        m.put("llm", Map.of("model", "gpt-4o", "prompt_tokens", 100_000_000, "completion_tokens", 100_000_000));
        m.put("images", 100_000);

        InferenceEvent i = parse(m).inference;

        assertThat(i.totalLatencyMs).isEqualTo(86_400_000.0);
        assertThat(i.modelLatencyMs).isEqualTo(86_400_000.0);
        assertThat(i.promptTokens).isEqualTo(100_000_000L);
        assertThat(i.completionTokens).isEqualTo(100_000_000L);
        assertThat(i.images).isEqualTo(100_000);
        assertThat(parse(with(event("endpoint"), "instance_count", 10_000)).endpoint.instanceCount).isEqualTo(10_000);
        TaskEvent t = parse(with(with(event("task"), "vcpu", 1024.0), "memory_gb", 65_536)).task;
        assertThat(t.vcpu).isEqualTo(1024.0);
        assertThat(t.memoryGb).isEqualTo(65_536.0);
    }

    @Test
    void fractionalLatencyJustPastTheLimitIsBadValue() throws Exception {
        assertBadValue(with(event("inference"), "latency_ms.total", 86_400_000.5),
                "latency_ms.total 86400000.5 is above the limit 86400000");
        assertBadValue(with(event("inference"), "latency_ms.llm", 1e308),
                "latency_ms.llm 1.0E308 is above the limit 86400000");
        assertBadValue(with(event("task"), "vcpu", 1024.25), "vcpu 1024.25 is above the limit 1024");
    }

    // ---------------------------------------------------------------- ts

    @Test
    void tsAtTheYear2000FloorIsAcceptedInBothForms() throws Exception {
        // 2000-01-01 is 10,957 days after the epoch: 30 years of 365 days and 7 leap days (1972…1996).
        long floor = 10_957L * 86_400_000L;
        assertThat(floor).isEqualTo(946_684_800_000L);

        assertThat(parse(with(event("task"), "ts", "2000-01-01T00:00:00Z")).ts).isEqualTo(floor);
        assertThat(parse(with(event("task"), "ts", floor)).ts).isEqualTo(floor);
        assertThat(parse(with(event("task"), "ts", "2000-01-01T01:00:00+01:00")).ts).isEqualTo(floor);
    }

    @Test
    void tsOneMillisecondBeforeTheFloorIsBadValueInBothForms() throws Exception {
        assertBadValue(with(event("task"), "ts", "1999-12-31T23:59:59.999Z"),
                "ts '1999-12-31T23:59:59.999Z' is before the limit 2000-01-01T00:00:00Z");
        assertBadValue(with(event("task"), "ts", 946_684_799_999L),
                "ts 946684799999 (1999-12-31T23:59:59.999Z) is before the limit 2000-01-01T00:00:00Z");
        // An offset that puts a year-2000 local time before the floor.
        assertBadValue(with(event("task"), "ts", "2000-01-01T00:59:59.999+01:00"),
                "ts '2000-01-01T00:59:59.999+01:00' is before the limit 2000-01-01T00:00:00Z");
    }

    @Test
    void smallEpochMillisLikeSecondsOrTestCountersAreBadValue() throws Exception {
        assertBadValue(with(event("task"), "ts", 1000), "ts 1000 (1970-01-01T00:00:01Z) is before the limit 2000-01-01T00:00:00Z");
        // Epoch seconds of 2026 read as millis: January 1970.
        assertThat(rejection(with(event("task"), "ts", 1_795_325_888L)).reason()).isEqualTo(DeadLetterReason.BAD_VALUE);
    }

    @Test
    void tsAtTheLastMillisecondOfYear9999IsAcceptedInBothForms() throws Exception {
        assertThat(parse(with(event("task"), "ts", "9999-12-31T23:59:59.999Z")).ts).isEqualTo(253_402_300_799_999L);
        assertThat(parse(with(event("task"), "ts", 253_402_300_799_999L)).ts).isEqualTo(253_402_300_799_999L);
        assertThat(rejection(with(event("task"), "ts", 253_402_300_800_000L)).reason()).isEqualTo(DeadLetterReason.BAD_VALUE);
    }

    @Test
    void configuredTsLimitsApplyAtBothEnds() throws Exception {
        JobConfig config = JobConfig.defaults()
                .with(Map.of("limits.min_ts", "2020-01-01T00:00:00Z", "limits.max_ts", "2030-01-01T00:00:00Z"));
        EventParser narrow = new EventParser(InputLimits.from(config));

        assertThat(narrow.parse(RawRecord.of("f", "1", bytes(with(event("task"), "ts", "2030-01-01T00:00:00Z")))).ts)
                .isEqualTo(narrow.parse(RawRecord.of("f", "1", bytes(with(event("task"), "ts", 1_893_456_000_000L)))).ts);
        assertThat(rejection(narrow, bytes(with(event("task"), "ts", "2030-01-01T00:00:00.001Z"))).getMessage())
                .isEqualTo("ts '2030-01-01T00:00:00.001Z' is after the limit 2030-01-01T00:00:00Z");
        assertThat(rejection(narrow, bytes(with(event("task"), "ts", 1_577_836_799_999L))).getMessage())
                .isEqualTo("ts 1577836799999 (2019-12-31T23:59:59.999Z) is before the limit 2020-01-01T00:00:00Z");
    }

    // ---------------------------------------------------------------- U+0000 and unpaired surrogates

    static Stream<Arguments> badTextPlaces() {
        return Stream.of(
                Arguments.of("NUL in a dimension value", with(event("inference"), "service", "ana" + NUL + "lyze"),
                        "service holds U+0000"),
                Arguments.of("lone high surrogate in a value", with(event("inference"), "route", "/a" + HIGH),
                        "route holds an unpaired surrogate U+D800"),
                Arguments.of("lone low surrogate in a value", with(event("inference"), "client_id", LOW + "acme"),
                        "client_id holds an unpaired surrogate U+DC00"),
                Arguments.of("pair in the wrong order", with(event("inference"), "model", LOW + HIGH),
                        "model holds an unpaired surrogate U+DC00"),
                Arguments.of("high surrogate before a plain char", with(event("task"), "task_id", HIGH + "x"),
                        "task_id holds an unpaired surrogate U+D800"),
                Arguments.of("NUL in event_id", with(event("task"), "event_id", "e" + NUL), "event_id holds U+0000"),
                Arguments.of("NUL in an enum value", with(event("inference"), "status", "ok" + NUL), "status holds U+0000"),
                Arguments.of("NUL in a top-level field name", with(event("task"), "a" + NUL + "b", 1),
                        "field name a\uFFFDb holds U+0000"),
                // Jackson refuses these itself while reading the name, so the name cannot be shown.
                Arguments.of("high surrogate in a top-level field name", with(event("task"), "service" + HIGH, "x"),
                        "a field name holds an unpaired surrogate"),
                Arguments.of("low surrogate in a nested field name", with(event("inference"), "latency_ms.a" + LOW + "b", 1),
                        "a field name in latency_ms holds an unpaired surrogate"),
                Arguments.of("surrogate in a field name inside an array",
                        with(event("endpoint"), "tags", List.of(Map.of("k" + HIGH, 1))),
                        "a field name in tags[0] holds an unpaired surrogate"),
                Arguments.of("NUL in a nested value", with(event("inference"), "llm.model", "gpt" + NUL),
                        "llm.model holds U+0000"),
                Arguments.of("NUL in a nested field name", with(event("inference"), "latency_ms.g" + NUL + "pu", 5),
                        "field name latency_ms.g\uFFFDpu holds U+0000"),
                Arguments.of("NUL in an ignored field", with(event("feedback"), "comment", "nice" + NUL),
                        "comment holds U+0000"),
                Arguments.of("surrogate in an ignored nested field", with(event("inference"), "latency_ms.gpu", HIGH),
                        "latency_ms.gpu holds an unpaired surrogate U+D800"),
                Arguments.of("NUL deeper than the contract", with(event("task"), "trace.span.deep.deeper", NUL),
                        "trace.span.deep.deeper holds U+0000"),
                Arguments.of("name deeper than the contract", with(event("task"), "trace.span.deep.n" + NUL, 1),
                        "field name trace.span.deep.n\uFFFD holds U+0000"),
                Arguments.of("NUL inside an array", with(event("endpoint"), "tags", List.of("a", "b" + NUL)),
                        "tags[1] holds U+0000"),
                Arguments.of("surrogate in an object inside an array",
                        with(event("endpoint"), "tags", List.of(1, Map.of("k", HIGH))),
                        "tags[1].k holds an unpaired surrogate U+D800"),
                Arguments.of("NUL in a field name inside an array",
                        with(event("endpoint"), "tags", List.of(Map.of("k" + NUL, 1))),
                        "field name tags[0].k\uFFFD holds U+0000"),
                Arguments.of("NUL in nested arrays", with(event("task"), "m", List.of(List.of(List.of("x", NUL)))),
                        "m[0][0][1] holds U+0000"),
                Arguments.of("array deep inside an ignored object",
                        with(event("task"), "trace.span.deep.list", List.of(true, NUL)),
                        "trace.span.deep.list[1] holds U+0000"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTextPlaces")
    void nulOrUnpairedSurrogateAnywhereIsBadValueNamingThePlace(String label, Map<String, Object> event, String detail)
            throws Exception {
        assertBadValue(event, detail);
    }

    @Test
    void theFirstBadStringInTheRecordIsTheOneNamed() throws Exception {
        Map<String, Object> m = event("inference");
        m.put("tags", List.of("ok", HIGH));
        m.put("note", NUL);

        assertBadValue(m, "tags[1] holds an unpaired surrogate U+D800");
    }

    @Test
    void malformedJsonAfterABadStringIsStillMalformedJson() {
        byte[] payload = "{\"event_id\":\"e\\u0000\",\"type\":\"task\",".getBytes(StandardCharsets.UTF_8);

        assertThat(rejection(parser, payload).reason()).isEqualTo(DeadLetterReason.MALFORMED_JSON);
    }

    @Test
    void validSurrogatePairsAreAcceptedEverywhere() throws Exception {
        Map<String, Object> m = event("inference");
        m.put("service", "analyze-" + EMOJI);
        m.put("note" + EMOJI, "x" + EMOJI);
        m.put("tags", List.of(EMOJI, Map.of(EMOJI, EMOJI)));
        with(m, "trace.span.deep.deeper", EMOJI);
        // The same pair written as JSON escapes: Jackson decodes it to the same two chars.
        byte[] escaped = new String(bytes(m), StandardCharsets.UTF_8)
                .replace("analyze-" + EMOJI, "analyze-\\ud83d\\ude00").getBytes(StandardCharsets.UTF_8);

        assertThat(parse(m).inference.service).isEqualTo("analyze-" + EMOJI);
        assertThat(parser.parse(RawRecord.of("f", "1", escaped)).inference.service).isEqualTo("analyze-" + EMOJI);
    }

    @Test
    void deadLetterOfABadTextRecordHoldsOnlyWritableText() throws Exception {
        byte[] payload = bytes(with(event("task"), "a" + NUL + "b", HIGH));
        InvalidEventException e = rejection(parser, payload);

        DeadLetter d = DeadLetter.of(RawRecord.of("f", "1", payload), e.reason(), e.getMessage());

        assertThat(PostgresText.firstBad(d.detail)).isEqualTo(-1);
        assertThat(d.detail).isEqualTo("field name a\uFFFDb holds U+0000");
        // The raw payload keeps the escapes as the six ASCII characters the producer sent.
        assertThat(d.raw).contains("\"a\\u0000b\":\"\\ud800\"");
    }

    /**
     * Random strings of ASCII, U+0000, high and low surrogates and emoji, written as JSON escapes
     * into a random place of a valid record: the parser rejects exactly those that a slow,
     * obvious check finds bad, and names the place.
     */
    @Test
    void randomTextIsRejectedExactlyWhenItHoldsNulOrAnUnpairedSurrogate() throws Exception {
        Random random = new Random(20261122);
        char[] alphabet = {'a', 'Z', '7', '-', 0, '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uD83D', '\uDE00', 'é', '日'};
        int rejected = 0;
        for (int round = 0; round < 2_000; round++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(6);
            for (int i = 0; i < length; i++) {
                text.append(alphabet[random.nextInt(alphabet.length)]);
            }
            String marker = "@TEXT@";
            String place;
            Map<String, Object> m = event("inference");
            switch (random.nextInt(4)) {
                case 0:
                    with(m, "error_type", marker);
                    place = "error_type holds ";
                    break;
                case 1:
                    with(m, "latency_ms.note", marker);
                    place = "latency_ms.note holds ";
                    break;
                case 2:
                    m.put("tags", List.of("x", marker));
                    place = "tags[1] holds ";
                    break;
                default:
                    m.put("list", List.of(Map.of("k", List.of(marker))));
                    place = "list[0].k[0] holds ";
            }
            StringBuilder escaped = new StringBuilder();
            for (int i = 0; i < text.length(); i++) {
                escaped.append(String.format("\\u%04x", (int) text.charAt(i)));
            }
            byte[] payload = new String(bytes(m), StandardCharsets.UTF_8).replace(marker, escaped)
                    .getBytes(StandardCharsets.UTF_8);

            String expected = slowVerdict(text.toString());
            if (expected == null) {
                assertThat(parser.parse(RawRecord.of("f", "1", payload))).as("%s", escaped).isNotNull();
            } else {
                rejected++;
                InvalidEventException e = rejection(parser, payload);
                assertThat(e.reason()).isEqualTo(DeadLetterReason.BAD_VALUE);
                assertThat(e.getMessage()).as("%s", escaped).isEqualTo(place + expected);
            }
        }
        assertThat(rejected).as("both outcomes are exercised").isBetween(200, 1_800);
    }

    /** What is wrong with the first bad char, by the definition: U+0000, or a surrogate not in a high-low pair. */
    private static String slowVerdict(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0) {
                return "U+0000";
            }
            boolean high = c >= 0xD800 && c <= 0xDBFF;
            boolean low = c >= 0xDC00 && c <= 0xDFFF;
            if (high && i + 1 < s.length() && s.charAt(i + 1) >= 0xDC00 && s.charAt(i + 1) <= 0xDFFF) {
                i++; // a pair: one character
            } else if (high || low) {
                return "an unpaired surrogate U+" + Integer.toHexString(c).toUpperCase();
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- details quote little

    @Test
    void detailQuotesAtMost64CharactersOfAValue() throws Exception {
        InvalidEventException e = rejection(with(event("inference"), "status", "x".repeat(2_700)));

        assertThat(e.reason()).isEqualTo(DeadLetterReason.BAD_VALUE);
        assertThat(e.getMessage()).endsWith("got '" + "x".repeat(64) + "…' (2,700 characters)");
    }

    @Test
    void unknownTypeAndBadTsOfAMegabyteGiveShortDetails() throws Exception {
        String huge = "t".repeat(1_000_000);

        InvalidEventException type = rejection(with(event("task"), "type", huge));
        InvalidEventException ts = rejection(with(event("task"), "ts", huge));
        InvalidEventException number = rejection(with(event("inference"), "images", huge));

        assertThat(type.getMessage()).isEqualTo("unknown type '" + "t".repeat(64) + "…' (1,000,000 characters)");
        assertThat(ts.getMessage()).hasSizeLessThan(200).contains("(1,000,000 characters)");
        assertThat(number.reason()).isEqualTo(DeadLetterReason.WRONG_TYPE);
        assertThat(number.getMessage()).hasSizeLessThan(200).startsWith("images must be an integer, got STRING 'ttt");
    }
}
