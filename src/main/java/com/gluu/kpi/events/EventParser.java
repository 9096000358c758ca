package com.gluu.kpi.events;

import static com.gluu.kpi.events.DeadLetterReason.BAD_VALUE;
import static com.gluu.kpi.events.DeadLetterReason.MALFORMED_JSON;
import static com.gluu.kpi.events.DeadLetterReason.MISSING_FIELD;
import static com.gluu.kpi.events.DeadLetterReason.WRONG_TYPE;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Turns one raw record into a validated {@link Event}, or explains why it cannot (SPEC §2).
 *
 * <p>Pure and single-threaded: one instance per operator subtask. Checks that need time (too
 * late, far future) are not here but in {@link com.gluu.kpi.pipeline.EventTimeGate}, which knows
 * the watermark.
 */
public final class EventParser {
    /** Records larger than this are rejected as {@code too_large} (SPEC §2). */
    public static final int MAX_RECORD_BYTES = 1024 * 1024;

    static final Set<String> MODES = Set.of("sync", "async");
    static final Set<String> VERDICTS = Set.of("correct", "incorrect", "partial");
    static final Set<String> FEEDBACK_SOURCES = Set.of("reviewer", "client");
    static final Set<String> ENDPOINT_STATES = Set.of(
            "Creating", "InService", "Updating", "SystemUpdating", "RollingBack",
            "OutOfService", "Failed", "Deleting", "Deleted");
    static final Set<String> TASK_STATES = Set.of("RUNNING", "STOPPED");
    static final Set<String> STATUSES = Set.of("ok", "client_error", "error");

    // Field names are interned so FlatObject can compare them by identity; the fast double
    // parser matters because latencies are decimals.
    private final JsonFactory json = JsonFactory.builder()
            .enable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final InputLimits limits;

    /** A parser with the SPEC's default limits. */
    public EventParser() {
        this(InputLimits.defaults());
    }

    public EventParser(InputLimits limits) {
        this.limits = limits;
    }

    /** Parses and validates; throws with the reason code for any record that breaks SPEC §2. */
    public Event parse(RawRecord record) throws InvalidEventException {
        if (record.decodeFailure != null) {
            throw new InvalidEventException(record.decodeFailure, record.decodeDetail);
        }
        if (record.size > MAX_RECORD_BYTES) {
            throw new InvalidEventException(DeadLetterReason.TOO_LARGE,
                    "record is " + record.size + " bytes, the limit is " + MAX_RECORD_BYTES);
        }
        checkUtf8(record.payload);
        JsonFields fields = new JsonFields(readJson(record.payload), "");

        Event event = new Event();
        event.sourceId = record.id();
        event.eventId = fields.requiredString("event_id");
        int idLength = event.eventId.codePointCount(0, event.eventId.length());
        if (idLength == 0 || idLength > 128) {
            throw new InvalidEventException(BAD_VALUE, "event_id must be 1–128 characters, got " + idLength);
        }
        String type = fields.requiredString("type");
        event.ts = timestamp(fields);
        event.schemaVersion = (int) fields.optionalInteger("schema_version", 1, Integer.MAX_VALUE, 1);
        switch (type) {
            case "inference":
                event.type = EventType.INFERENCE;
                event.inference = inference(fields);
                break;
            case "feedback":
                event.type = EventType.FEEDBACK;
                event.feedback = feedback(fields);
                break;
            case "endpoint":
                event.type = EventType.ENDPOINT;
                event.endpoint = endpoint(fields);
                break;
            case "task":
                event.type = EventType.TASK;
                event.task = task(fields);
                break;
            default:
                throw new InvalidEventException(DeadLetterReason.UNKNOWN_TYPE, "unknown type '" + type + "'");
        }
        return event;
    }

    private void checkUtf8(byte[] payload) throws InvalidEventException {
        for (byte b : payload) {
            if (b < 0) { // a non-ASCII byte: only then pay for a full decode
                try {
                    utf8.reset().decode(ByteBuffer.wrap(payload));
                    return;
                } catch (CharacterCodingException e) {
                    throw new InvalidEventException(DeadLetterReason.INVALID_UTF8, "record is not valid UTF-8");
                }
            }
        }
    }

