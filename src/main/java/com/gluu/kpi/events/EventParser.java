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
import java.time.Instant;
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
    /**
     * Fields of few distinct values, repeated on every record (the KPI tables' dimensions and the
     * contract's enumerations): {@link PlainJsonReader} gives their values from a cache.
     */
    static final Set<String> DIMENSIONS = Set.of("type", "service", "route", "model", "model_version", "endpoint",
            "client_id", "mode", "status", "error_type", "verdict", "source", "state", "instance_type", "kind");
    static final Set<String> JOB_STATES = Set.of(
            "submitted", "started", "completed", "failed", "webhook_sent", "webhook_failed");

    /**
     * Largest {@code vcpu} of a task event. Fargate's largest task is 16 vCPU and 120 GB, and an
     * ECS task on EC2 gets at most its instance (a few hundred vCPU); 1,024 vCPU and 65,536 GB
     * are no real task. The point is a bound on the cost arithmetic: a task-second then costs at
     * most (1,024 × vCPU-hour price + 65,536 × GB-hour price) / 3,600, finite and nowhere near
     * overflowing the doubles the Fargate cost is kept in, whatever the pricing file says.
     */
    static final double MAX_TASK_VCPU = 1024;
    /** Largest {@code memory_gb} of a task event (see {@link #MAX_TASK_VCPU}). */
    static final double MAX_TASK_MEMORY_GB = 65_536;
    /**
     * An endpoint event's free-text {@code reason} is kept up to this many characters; a longer
     * one is cut to them and "…" (not rejected: the state change it comes with counts for billing
     * and health). It is no key, and is written to no table and no log (it only travels in the
     * serialized event); SageMaker's own {@code FailureReason} is at most 1,024 characters. Its
     * text is checked like every string (U+0000, lone surrogates).
     */
    static final int MAX_REASON_CHARS = 1024;

    // Field names are interned so FlatObject can compare them by identity; the fast double
    // parser matters because latencies are decimals.
    private final JsonFactory json = JsonFactory.builder()
            .enable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final FlatObject.Reader reader = new FlatObject.Reader();
    private final PlainJsonReader plain = new PlainJsonReader(DIMENSIONS);
    private final InputLimits limits;

    /** A parser with the SPEC's default limits. */
    public EventParser() {
        this(InputLimits.defaults());
    }

    public EventParser(InputLimits limits) {
        this.limits = limits;
    }

    /**
     * Parses {@code record} now and keeps the result on it for {@link #parseOrTake}: a file
     * source calls this in its reading thread (Flink's split fetcher), so that the parsing, the
     * larger half of the source task's work, runs beside the task thread instead of in it. Only
     * {@link InvalidEventException}s are kept; anything else (a bug) is left for the parse step
     * to meet again, where it fails the task as before.
     */
    public void parseAhead(RawRecord record) {
        try {
            record.parsedAhead = parse(record);
        } catch (InvalidEventException e) {
            record.invalidAhead = e;
        } catch (RuntimeException e) {
            return;
        }
        record.parsedUnder = limits;
    }

    /**
     * The event of {@code record}: what {@link #parseAhead} found, if it parsed under the same
     * limits (then the result is the one {@link #parse} would give: parsing is a pure function of
     * the record and the limits), or {@link #parse} now. The kept result is taken, not kept: a
     * record held and released later is parsed again.
     */
    public Event parseOrTake(RawRecord record) throws InvalidEventException {
        InputLimits under = record.parsedUnder;
        if (under == null || !(under == limits || under.equals(limits))) {
            return parse(record);
        }
        Event event = record.parsedAhead;
        InvalidEventException invalid = record.invalidAhead;
        record.parsedAhead = null;
        record.invalidAhead = null;
        record.parsedUnder = null;
        if (invalid != null) {
            throw invalid;
        }
        return event;
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
        // Plain records (nearly all) are read from their bytes; any other goes through the UTF-8
        // check and Jackson, which decide exactly as before (see PlainJsonReader).
        FlatObject root = plain.read(record.payload);
        if (root == null) {
            checkUtf8(record.payload);
            root = readJson(record.payload);
        }
        JsonFields fields = new JsonFields(root);

        Event event = new Event();
        event.eventId = fields.requiredString("event_id");
        int idLength = event.eventId.codePointCount(0, event.eventId.length());
        if (idLength == 0 || idLength > 128) {
            throw new InvalidEventException(BAD_VALUE, "event_id must be 1–128 characters, got " + Details.count(idLength));
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
            case "job":
                event.type = EventType.JOB;
                event.job = job(fields);
                break;
            default:
                throw new InvalidEventException(DeadLetterReason.UNKNOWN_TYPE, "unknown type " + Details.quote(type));
        }
        return event;
    }

    void checkUtf8(byte[] payload) throws InvalidEventException {
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

    /**
     * Reads the record's one top-level JSON object with Jackson; anything else is malformed_json.
     * Package-private for {@code PlainJsonReaderTest}, which compares it with {@link PlainJsonReader}.
     */
    FlatObject readJson(byte[] payload) throws InvalidEventException {
        try (JsonParser parser = json.createParser(payload)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new InvalidEventException(MALFORMED_JSON, "empty record");
            }
            if (first != JsonToken.START_OBJECT) {
                throw new InvalidEventException(MALFORMED_JSON, "JSON " + describe(first) + " is not an object");
            }
            FlatObject root = reader.read(parser);
            if (parser.nextToken() != null) {
                throw new InvalidEventException(MALFORMED_JSON, "unexpected content after the JSON object");
            }
            // Only once the record is known to be one JSON object: malformed_json comes first.
            if (reader.badText() != null) {
                throw new InvalidEventException(BAD_VALUE, reader.badText());
            }
            return root;
        } catch (JsonProcessingException e) {
            String message = e.getOriginalMessage();
            if (message != null && message.contains("surrogate") && message.contains("in field name")) {
                // Jackson itself refuses an unpaired surrogate escape in a field name ("Broken
                // surrogate pair in field name", "Unexpected low surrogate in field name"). That is
                // grammatical JSON with text Postgres cannot hold: bad_value, like one in a value.
                throw new InvalidEventException(BAD_VALUE, reader.badText() != null ? reader.badText()
                        : FlatObject.Reader.badNameDetail(e.getProcessor() instanceof JsonParser
                                ? ((JsonParser) e.getProcessor()).getParsingContext() : null));
            }
            throw new InvalidEventException(MALFORMED_JSON, "not JSON: " + message);
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

    private long timestamp(JsonFields fields) throws InvalidEventException {
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
                    "ts must be an ISO-8601 string or integer epoch millis, got " + Details.describe(ts));
        }
        // Years 0000–9999: anything outside is garbage, would overflow the event-time gate's
        // arithmetic near Long.MIN_VALUE and cannot be written to a timestamptz column.
        if (millis < EventTimes.MIN_MILLIS || millis > EventTimes.MAX_MILLIS) {
            throw new InvalidEventException(BAD_VALUE, "ts must lie in the years 0000–9999, got " + given(ts));
        }
        // Then the configured limits (SPEC §2: 2000-01-01 to 9999-12-31 by default).
        if (millis < limits.minTsMillis) {
            throw new InvalidEventException(BAD_VALUE, "ts " + given(ts, millis) + " is before the limit "
                    + Instant.ofEpochMilli(limits.minTsMillis));
        }
        if (millis > limits.maxTsMillis) {
            throw new InvalidEventException(BAD_VALUE, "ts " + given(ts, millis) + " is after the limit "
                    + Instant.ofEpochMilli(limits.maxTsMillis));
        }
        return millis;
    }

    /** A ts as the record gave it, for a detail: '2026-…Z' (quoted, cut) or the integer. */
    private static String given(Object ts) {
        return ts instanceof String ? Details.quote((String) ts) : ts.toString();
    }

    /** As {@link #given(Object)}, with the instant of an epoch-millis ts: 1000 (1970-01-01T00:00:01Z). */
    private static String given(Object ts, long millis) {
        return ts instanceof String ? given(ts) : ts + " (" + Instant.ofEpochMilli(millis) + ")";
    }

    private InferenceEvent inference(JsonFields f) throws InvalidEventException {
        InferenceEvent e = new InferenceEvent();
        e.requestId = f.requiredString("request_id", limits.maxIdChars);
        e.service = f.requiredString("service", limits.maxDimensionChars);
        e.route = f.optionalString("route", limits.maxDimensionChars);
        e.model = f.requiredString("model", limits.maxDimensionChars);
        e.modelVersion = f.optionalString("model_version", limits.maxDimensionChars);
        e.endpoint = f.optionalString("endpoint", limits.maxDimensionChars);
        e.clientId = f.optionalString("client_id", limits.maxDimensionChars);
        e.async = "async".equals(f.optionalEnum("mode", MODES));
        e.status = InferenceStatus.fromWire(f.requiredEnum("status", STATUSES));
        e.httpStatus = (int) f.optionalInteger("http_status", 100, 599, -1);
        e.errorType = f.optionalString("error_type", limits.maxDimensionChars);
        JsonFields latency = f.requiredObject("latency_ms");
        e.totalLatencyMs = latency.requiredNonNegative("total", limits.maxLatencyMs);
        e.modelLatencyMs = latency.optionalNonNegative("model", limits.maxLatencyMs);
        e.llmLatencyMs = latency.optionalNonNegative("llm", limits.maxLatencyMs);
        JsonFields llm = f.optionalObject("llm");
        if (llm != null) {
            e.llmModel = llm.optionalString("model", limits.maxDimensionChars);
            e.promptTokens = llm.optionalCount("prompt_tokens", limits.maxTokens, 0);
            e.completionTokens = llm.optionalCount("completion_tokens", limits.maxTokens, 0);
        }
        e.images = (int) f.optionalCount("images", Math.min(limits.maxImages, Integer.MAX_VALUE), 0);
        return e;
    }

    private FeedbackEvent feedback(JsonFields f) throws InvalidEventException {
        FeedbackEvent e = new FeedbackEvent();
        e.requestId = f.requiredString("request_id", limits.maxIdChars);
        e.verdict = f.requiredEnum("verdict", VERDICTS);
        e.score = f.optionalNonNegative("score");
        if (e.score > 1) {
            throw new InvalidEventException(BAD_VALUE, "score must be in [0, 1], got " + Details.number(e.score));
        }
        e.source = f.optionalEnum("source", FEEDBACK_SOURCES);
        return e;
    }

    private EndpointEvent endpoint(JsonFields f) throws InvalidEventException {
        EndpointEvent e = new EndpointEvent();
        e.endpoint = f.requiredString("endpoint", limits.maxDimensionChars);
        e.model = f.requiredString("model", limits.maxDimensionChars);
        e.state = f.requiredEnum("state", ENDPOINT_STATES);
        e.instanceType = f.optionalString("instance_type", limits.maxDimensionChars);
        e.instanceCount = (int) f.optionalCount("instance_count", Math.min(limits.maxInstanceCount, Integer.MAX_VALUE), -1);
        e.reason = Details.cut(f.optionalString("reason"), MAX_REASON_CHARS);
        return e;
    }

    private TaskEvent task(JsonFields f) throws InvalidEventException {
        TaskEvent e = new TaskEvent();
        e.taskId = f.requiredString("task_id", limits.maxIdChars);
        e.service = f.requiredString("service", limits.maxDimensionChars);
        e.state = f.requiredEnum("state", TASK_STATES);
        e.vcpu = f.optionalNonNegative("vcpu", MAX_TASK_VCPU);
        e.memoryGb = f.optionalNonNegative("memory_gb", MAX_TASK_MEMORY_GB);
        return e;
    }

    private JobEvent job(JsonFields f) throws InvalidEventException {
        JobEvent e = new JobEvent();
        e.jobId = f.requiredString("job_id", limits.maxIdChars);
        e.service = f.requiredString("service", limits.maxDimensionChars);
        e.state = f.requiredEnum("state", JOB_STATES);
        e.kind = f.optionalString("kind", limits.maxDimensionChars);
        e.clientId = f.optionalString("client_id", limits.maxDimensionChars);
        e.model = f.optionalString("model", limits.maxDimensionChars);
        e.httpStatus = (int) f.optionalInteger("http_status", 100, 599, -1);
        e.attempt = (int) f.optionalInteger("attempt", 1, Integer.MAX_VALUE, 0);
        return e;
    }
}
