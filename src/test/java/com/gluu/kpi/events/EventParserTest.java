package com.gluu.kpi.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The input contract of SPEC §2, field by field: each valid value is accepted and mapped, and
 * each kind of bad record gets its reason code and a detail naming the field.
 */
class EventParserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** 2026-11-22T08:00:12.345Z: 20779 days after the epoch, + 8 h 0 min 12.345 s. */
    private static final long TS_MILLIS = 20_779L * 86_400_000L + 8 * 3_600_000L + 12_345L;

    private final EventParser parser = new EventParser();

    // ---------------------------------------------------------------- fixtures

    static Map<String, Object> fullInference() {
        Map<String, Object> m = common("e-1", "inference");
        m.put("request_id", "r-100");
        m.put("service", "analyze-api");
        m.put("route", "/analyze");
        m.put("model", "blip2");
        m.put("model_version", "blip2-opt-2.7b-2025-09");
        m.put("endpoint", "blip2-endpoint");
        m.put("client_id", "acme");
        m.put("mode", "async");
        m.put("status", "client_error");
        m.put("http_status", 422);
        m.put("error_type", "bad_image");
        m.put("latency_ms", obj("total", 6234.5, "model", 4120, "llm", 1800.25));
        m.put("llm", obj("model", "gpt-4o", "prompt_tokens", 812, "completion_tokens", 240));
        m.put("images", 3);
        return m;
    }

    static Map<String, Object> minimalInference() {
        Map<String, Object> m = common("e-2", "inference");
        m.put("request_id", "r-101");
        m.put("service", "analyze-api");
        m.put("model", "blip2");
        m.put("status", "ok");
        m.put("latency_ms", obj("total", 10));
        return m;
    }

    static Map<String, Object> fullFeedback() {
        Map<String, Object> m = common("e-3", "feedback");
        m.put("request_id", "r-100");
        m.put("verdict", "partial");
        m.put("score", 0.75);
        m.put("source", "reviewer");
        return m;
    }

    static Map<String, Object> minimalFeedback() {
        Map<String, Object> m = common("e-4", "feedback");
        m.put("request_id", "r-100");
        m.put("verdict", "incorrect");
        return m;
    }

    static Map<String, Object> fullEndpoint() {
        Map<String, Object> m = common("e-5", "endpoint");
        m.put("endpoint", "blip2-endpoint");
        m.put("model", "blip2");
        m.put("state", "RollingBack");
        m.put("instance_type", "ml.g5.xlarge");
        m.put("instance_count", 2);
        m.put("reason", "health check failed");
        return m;
    }

    static Map<String, Object> minimalEndpoint() {
        Map<String, Object> m = common("e-6", "endpoint");
        m.put("endpoint", "blip2-endpoint");
        m.put("model", "blip2");
        m.put("state", "Deleted");
        return m;
    }

    static Map<String, Object> fullTask() {
        Map<String, Object> m = common("e-7", "task");
        m.put("task_id", "arn:aws:ecs:task/1a2b");
        m.put("service", "analyze-api");
        m.put("state", "STOPPED");
        m.put("vcpu", 0.5);
        m.put("memory_gb", 2);
        return m;
    }

    static Map<String, Object> minimalTask() {
        Map<String, Object> m = common("e-8", "task");
        m.put("task_id", "t-1");
        m.put("service", "analyze-api");
        m.put("state", "RUNNING");
        return m;
    }

    static Map<String, Object> fullJob() {
        Map<String, Object> m = common("e-9", "job");
        m.put("job_id", "job-7f3a");
        m.put("service", "analyze-api");
        m.put("state", "webhook_failed");
        m.put("kind", "analyze");
        m.put("client_id", "acme");
        m.put("model", "blip2");
        m.put("http_status", 502);
        m.put("attempt", 3);
        return m;
    }

    static Map<String, Object> minimalJob() {
        Map<String, Object> m = common("e-10", "job");
        m.put("job_id", "job-1");
        m.put("service", "annotation-worker");
        m.put("state", "submitted");
        return m;
    }

    static Map<String, Object> minimal(String type) {
        switch (type) {
            case "job":
                return minimalJob();
            case "inference":
                return minimalInference();
            case "feedback":
                return minimalFeedback();
            case "endpoint":
                return minimalEndpoint();
            case "task":
                return minimalTask();
            default:
                throw new IllegalArgumentException(type);
        }
    }

    private static Map<String, Object> common(String eventId, String type) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event_id", eventId);
        m.put("type", type);
        m.put("ts", "2026-11-22T08:00:12.345Z");
        return m;
    }

    private static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Sets (or, for {@link #ABSENT}, removes) a possibly nested field such as {@code latency_ms.total}. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> with(Map<String, Object> event, String path, Object value) {
        String[] parts = path.split("\\.");
        Map<String, Object> target = event;
        for (int i = 0; i < parts.length - 1; i++) {
            target = (Map<String, Object>) target.computeIfAbsent(parts[i], k -> new LinkedHashMap<>());
        }
        if (value == ABSENT) {
            target.remove(parts[parts.length - 1]);
        } else {
            target.put(parts[parts.length - 1], value);
        }
        return event;
    }

    private static final Object ABSENT = new Object();
    /** A JSON literal to put in place of a value (serialized verbatim). */
    private static final class Raw {
        final String json;

        Raw(String json) {
            this.json = json;
        }

        @Override
        public String toString() {
            return json;
        }
    }

    private static byte[] bytes(Map<String, Object> event) throws Exception {
        String json = JSON.writeValueAsString(replaceRaw(event));
        // Raw literals were written as "\u0000RAW:<json>\u0000" strings; splice them back in.
        json = json.replaceAll("\"\\\\u0000RAW:(.*?)\\\\u0000\"", "$1");
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private static Object replaceRaw(Object value) {
        if (value instanceof Raw) {
            return "\u0000RAW:" + ((Raw) value).json + "\u0000";
        }
        if (value instanceof Map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            ((Map<String, Object>) value).forEach((k, v) -> copy.put(k, replaceRaw(v)));
            return copy;
        }
        return value;
    }

    private Event parse(Map<String, Object> event) throws Exception {
        return parser.parse(RawRecord.of("test.jsonl", "7", bytes(event)));
    }

    private Event parse(String json) throws InvalidEventException {
        return parseBytes(json.getBytes(StandardCharsets.UTF_8));
    }

    private Event parseBytes(byte[] payload) throws InvalidEventException {
        return parser.parse(RawRecord.of("test.jsonl", "7", payload));
    }

    private InvalidEventException rejection(Map<String, Object> event) throws Exception {
        byte[] payload = bytes(event);
        return rejectionOf(payload);
    }

    private InvalidEventException rejectionOf(byte[] payload) {
        InvalidEventException e = catchThrowableOfType(InvalidEventException.class, () -> parseBytes(payload));
        assertThat(e).as("expected a rejection of %s", new String(payload, StandardCharsets.UTF_8)).isNotNull();
        return e;
    }

    // ---------------------------------------------------------------- valid events

    @Test
    void fullInferenceMapsEveryField() throws Exception {
        Event e = parse(fullInference());

        assertThat(e.eventId).isEqualTo("e-1");
        assertThat(e.type).isEqualTo(EventType.INFERENCE);
        assertThat(e.ts).isEqualTo(TS_MILLIS);
        assertThat(e.schemaVersion).isEqualTo(1);
        assertThat(e.feedback).isNull();
        assertThat(e.endpoint).isNull();
        assertThat(e.task).isNull();
        InferenceEvent i = e.inference;
        assertThat(i.requestId).isEqualTo("r-100");
        assertThat(i.service).isEqualTo("analyze-api");
        assertThat(i.route).isEqualTo("/analyze");
        assertThat(i.model).isEqualTo("blip2");
        assertThat(i.modelVersion).isEqualTo("blip2-opt-2.7b-2025-09");
        assertThat(i.endpoint).isEqualTo("blip2-endpoint");
        assertThat(i.clientId).isEqualTo("acme");
        assertThat(i.async).isTrue();
        assertThat(i.status).isEqualTo(InferenceStatus.CLIENT_ERROR);
        assertThat(i.httpStatus).isEqualTo(422);
        assertThat(i.errorType).isEqualTo("bad_image");
        assertThat(i.totalLatencyMs).isEqualTo(6234.5);
        assertThat(i.modelLatencyMs).isEqualTo(4120.0);
        assertThat(i.llmLatencyMs).isEqualTo(1800.25);
        assertThat(i.llmModel).isEqualTo("gpt-4o");
        assertThat(i.promptTokens).isEqualTo(812L);
        assertThat(i.completionTokens).isEqualTo(240L);
        assertThat(i.images).isEqualTo(3);
    }

    @Test
    void minimalInferenceGetsEmptyDimensionsNaNLatenciesAndDefaults() throws Exception {
        Event e = parse(minimalInference());

        InferenceEvent i = e.inference;
        assertThat(e.schemaVersion).isEqualTo(1);
        assertThat(i.route).isEmpty();
        assertThat(i.modelVersion).isEmpty();
        assertThat(i.endpoint).isEmpty();
        assertThat(i.clientId).isEmpty();
        assertThat(i.errorType).isEmpty();
        assertThat(i.llmModel).isEmpty();
        assertThat(i.async).as("mode defaults to sync").isFalse();
        assertThat(i.status).isEqualTo(InferenceStatus.OK);
        assertThat(i.httpStatus).isEqualTo(-1);
        assertThat(i.totalLatencyMs).isEqualTo(10.0);
        assertThat(i.modelLatencyMs).isNaN();
        assertThat(i.llmLatencyMs).isNaN();
        assertThat(i.promptTokens).isZero();
        assertThat(i.completionTokens).isZero();
        assertThat(i.images).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ok", "client_error", "error"})
    void everyStatusIsAccepted(String status) throws Exception {
        InferenceStatus expected = status.equals("ok") ? InferenceStatus.OK
                : status.equals("error") ? InferenceStatus.ERROR : InferenceStatus.CLIENT_ERROR;
        assertThat(parse(with(minimalInference(), "status", status)).inference.status).isEqualTo(expected);
    }

    @Test
    void syncModeIsNotAsync() throws Exception {
        assertThat(parse(with(minimalInference(), "mode", "sync")).inference.async).isFalse();
    }

    @Test
    void fullFeedbackMapsEveryField() throws Exception {
        Event e = parse(fullFeedback());

        assertThat(e.type).isEqualTo(EventType.FEEDBACK);
        assertThat(e.inference).isNull();
        assertThat(e.feedback.requestId).isEqualTo("r-100");
        assertThat(e.feedback.verdict).isEqualTo("partial");
        assertThat(e.feedback.score).isEqualTo(0.75);
        assertThat(e.feedback.source).isEqualTo("reviewer");
    }

    @Test
    void minimalFeedbackHasNaNScoreAndEmptySource() throws Exception {
        FeedbackEvent f = parse(minimalFeedback()).feedback;

        assertThat(f.verdict).isEqualTo("incorrect");
        assertThat(f.score).isNaN();
        assertThat(f.source).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"correct", "incorrect", "partial"})
    void everyVerdictIsAccepted(String verdict) throws Exception {
        assertThat(parse(with(minimalFeedback(), "verdict", verdict)).feedback.verdict).isEqualTo(verdict);
    }

    @ParameterizedTest
    @ValueSource(strings = {"reviewer", "client"})
    void everyFeedbackSourceIsAccepted(String source) throws Exception {
        assertThat(parse(with(minimalFeedback(), "source", source)).feedback.source).isEqualTo(source);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 1.0, 0.5})
    void scoreBoundsAreInclusive(double score) throws Exception {
        assertThat(parse(with(minimalFeedback(), "score", score)).feedback.score).isEqualTo(score);
    }

    @Test
    void integerScoreIsANumberToo() throws Exception {
        assertThat(parse(with(minimalFeedback(), "score", 1)).feedback.score).isEqualTo(1.0);
    }

    @Test
    void fullEndpointMapsEveryField() throws Exception {
        Event e = parse(fullEndpoint());

        assertThat(e.type).isEqualTo(EventType.ENDPOINT);
        EndpointEvent p = e.endpoint;
        assertThat(p.endpoint).isEqualTo("blip2-endpoint");
        assertThat(p.model).isEqualTo("blip2");
        assertThat(p.state).isEqualTo("RollingBack");
        assertThat(p.instanceType).isEqualTo("ml.g5.xlarge");
        assertThat(p.instanceCount).isEqualTo(2);
        assertThat(p.reason).isEqualTo("health check failed");
    }

    @Test
    void minimalEndpointHasEmptyTextAndNoInstanceCount() throws Exception {
        EndpointEvent p = parse(minimalEndpoint()).endpoint;

        assertThat(p.instanceType).isEmpty();
        assertThat(p.reason).isEmpty();
        assertThat(p.instanceCount).isEqualTo(-1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Creating", "InService", "Updating", "SystemUpdating", "RollingBack", "OutOfService",
            "Failed", "Deleting", "Deleted"})
    void everyEndpointStateIsAccepted(String state) throws Exception {
        assertThat(parse(with(minimalEndpoint(), "state", state)).endpoint.state).isEqualTo(state);
    }

    @Test
    void zeroInstancesIsAValidCount() throws Exception {
        assertThat(parse(with(minimalEndpoint(), "instance_count", 0)).endpoint.instanceCount).isZero();
    }

    @Test
    void fullTaskMapsEveryField() throws Exception {
        Event e = parse(fullTask());

        assertThat(e.type).isEqualTo(EventType.TASK);
        TaskEvent t = e.task;
        assertThat(t.taskId).isEqualTo("arn:aws:ecs:task/1a2b");
        assertThat(t.service).isEqualTo("analyze-api");
        assertThat(t.state).isEqualTo("STOPPED");
        assertThat(t.vcpu).isEqualTo(0.5);
        assertThat(t.memoryGb).isEqualTo(2.0);
    }

    @Test
    void fullJobMapsEveryField() throws Exception {
        Event e = parse(fullJob());

        assertThat(e.type).isEqualTo(EventType.JOB);
        assertThat(e.routingKey()).as("dedup by event_id").isEqualTo("e-9");
        JobEvent j = e.job;
        assertThat(j.jobId).isEqualTo("job-7f3a");
        assertThat(j.service).isEqualTo("analyze-api");
        assertThat(j.state).isEqualTo("webhook_failed");
        assertThat(j.kind).isEqualTo("analyze");
        assertThat(j.clientId).isEqualTo("acme");
        assertThat(j.model).isEqualTo("blip2");
        assertThat(j.httpStatus).isEqualTo(502);
        assertThat(j.attempt).isEqualTo(3);
    }

    @Test
    void minimalJobHasEmptyDimensionsAndNoAttempt() throws Exception {
        JobEvent j = parse(minimalJob()).job;

        assertThat(j.state).isEqualTo("submitted");
        assertThat(j.kind).isEmpty();
        assertThat(j.clientId).isEmpty();
        assertThat(j.model).isEmpty();
        assertThat(j.httpStatus).isEqualTo(-1);
        assertThat(j.attempt).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"submitted", "started", "completed", "failed", "webhook_sent", "webhook_failed"})
    void everyJobStateOfTheSpecIsAccepted(String state) throws Exception {
        assertThat(parse(with(minimalJob(), "state", state)).job.state).isEqualTo(state);
    }

    @Test
    void aJobStateNotInTheListOrAnAttemptBelowOneIsBadValue() throws Exception {
        assertThat(rejection(with(minimalJob(), "state", "running")).reason()).isEqualTo(DeadLetterReason.BAD_VALUE);
        assertThat(rejection(with(minimalJob(), "state", "Submitted")).reason()).isEqualTo(DeadLetterReason.BAD_VALUE);
        InvalidEventException zero = rejection(with(minimalJob(), "attempt", 0));
        assertThat(zero.reason()).isEqualTo(DeadLetterReason.BAD_VALUE);
        assertThat(zero.getMessage()).isEqualTo("attempt must be in [1, 2147483647], got 0");
        assertThat(rejection(with(minimalJob(), "attempt", 1.5)).reason()).isEqualTo(DeadLetterReason.WRONG_TYPE);
        assertThat(rejection(with(minimalJob(), "attempt", "2")).reason()).isEqualTo(DeadLetterReason.WRONG_TYPE);
        assertThat(parse(with(minimalJob(), "attempt", 1)).job.attempt).isEqualTo(1);
    }

    @Test
    void minimalTaskHasNaNResources() throws Exception {
        TaskEvent t = parse(minimalTask()).task;

        assertThat(t.state).isEqualTo("RUNNING");
        assertThat(t.vcpu).isNaN();
        assertThat(t.memoryGb).isNaN();
    }

    @Test
    void zeroIsAValidLatencyAndTokenCountAndImageCount() throws Exception {
        Map<String, Object> m = minimalInference();
        m.put("latency_ms", obj("total", 0, "model", 0.0, "llm", 0));
        m.put("llm", obj("prompt_tokens", 0, "completion_tokens", 0));
        m.put("images", 0);

        InferenceEvent i = parse(m).inference;

        assertThat(i.totalLatencyMs).isZero();
        assertThat(i.modelLatencyMs).isZero();
        assertThat(i.llmLatencyMs).isZero();
        assertThat(i.promptTokens).isZero();
        assertThat(i.completionTokens).isZero();
        assertThat(i.images).isZero();
    }

    @Test
    void schemaVersionIsReadWhenGiven() throws Exception {
        assertThat(parse(with(minimalTask(), "schema_version", 3)).schemaVersion).isEqualTo(3);
    }

    @Test
    void epochMillisTsIsAccepted() throws Exception {
        assertThat(parse(with(minimalTask(), "ts", TS_MILLIS)).ts).isEqualTo(TS_MILLIS);
    }

    @Test
    void eventIdOf128CharactersIsAccepted() throws Exception {
        String id = "x".repeat(128);
        assertThat(parse(with(minimalTask(), "event_id", id)).eventId).isEqualTo(id);
    }

    @Test
    void eventIdLengthCountsCharactersNotUtf16Units() throws Exception {
        // 128 characters outside the BMP are 256 UTF-16 code units; the contract counts characters.
        String id = "\uD83D\uDE00".repeat(128);
        assertThat(parse(with(minimalTask(), "event_id", id)).eventId).isEqualTo(id);
        assertThat(rejection(with(minimalTask(), "event_id", id + "x")).reason()).isEqualTo(DeadLetterReason.BAD_VALUE);
    }

    @Test
    void unknownExtraFieldsOfAnyShapeAreIgnored() throws Exception {
        Map<String, Object> m = minimalInference();
        m.put("trace", obj("span", obj("deep", obj("deeper", List.of(1, 2, obj("x", "y"))))));
        m.put("tags", List.of("a", "b"));
        m.put("flag", true);
        m.put("nothing", null);
        m.put("big", new Raw("123456789012345678901234567890"));
        with(m, "latency_ms.gpu", "n/a");
        with(m, "llm.temperature", 0.2);

        Event plain = parse(minimalInference());
        Event extra = parse(m);

        assertThat(extra).usingRecursiveComparison()
                .withComparatorForType(Double::compare, Double.class) // NaN equals NaN
                .isEqualTo(plain);
        assertThat(extra.inference.modelLatencyMs).isNaN();
    }

    @Test
    void jsonNullOptionalFieldsCountAsAbsent() throws Exception {
        Map<String, Object> m = minimalInference();
        m.put("route", null);
        m.put("mode", null);
        m.put("images", null);
        m.put("llm", null);
        with(m, "latency_ms.model", null);

        InferenceEvent i = parse(m).inference;

        assertThat(i.route).isEmpty();
        assertThat(i.async).isFalse();
        assertThat(i.images).isZero();
        assertThat(i.llmModel).isEmpty();
        assertThat(i.modelLatencyMs).isNaN();
    }

    @Test
    void surroundingWhitespaceAndNonAsciiTextAreFine() throws Exception {
        byte[] json = bytes(with(minimalTask(), "service", "analyse-é-日本"));
        byte[] padded = ("  \t" + new String(json, StandardCharsets.UTF_8) + " \r\n").getBytes(StandardCharsets.UTF_8);

        assertThat(parseBytes(padded).task.service).isEqualTo("analyse-é-日本");
    }

    // ---------------------------------------------------------------- missing_field

    static Stream<Arguments> requiredFields() {
        List<Arguments> cases = new ArrayList<>();
        for (String type : List.of("inference", "feedback", "endpoint", "task", "job")) {
            for (String field : List.of("event_id", "type", "ts")) {
                cases.add(Arguments.of(type, field));
            }
        }
        for (String field : List.of("request_id", "service", "model", "status", "latency_ms", "latency_ms.total")) {
            cases.add(Arguments.of("inference", field));
        }
        for (String field : List.of("request_id", "verdict")) {
            cases.add(Arguments.of("feedback", field));
        }
        for (String field : List.of("endpoint", "model", "state")) {
            cases.add(Arguments.of("endpoint", field));
        }
        for (String field : List.of("task_id", "service", "state")) {
            cases.add(Arguments.of("task", field));
        }
        for (String field : List.of("job_id", "service", "state")) {
            cases.add(Arguments.of("job", field));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} without {1}")
    @MethodSource("requiredFields")
    void missingRequiredFieldIsMissingField(String type, String field) throws Exception {
        InvalidEventException e = rejection(with(minimal(type), field, ABSENT));

        assertThat(e.reason()).isEqualTo(DeadLetterReason.MISSING_FIELD);
        assertThat(e.getMessage()).contains(field);
    }

    @ParameterizedTest(name = "{0} with null {1}")
    @MethodSource("requiredFields")
    void nullRequiredFieldIsMissingField(String type, String field) throws Exception {
        InvalidEventException e = rejection(with(minimal(type), field, null));

        assertThat(e.reason()).isEqualTo(DeadLetterReason.MISSING_FIELD);
        assertThat(e.getMessage()).contains(field);
    }

    // ---------------------------------------------------------------- wrong_type

    static Stream<Arguments> wrongTypes() {
        Object number = 42;
        Object text = "7";
        Object array = List.of("a");
        Object object = obj("a", 1);
        Object bool = true;
        List<Arguments> cases = new ArrayList<>();
        // Common fields.
        cases.add(Arguments.of("task", "event_id", number));
        cases.add(Arguments.of("task", "event_id", array));
        cases.add(Arguments.of("task", "type", bool));
        cases.add(Arguments.of("task", "ts", bool));
        cases.add(Arguments.of("task", "ts", object));
        cases.add(Arguments.of("task", "ts", array));
        cases.add(Arguments.of("task", "ts", 1.7795e12)); // a number, but not an integer
        cases.add(Arguments.of("task", "schema_version", text));
        cases.add(Arguments.of("task", "schema_version", 1.5));
        // inference
        for (String f : List.of("request_id", "service", "route", "model", "model_version", "endpoint", "client_id",
                "error_type", "llm.model")) {
            cases.add(Arguments.of("inference", f, number));
        }
        cases.add(Arguments.of("inference", "service", object));
        cases.add(Arguments.of("inference", "mode", bool));
        cases.add(Arguments.of("inference", "status", number));
        cases.add(Arguments.of("inference", "http_status", "200"));
        cases.add(Arguments.of("inference", "http_status", 200.5));
        cases.add(Arguments.of("inference", "latency_ms", 120));
        cases.add(Arguments.of("inference", "latency_ms", array));
        cases.add(Arguments.of("inference", "latency_ms.total", "120"));
        cases.add(Arguments.of("inference", "latency_ms.model", bool));
        cases.add(Arguments.of("inference", "latency_ms.llm", object));
        cases.add(Arguments.of("inference", "llm", "gpt-4o"));
        cases.add(Arguments.of("inference", "llm.prompt_tokens", "812"));
        cases.add(Arguments.of("inference", "llm.completion_tokens", 2.5));
        cases.add(Arguments.of("inference", "images", "1"));
        cases.add(Arguments.of("inference", "images", 1.5));
        // feedback
        cases.add(Arguments.of("feedback", "request_id", number));
        cases.add(Arguments.of("feedback", "verdict", bool));
        cases.add(Arguments.of("feedback", "score", "0.5"));
        cases.add(Arguments.of("feedback", "source", number));
        // endpoint
        cases.add(Arguments.of("endpoint", "endpoint", number));
        cases.add(Arguments.of("endpoint", "model", array));
        cases.add(Arguments.of("endpoint", "state", number));
        cases.add(Arguments.of("endpoint", "instance_type", bool));
        cases.add(Arguments.of("endpoint", "instance_count", "2"));
        cases.add(Arguments.of("endpoint", "instance_count", 2.5));
        cases.add(Arguments.of("endpoint", "reason", object));
        // task
        cases.add(Arguments.of("task", "task_id", number));
        cases.add(Arguments.of("task", "service", bool));
        cases.add(Arguments.of("task", "state", number));
        cases.add(Arguments.of("task", "vcpu", "1"));
        cases.add(Arguments.of("task", "memory_gb", array));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}.{1} = {2}")
    @MethodSource("wrongTypes")
    void wrongJsonTypeIsWrongType(String type, String field, Object value) throws Exception {
        InvalidEventException e = rejection(with(minimal(type), field, value));

        assertThat(e.reason()).isEqualTo(DeadLetterReason.WRONG_TYPE);
        assertThat(e.getMessage()).contains(field);
    }

    // ---------------------------------------------------------------- bad_value

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of("task", "event_id", ""),
                Arguments.of("task", "event_id", "x".repeat(129)),
                Arguments.of("task", "schema_version", 0),
                Arguments.of("task", "schema_version", -1),
                Arguments.of("task", "ts", "2026-11-22T08:00:12.345"), // no offset
                Arguments.of("task", "ts", "yesterday"),
                Arguments.of("task", "ts", ""),
                Arguments.of("task", "ts", "2026-02-30T08:00:00Z"),
                Arguments.of("task", "ts", "1779436812345"), // epoch millis must be a JSON integer
                Arguments.of("task", "ts", new Raw("123456789012345678901234567890")),
                Arguments.of("inference", "status", "OK"),
                Arguments.of("inference", "status", "timeout"),
                Arguments.of("inference", "status", ""),
                Arguments.of("inference", "mode", "batch"),
                Arguments.of("inference", "mode", "ASYNC"),
                Arguments.of("inference", "mode", ""),
                Arguments.of("inference", "http_status", 99),
                Arguments.of("inference", "http_status", 600),
                Arguments.of("inference", "latency_ms.total", -1),
                Arguments.of("inference", "latency_ms.total", -0.001),
                Arguments.of("inference", "latency_ms.model", -5),
                Arguments.of("inference", "latency_ms.llm", -1.5),
                Arguments.of("inference", "latency_ms.total", new Raw("1e400")),
                Arguments.of("inference", "latency_ms.total", new Raw("123456789012345678901234567890")),
                Arguments.of("inference", "llm.prompt_tokens", -1),
                Arguments.of("inference", "llm.completion_tokens", -240),
                Arguments.of("inference", "llm.prompt_tokens", new Raw("123456789012345678901234567890")),
                Arguments.of("inference", "images", -1),
                Arguments.of("inference", "images", 3_000_000_000L),
                Arguments.of("feedback", "verdict", "wrong"),
                Arguments.of("feedback", "verdict", "Correct"),
                Arguments.of("feedback", "score", 1.0001),
                Arguments.of("feedback", "score", -0.1),
                Arguments.of("feedback", "score", 2),
                Arguments.of("feedback", "source", "bot"),
                Arguments.of("feedback", "source", ""),
                Arguments.of("endpoint", "state", "inservice"),
                Arguments.of("endpoint", "state", "Running"),
                Arguments.of("endpoint", "instance_count", -1),
                Arguments.of("task", "state", "running"),
                Arguments.of("task", "state", "PENDING"),
                Arguments.of("task", "vcpu", -0.25),
                Arguments.of("task", "memory_gb", -2));
    }

    @ParameterizedTest(name = "{0}.{1} = {2}")
    @MethodSource("badValues")
    void outOfRangeValueIsBadValue(String type, String field, Object value) throws Exception {
        InvalidEventException e = rejection(with(minimal(type), field, value));

        assertThat(e.reason()).isEqualTo(DeadLetterReason.BAD_VALUE);
        assertThat(e.getMessage()).contains(field);
    }

    @Test
    void aValueOutsideItsListNamesTheListInAlphabeticalOrder() throws Exception {
        // The same in every JVM (Set.of's order is not), so a dead letter's detail is too.
        assertThat(rejection(with(minimal("feedback"), "verdict", "great")).getMessage())
                .isEqualTo("verdict must be one of [correct, incorrect, partial], got 'great'");
        assertThat(rejection(with(minimal("task"), "state", "PENDING")).getMessage())
                .isEqualTo("state must be one of [RUNNING, STOPPED], got 'PENDING'");
    }

    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, Long.MIN_VALUE + 1, -62_167_219_200_001L, 253_402_300_800_000L, Long.MAX_VALUE})
    void epochMillisOutsideFourDigitYearsIsBadValue(long ts) throws Exception {
        // Such a ts would wrap the event-time gate's arithmetic and cannot be stored as timestamptz.
        InvalidEventException e = rejection(with(minimalTask(), "ts", ts));

        assertThat(e.reason()).isEqualTo(DeadLetterReason.BAD_VALUE);
        assertThat(e.getMessage()).contains("ts");
    }

    @ParameterizedTest
    @ValueSource(longs = {-62_167_219_200_000L, 0L, 253_402_300_799_999L})
    void epochMillisWithinFourDigitYearsParsesWhenTheLimitsAllowIt(long ts) throws Exception {
        // 0000-01-01T00:00Z = -(1970 × 365 + 478 leap days) d = -719 528 d; 10000-01-01 = 2 932 897 d.
        assertThat(-719_528L * 86_400_000L).isEqualTo(-62_167_219_200_000L);
        assertThat(2_932_897L * 86_400_000L - 1).isEqualTo(253_402_300_799_999L);
        // The parse range itself; the default limits start at 2000-01-01 (InputLimitsTest).
        InputLimits d = InputLimits.defaults();
        EventParser anyYear = new EventParser(new InputLimits(d.maxIdChars, d.maxDimensionChars, d.maxLatencyMs,
                d.maxTokens, d.maxImages, d.maxInstanceCount, EventTimes.MIN_MILLIS, EventTimes.MAX_MILLIS));
        byte[] payload = bytes(with(minimalTask(), "ts", ts));

        assertThat(anyYear.parse(RawRecord.of("test.jsonl", "7", payload)).ts).isEqualTo(ts);
    }

    // ---------------------------------------------------------------- unknown_type

    @ParameterizedTest
    @ValueSource(strings = {"metric", "Inference", "", "feedback "})
    void unknownTypeIsUnknownType(String type) throws Exception {
        InvalidEventException e = rejection(with(minimalTask(), "type", type));

        assertThat(e.reason()).isEqualTo(DeadLetterReason.UNKNOWN_TYPE);
        assertThat(e.getMessage()).contains("'" + type + "'");
    }

    // ---------------------------------------------------------------- invalid_utf8

    static Stream<Arguments> invalidUtf8() {
        return Stream.of(
                Arguments.of("lone continuation byte", new byte[] {(byte) 0x80}),
                Arguments.of("truncated 2-byte sequence", new byte[] {(byte) 0xC3, '('}),
                Arguments.of("overlong slash", new byte[] {(byte) 0xC0, (byte) 0xAF}),
                Arguments.of("UTF-16 surrogate (CESU-8)", new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}),
                Arguments.of("0xFF", new byte[] {(byte) 0xFF}),
                Arguments.of("Latin-1 é", new byte[] {(byte) 0xE9}),
                Arguments.of("beyond U+10FFFF", new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidUtf8")
    void invalidUtf8InAStringIsInvalidUtf8(String label, byte[] bad) throws Exception {
        byte[] json = bytes(with(minimalTask(), "service", "@@"));
        String text = new String(json, StandardCharsets.US_ASCII);
        int at = text.indexOf("@@");
        byte[] payload = new byte[json.length - 2 + bad.length];
        System.arraycopy(json, 0, payload, 0, at);
        System.arraycopy(bad, 0, payload, at, bad.length);
        System.arraycopy(json, at + 2, payload, at + bad.length, json.length - at - 2);

        assertThat(rejectionOf(payload).reason()).isEqualTo(DeadLetterReason.INVALID_UTF8);
    }

    // ---------------------------------------------------------------- malformed_json

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "not json", "[1, 2]", "[{\"event_id\": \"e\"}]", "\"text\"", "42", "true",
            "null", "{", "{\"event_id\": \"e-1\",", "{'event_id': 'e-1'}", "{\"event_id\": \"e-1\"} x",
            "{\"event_id\": \"e-1\"} {}", "{\"event_id\": \"e-1\"}}", "{\"a\": 1,}", "{\"a\": NaN}",
            "{\"a\": [1, 2}"})
    void notOneJsonObjectIsMalformedJson(String payload) {
        assertThatThrownBy(() -> parse(payload))
                .isInstanceOfSatisfying(InvalidEventException.class,
                        e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.MALFORMED_JSON));
    }

    @Test
    void trailingGarbageAfterAValidEventIsMalformedJson() throws Exception {
        String valid = new String(bytes(minimalTask()), StandardCharsets.UTF_8);
        assertThat(parse(valid).task).isNotNull(); // the event itself is fine

        InvalidEventException e = rejectionOf((valid + ",").getBytes(StandardCharsets.UTF_8));
        assertThat(e.reason()).isEqualTo(DeadLetterReason.MALFORMED_JSON);
    }

    // ---------------------------------------------------------------- too_large

    @Test
    void recordOfExactlyOneMebibyteIsAccepted() throws Exception {
        byte[] payload = paddedTo(1024 * 1024);

        assertThat(payload).hasSize(1_048_576);
        assertThat(parseBytes(payload).task.service).isEqualTo("analyze-api");
    }

    @Test
    void recordOneByteOverOneMebibyteIsTooLarge() throws Exception {
        InvalidEventException e = rejectionOf(paddedTo(1024 * 1024 + 1));

        assertThat(e.reason()).isEqualTo(DeadLetterReason.TOO_LARGE);
        assertThat(e.getMessage()).contains("1048577");
    }

    @Test
    void truncatedRecordIsJudgedByItsTrueSize() {
        // What JsonLinesFormat hands over for a huge line: 64 KiB of payload, the real size beside it.
        byte[] head = "{\"event_id\":\"e-1\",\"pad\":\"".getBytes(StandardCharsets.UTF_8);
        RawRecord record = new RawRecord("f", "1", head, 5_000_000);

        assertThatThrownBy(() -> parser.parse(record))
                .isInstanceOfSatisfying(InvalidEventException.class,
                        e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.TOO_LARGE));
    }

    /** A valid task event padded with an unknown field to exactly {@code size} bytes. */
    private static byte[] paddedTo(int size) throws Exception {
        Map<String, Object> m = minimalTask();
        m.put("pad", "");
        int base = bytes(m).length;
        m.put("pad", "p".repeat(size - base));
        byte[] payload = bytes(m);
        assertThat(payload).hasSize(size);
        return payload;
    }
}