    /** Reads the record's one top-level JSON object; anything else is malformed_json. */
    private FlatObject readJson(byte[] payload) throws InvalidEventException {
        try (JsonParser parser = json.createParser(payload)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new InvalidEventException(MALFORMED_JSON, "empty record");
            }
            if (first != JsonToken.START_OBJECT) {
                throw new InvalidEventException(MALFORMED_JSON, "JSON " + describe(first) + " is not an object");
            }
            FlatObject root = FlatObject.read(parser, 1);
            if (parser.nextToken() != null) {
                throw new InvalidEventException(MALFORMED_JSON, "unexpected content after the JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new InvalidEventException(MALFORMED_JSON, "not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidEventException(MALFORMED_JSON, "not JSON: " + e.getMessage());
        }
    }

    private static String describe(JsonToken token) {
        switch (token) {
            case START_ARRAY:
                return "ARRAY";
            case VALUE_STRING:
                return "STRING";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "NUMBER";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "BOOLEAN";
            default:
                return token.name();
        }
    }

    private static long timestamp(JsonFields fields) throws InvalidEventException {
        Object ts = fields.raw("ts");
        if (ts == null) {
            throw new InvalidEventException(MISSING_FIELD, "ts is required");
        }
        long millis;
        if (ts instanceof String) {
            millis = EventTimes.parseIso((String) ts);
        } else if (ts instanceof Long) {
            millis = (Long) ts;
        } else if (ts == FlatObject.BIG_INTEGER) {
            throw new InvalidEventException(BAD_VALUE, "ts is out of range");
        } else {
            throw new InvalidEventException(WRONG_TYPE,
                    "ts must be an ISO-8601 string or integer epoch millis, got " + FlatObject.typeName(ts) + " " + ts);
        }
        // Years 0000–9999: anything outside is garbage, would overflow the event-time gate's
        // arithmetic near Long.MIN_VALUE and cannot be written to a timestamptz column.
        if (millis < EventTimes.MIN_MILLIS || millis > EventTimes.MAX_MILLIS) {
            throw new InvalidEventException(BAD_VALUE, "ts must lie in the years 0000–9999, got " + ts);
        }
        return millis;
    }

    private static InferenceEvent inference(JsonFields f) throws InvalidEventException {
        InferenceEvent e = new InferenceEvent();
        e.requestId = f.requiredString("request_id");
        e.service = f.requiredString("service");
        e.route = f.optionalString("route");
        e.model = f.requiredString("model");
        e.modelVersion = f.optionalString("model_version");
        e.endpoint = f.optionalString("endpoint");
        e.clientId = f.optionalString("client_id");
        e.async = "async".equals(f.optionalEnum("mode", MODES));
        e.status = InferenceStatus.fromWire(f.requiredEnum("status", STATUSES));
        e.httpStatus = (int) f.optionalInteger("http_status", 100, 599, -1);
        e.errorType = f.optionalString("error_type");
        JsonFields latency = f.requiredObject("latency_ms");
        e.totalLatencyMs = latency.requiredNonNegative("total");
        e.modelLatencyMs = latency.optionalNonNegative("model");
        e.llmLatencyMs = latency.optionalNonNegative("llm");
        JsonFields llm = f.optionalObject("llm");
        if (llm != null) {
            e.llmModel = llm.optionalString("model");
            e.promptTokens = llm.optionalInteger("prompt_tokens", 0, Long.MAX_VALUE, 0);
            e.completionTokens = llm.optionalInteger("completion_tokens", 0, Long.MAX_VALUE, 0);
        }
        e.images = (int) f.optionalInteger("images", 0, Integer.MAX_VALUE, 0);
        return e;
    }

    private static FeedbackEvent feedback(JsonFields f) throws InvalidEventException {
        FeedbackEvent e = new FeedbackEvent();
        e.requestId = f.requiredString("request_id");
        e.verdict = f.requiredEnum("verdict", VERDICTS);
        e.score = f.optionalNonNegative("score");
        if (e.score > 1) {
            throw new InvalidEventException(BAD_VALUE, "score must be in [0, 1], got " + e.score);
        }
        e.source = f.optionalEnum("source", FEEDBACK_SOURCES);
        return e;
    }

    private static EndpointEvent endpoint(JsonFields f) throws InvalidEventException {
        EndpointEvent e = new EndpointEvent();
        e.endpoint = f.requiredString("endpoint");
        e.model = f.requiredString("model");
        e.state = f.requiredEnum("state", ENDPOINT_STATES);
        e.instanceType = f.optionalString("instance_type");
        e.instanceCount = (int) f.optionalInteger("instance_count", 0, Integer.MAX_VALUE, -1);
        e.reason = f.optionalString("reason");
        return e;
    }

    private static TaskEvent task(JsonFields f) throws InvalidEventException {
        TaskEvent e = new TaskEvent();
        e.taskId = f.requiredString("task_id");
        e.service = f.requiredString("service");
        e.state = f.requiredEnum("state", TASK_STATES);
        e.vcpu = f.optionalNonNegative("vcpu");
        e.memoryGb = f.optionalNonNegative("memory_gb");
        return e;
    }
}
