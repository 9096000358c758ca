package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.accuracy.AccuracyCounts;
import com.gluu.kpi.accuracy.AccuracyObservation;
import com.gluu.kpi.accuracy.AccuracyRow;
import com.gluu.kpi.accuracy.PendingFeedback;
import com.gluu.kpi.accuracy.WaitingFeedback;
import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.events.EndpointEvent;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventType;
import com.gluu.kpi.events.FeedbackEvent;
import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.events.InferenceStatus;
import com.gluu.kpi.events.RawRecord;
import com.gluu.kpi.events.TaskEvent;
import com.gluu.kpi.latency.LatencyAccumulator;
import com.gluu.kpi.latency.LatencyObservation;
import com.gluu.kpi.latency.LatencyPartial;
import com.gluu.kpi.latency.LatencyRow;
import com.gluu.kpi.latency.LatencySketches;
import com.gluu.kpi.latency.LatencyStage;
import com.gluu.kpi.latency.StageStats;
import com.gluu.kpi.traffic.TrafficCounts;
import com.gluu.kpi.traffic.TrafficObservation;
import com.gluu.kpi.traffic.TrafficPartial;
import com.gluu.kpi.traffic.TrafficRow;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every type that crosses an operator boundary gets Flink's POJO serializer or the project's
 * own, never Kryo (the job runs with generic types disabled), and survives a round trip whole.
 */
class PojoSerializationTest {

    /** Types with a hand-written serializer (hot paths): found through {@code @TypeInfo}, never Kryo. */
    static Stream<Arguments> ownSerializer() {
        return Stream.of(
                Arguments.of(Event.class, inferenceEvent()),
                Arguments.of(Event.class, feedbackEvent()),
                Arguments.of(Event.class, endpointEvent()),
                Arguments.of(Event.class, taskEvent()),
                Arguments.of(Event.class, jobEvent()),
                Arguments.of(Event.class, allBodiesEvent()),
                Arguments.of(Event.class, eventWithNullStrings()),
                Arguments.of(RawRecord.class, rawRecord()),
                Arguments.of(RawRecord.class, RawRecord.rangeEnd("events.jsonl", 1_048_576, 2_097_153, 3_041)),
                Arguments.of(WaitingFeedback.class, waitingFeedback()),
                Arguments.of(WaitingFeedback.class, new WaitingFeedback(new PendingFeedback("correct", 1.0, 1_795_325_880_000L))));
    }

    static Stream<Arguments> pojos() {
        return Stream.of(
                Arguments.of(InferenceEvent.class, inference()),
                Arguments.of(FeedbackEvent.class, feedback()),
                Arguments.of(EndpointEvent.class, endpoint()),
                Arguments.of(TaskEvent.class, task()),
                Arguments.of(com.gluu.kpi.events.JobEvent.class, job()),
                Arguments.of(com.gluu.kpi.jobs.JobSignal.class, jobSignal()),
                Arguments.of(com.gluu.kpi.alerts.TenantSpend.class, new com.gluu.kpi.alerts.TenantSpend("acme", 1_795_325_880_000L, 1_795_325_940_000L, 0.125)),
                Arguments.of(com.gluu.kpi.alerts.TenantMonth.class, tenantMonth()),
                Arguments.of(com.gluu.kpi.jobs.JobState.class, jobState()),
                Arguments.of(com.gluu.kpi.jobs.JobsRow.class, jobsRow()),
                Arguments.of(DeadLetter.class, deadLetter()),
                Arguments.of(LatencyObservation.class, latencyObservation()),
                Arguments.of(TrafficObservation.class, trafficObservation()),
                Arguments.of(com.gluu.kpi.cost.CostInput.class, costInput()),
                Arguments.of(com.gluu.kpi.cost.TenantUsageRow.class, tenantUsageRow()),
                Arguments.of(TrafficPartial.class, trafficPartial()),
                Arguments.of(TrafficCounts.class, trafficCounts()),
                Arguments.of(LatencyRow.class, latencyRow()),
                Arguments.of(TrafficRow.class, trafficRow()),
                Arguments.of(AccuracyObservation.class, new AccuracyObservation("blip2", "blip2-opt-2.7b-2025-09", "partial", 0.75,
                        1_795_325_888_123L)),
                Arguments.of(PendingFeedback.class, new PendingFeedback("incorrect", 0.25, 1_795_325_888_123L)),
                Arguments.of(AccuracyCounts.class, accuracyCounts()),
                Arguments.of(AccuracyRow.class, accuracyRow()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pojos")
    void isAPojoWithoutKryo(Class<?> type, Object ignored) {
        assertThat(TypeInformation.of(type)).isInstanceOf(PojoTypeInfo.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(type);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ownSerializer")
    void usesItsOwnSerializer(Class<?> type, Object ignored) {
        assertThat(TypeInformation.of(type)).isInstanceOf(SerializerTypeInfo.class).isNotInstanceOf(GenericTypeInfo.class);
        assertThat(serializerWithoutGenericTypes(type)).isNotNull();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ownSerializer")
    <T> void ownSerializerRoundTripsWithEveryFieldEqual(Class<T> type, T value) throws Exception {
        TypeSerializer<T> serializer = serializerWithoutGenericTypes(type);

        T back = roundTrip(serializer, value);
        T copy = serializer.copy(value);

        assertThat(back).isNotSameAs(value);
        assertThat(copy).isNotSameAs(value);
        assertFieldsEqual(back, value);
        assertFieldsEqual(copy, value);
    }

    /** The first fixture of each hand-serialized type sets every field, so none can be forgotten. */
    @Test
    void handSerializedFixturesSetEveryField() throws Exception {
        Event all = allBodiesEvent();
        for (Field body : Event.class.getFields()) {
            if (!Modifier.isStatic(body.getModifiers())) {
                assertThat(body.get(all)).as("allBodiesEvent()." + body.getName()).isNotNull();
            }
        }
        assertEveryFieldSet(all, "Event");
        assertEveryFieldSet(inferenceEvent(), "Event");
        assertEveryFieldSet(waitingFeedback(), "WaitingFeedback");
        assertEveryFieldSet(rawRecord(), "RawRecord");
    }

    @Test
    void copiedEventSharesNoBodyWithTheOriginal() {
        Event e = allBodiesEvent();
        Event copy = serializerWithoutGenericTypes(Event.class).copy(e);

        assertThat(copy.inference).isNotSameAs(e.inference);
        assertThat(copy.feedback).isNotSameAs(e.feedback);
        assertThat(copy.endpoint).isNotSameAs(e.endpoint);
        assertThat(copy.task).isNotSameAs(e.task);
        assertThat(copy.job).isNotSameAs(e.job);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pojos")
    <T> void roundTripsWithEveryFieldEqual(Class<T> type, T value) throws Exception {
        assertEveryFieldSet(value, type.getSimpleName());
        TypeSerializer<T> serializer = serializerWithoutGenericTypes(type);

        T back = roundTrip(serializer, value);
        T copy = serializer.copy(value);

        assertThat(back).isNotSameAs(value);
        assertFieldsEqual(back, value);
        assertFieldsEqual(copy, value);
    }

    @Test
    void latencyAccumulatorUsesItsOwnSerializer() {
        TypeInformation<LatencyAccumulator> info = TypeInformation.of(LatencyAccumulator.class);

        assertThat(info).isInstanceOf(SerializerTypeInfo.class).isNotInstanceOf(GenericTypeInfo.class);
        assertThat(serializerWithoutGenericTypes(LatencyAccumulator.class)).isNotNull();
    }

    @Test
    void latencyPartialIsAPojoWhoseAccumulatorIsNotKryo() {
        TypeInformation<LatencyPartial> info = TypeInformation.of(LatencyPartial.class);

        assertThat(info).isInstanceOf(PojoTypeInfo.class);
        PojoTypeInfo<LatencyPartial> pojo = (PojoTypeInfo<LatencyPartial>) info;
        assertThat(pojo.getTypeAt(pojo.getFieldIndex("stats"))).isInstanceOf(SerializerTypeInfo.class);
        assertThat(serializerWithoutGenericTypes(LatencyPartial.class)).isNotNull();
    }

    @Test
    void latencyAccumulatorRoundTripsEveryStage() throws Exception {
        LatencyAccumulator acc = accumulator();
        TypeSerializer<LatencyAccumulator> serializer = serializerWithoutGenericTypes(LatencyAccumulator.class);

        assertSameStats(roundTrip(serializer, acc), acc);
        assertSameStats(serializer.copy(acc), acc);
    }

    @Test
    void latencyPartialRoundTripsWithItsStats() throws Exception {
        LatencyPartial p = new LatencyPartial();
        p.service = "analyze-api";
        p.model = "blip2";
        p.endpoint = "";
        p.stats = accumulator();

        LatencyPartial back = roundTrip(serializerWithoutGenericTypes(LatencyPartial.class), p);

        assertThat(back.service).isEqualTo("analyze-api");
        assertThat(back.model).isEqualTo("blip2");
        assertThat(back.endpoint).isEmpty();
        assertSameStats(back.stats, p.stats);
    }

    @Test
    void copiedAccumulatorIsIndependentOfTheOriginal() {
        LatencyAccumulator acc = accumulator();
        LatencyAccumulator copy = serializerWithoutGenericTypes(LatencyAccumulator.class).copy(acc);

        acc.stage(LatencyStage.TOTAL).add(1e6);

        assertThat(copy.stage(LatencyStage.TOTAL).count()).isEqualTo(3);
        assertThat(copy.stage(LatencyStage.TOTAL).max()).isEqualTo(300.0);
    }

    // ---------------------------------------------------------------- helpers

    private static <T> TypeSerializer<T> serializerWithoutGenericTypes(Class<T> type) {
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false); // as in the job: a Kryo fall-back throws here
        return TypeInformation.of(type).createSerializer(config);
    }

    private static <T> T roundTrip(TypeSerializer<T> serializer, T value) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(value, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        T back = serializer.deserialize(in);
        assertThat(in.available()).as("bytes left after deserializing").isZero();
        return back;
    }

    private static void assertFieldsEqual(Object actual, Object expected) {
        assertThat(actual).usingRecursiveComparison()
                .withComparatorForType(Double::compare, Double.class) // NaN equals NaN
                .isEqualTo(expected);
    }

    /** Guards the fixtures: a field left at its default would round-trip trivially. */
    private static void assertEveryFieldSet(Object value, String path) throws IllegalAccessException {
        for (Field f : value.getClass().getFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            Object v = f.get(value);
            String name = path + "." + f.getName();
            if (v == null && value instanceof Event && f.getType() != String.class && f.getType() != EventType.class) {
                continue; // an event has exactly one body; allBodiesEvent() covers all four at once
            }
            assertThat(v).as(name).isNotNull();
            if (v instanceof Number && !(v instanceof Double)) {
                assertThat(((Number) v).longValue()).as(name).isNotZero();
            } else if (v instanceof Double) {
                assertThat((Double) v).as(name).isNotZero();
            } else if (v instanceof Boolean) {
                assertThat((Boolean) v).as(name).isTrue();
            } else if (v instanceof String && !f.getName().equals("endpoint")) {
                assertThat((String) v).as(name).isNotEmpty();
            } else if (v.getClass().getPackageName().startsWith("com.gluu") && !v.getClass().isEnum()
                    && !(v instanceof LatencyAccumulator)) {
                assertEveryFieldSet(v, name);
            }
        }
    }

    private static void assertSameStats(LatencyAccumulator actual, LatencyAccumulator expected) {
        for (LatencyStage stage : LatencyStage.values()) {
            StageStats a = actual.stage(stage);
            StageStats e = expected.stage(stage);
            assertThat(a.count()).as("%s count", stage).isEqualTo(e.count());
            if (e.count() == 0) {
                continue;
            }
            assertThat(a.max()).as("%s max", stage).isEqualTo(e.max());
            assertThat(a.mean()).as("%s mean", stage).isEqualTo(e.mean());
            assertThat(LatencySketches.toBytes(a.sketch())).as("%s sketch", stage)
                    .isEqualTo(LatencySketches.toBytes(e.sketch()));
        }
    }

    // ---------------------------------------------------------------- fixtures: every field set

    private static LatencyAccumulator accumulator() {
        LatencyAccumulator acc = new LatencyAccumulator();
        for (double[] v : new double[][] {{100, 60, Double.NaN}, {200, Double.NaN, 80}, {300, 120, 90}}) {
            LatencyObservation o = new LatencyObservation();
            o.totalMs = v[0];
            o.modelMs = v[1];
            o.llmMs = v[2];
            acc.add(o);
        }
        // By hand: total 3 values (max 300, mean 200), model 2 (max 120, mean 90), llm 2 (max 90, mean 85).
        assertThat(acc.stage(LatencyStage.TOTAL).count()).isEqualTo(3);
        assertThat(acc.stage(LatencyStage.MODEL).mean()).isEqualTo(90.0);
        assertThat(acc.stage(LatencyStage.LLM).max()).isEqualTo(90.0);
        return acc;
    }

    private static Event envelope(EventType type) {
        Event e = new Event();
        e.eventId = "e-" + type;
        e.type = type;
        e.ts = 1_795_325_888_123L;
        e.schemaVersion = 2;
        return e;
    }

    private static Event inferenceEvent() {
        Event e = envelope(EventType.INFERENCE);
        e.inference = inference();
        return e;
    }

    private static Event feedbackEvent() {
        Event e = envelope(EventType.FEEDBACK);
        e.feedback = feedback();
        return e;
    }

    private static Event endpointEvent() {
        Event e = envelope(EventType.ENDPOINT);
        e.endpoint = endpoint();
        return e;
    }

    private static Event taskEvent() {
        Event e = envelope(EventType.TASK);
        e.task = task();
        return e;
    }

    private static RawRecord rawRecord() {
        RawRecord r = new RawRecord("events/shardId-000000000003", "4959#2", new byte[] {'{', 0, (byte) 0xFF}, 5_000_000);
        r.eventTs = 1_795_325_888_123L;
        r.decodeFailure = com.gluu.kpi.events.DeadLetterReason.BAD_ENCODING;
        r.decodeDetail = "KPL aggregate fails its MD5 check";
        r.rangeStart = 1_048_576;
        r.rangeEnd = 2_097_153; // both range fields and the line count: no real record has all three
        r.rangeLines = 3_041;
        return r;
    }

    /** Strings the parser never leaves null (and no type, no status) still survive the wire. */
    private static Event eventWithNullStrings() {
        Event e = new Event();
        e.ts = -5;
        e.inference = new InferenceEvent();
        e.inference.route = null;
        e.inference.modelLatencyMs = Double.NaN;
        e.feedback = new FeedbackEvent();
        e.feedback.source = null;
        e.feedback.requestId = "réq-\uD800-日本"; // non-ASCII, with a lone surrogate as JSON's \\uD800 gives
        return e;
    }

    /** A feedback waiting for its inference: no model yet, two feedback events. */
    /** Not a valid event, but it puts every field of the envelope through the serializer at once. */
    private static Event allBodiesEvent() {
        Event e = inferenceEvent();
        e.feedback = feedback();
        e.endpoint = endpoint();
        e.task = task();
        e.job = job();
        return e;
    }

    private static Event jobEvent() {
        Event e = envelope(EventType.JOB);
        e.job = job();
        return e;
    }

    private static com.gluu.kpi.events.JobEvent job() {
        com.gluu.kpi.events.JobEvent j = new com.gluu.kpi.events.JobEvent();
        j.jobId = "job-7f3a";
        j.service = "analyze-api";
        j.state = "webhook_failed";
        j.kind = "analyze";
        j.clientId = "acme";
        j.model = "blip2";
        j.httpStatus = 502;
        j.attempt = 2;
        return j;
    }

    private static com.gluu.kpi.alerts.TenantMonth tenantMonth() {
        com.gluu.kpi.alerts.TenantMonth t = new com.gluu.kpi.alerts.TenantMonth();
        t.monthStart = 1_793_491_200_000L;
        t.foldedUsd = 12.5;
        t.foldedBefore = 1_795_325_880_000L;
        t.critical = true;
        t.alert.phase = com.gluu.kpi.alerts.AlertGroupState.FIRING;
        t.alert.alertId = "0123456789abcdef0123456789abcdef";
        t.alert.notifySeq = 2;
        t.alert.breaches = 1;
        t.alert.pendingSince = 1_795_325_820_000L;
        t.alert.lastNotifiedAt = 1_795_325_880_000L;
        t.alert.lastValue = 14.25;
        t.alert.clearSince = 1_795_325_880_000L;
        t.alert.heldBy = "deploy";
        return t;
    }

    private static com.gluu.kpi.jobs.JobSignal jobSignal() {
        com.gluu.kpi.jobs.JobSignal s = new com.gluu.kpi.jobs.JobSignal();
        s.service = "analyze-api";
        s.kind = "analyze";
        s.jobId = "job-7";
        s.seen = 1;
        s.submitted = 1;
        s.completed = 1;
        s.failed = 1;
        s.webhooksSent = 1;
        s.webhooksFailed = 1;
        s.queueMs = 1_500;
        s.runMs = 8_000;
        s.e2eMs = 12_000;
        s.gaugeAt = 1_795_325_940_000L;
        s.gaugeFinal = true;
        s.open = 1;
        s.stuck = 1;
        s.oldestOpenMs = 960_000;
        return s;
    }

    private static com.gluu.kpi.jobs.JobState jobState() {
        com.gluu.kpi.jobs.JobState s = new com.gluu.kpi.jobs.JobState();
        s.service = "analyze-api";
        s.kind = "analyze";
        s.firstTs = 1_795_325_880_000L;
        s.expiresAt = 1_795_412_280_000L;
        s.submittedTs = 1_795_325_880_000L;
        s.startedTs = 1_795_325_881_500L;
        s.finishedTs = 1_795_325_889_500L;
        s.completed = true;
        s.failed = true;
        s.webhookSentTs = 1_795_325_892_000L;
        s.failedAttempts = new int[] {1, 2};
        s.gaugeTimer = 1_795_325_939_999L;
        return s;
    }

    private static com.gluu.kpi.jobs.JobsRow jobsRow() {
        com.gluu.kpi.jobs.JobsRow r = new com.gluu.kpi.jobs.JobsRow();
        r.windowStart = 1_795_325_880_000L;
        r.windowEnd = 1_795_325_940_000L;
        r.service = "analyze-api";
        r.kind = "analyze";
        r.submitted = 3;
        r.completed = 2;
        r.failed = 1;
        r.webhooksSent = 2;
        r.webhooksFailed = 1;
        r.queueP95Ms = 1_500;
        r.runP95Ms = 8_000;
        r.e2eP50Ms = 11_000;
        r.e2eP95Ms = 12_000;
        r.e2eP99Ms = 12_000;
        r.e2eSketch = new byte[] {1, 2, 3};
        r.openAtEnd = 1;
        r.stuckAtEnd = 1;
        r.oldestOpenSeconds = 960;
        return r;
    }

    private static InferenceEvent inference() {
        InferenceEvent i = new InferenceEvent();
        i.requestId = "r-100";
        i.service = "analyze-api";
        i.route = "/analyze";
        i.model = "blip2";
        i.modelVersion = "blip2-opt-2.7b-2025-09";
        i.endpoint = "blip2-endpoint";
        i.clientId = "acme";
        i.async = true;
        i.status = InferenceStatus.CLIENT_ERROR;
        i.httpStatus = 422;
        i.errorType = "bad_image";
        i.totalLatencyMs = 6234.5;
        i.modelLatencyMs = 4120.25;
        i.llmLatencyMs = 1800.125;
        i.llmModel = "gpt-4o";
        i.promptTokens = 812;
        i.completionTokens = 240;
        i.images = 3;
        return i;
    }

    private static FeedbackEvent feedback() {
        FeedbackEvent f = new FeedbackEvent();
        f.requestId = "r-100";
        f.verdict = "partial";
        f.score = 0.75;
        f.source = "reviewer";
        return f;
    }

    private static EndpointEvent endpoint() {
        EndpointEvent p = new EndpointEvent();
        p.endpoint = "blip2-endpoint";
        p.model = "blip2";
        p.state = "InService";
        p.instanceType = "ml.g5.xlarge";
        p.instanceCount = 2;
        p.reason = "scale-out";
        return p;
    }

    private static TaskEvent task() {
        TaskEvent t = new TaskEvent();
        t.taskId = "arn:aws:ecs:task/1a2b";
        t.service = "analyze-api";
        t.state = "RUNNING";
        t.vcpu = 0.5;
        t.memoryGb = 2;
        return t;
    }

    private static DeadLetter deadLetter() {
        DeadLetter d = DeadLetter.of(RawRecord.of("events.jsonl", "9", "{\"ts\": 1}".getBytes(StandardCharsets.UTF_8)),
                com.gluu.kpi.events.DeadLetterReason.TOO_LATE, "ts is more than 300 s behind the watermark");
        d.eventId = "e-9";
        d.eventTs = 1_795_325_888_123L;
        return d;
    }

    private static LatencyObservation latencyObservation() {
        LatencyObservation o = new LatencyObservation();
        o.service = "analyze-api";
        o.model = "blip2";
        o.endpoint = "blip2-endpoint";
        o.totalMs = 6234.5;
        o.modelMs = Double.NaN; // an absent stage must survive as NaN
        o.llmMs = 1800.125;
        return o;
    }

    private static WaitingFeedback waitingFeedback() {
        return new WaitingFeedback(
                new PendingFeedback("incorrect", 0.25, 1_795_325_888_123L), new PendingFeedback("partial", 0.5, 1_795_325_889_000L));
    }

    private static TrafficObservation trafficObservation() {
        TrafficObservation o = new TrafficObservation();
        o.service = "analyze-api";
        o.route = "/analyze";
        o.model = "blip2";
        o.endpoint = "blip2-endpoint";
        o.status = InferenceStatus.ERROR;
        o.async = true;
        o.images = 4;
        o.clientId = "acme";
        o.promptTokens = 1_200;
        o.completionTokens = 140;
        o.llmPicoUsd = 3_500_000_000L;
        o.llmPicoUsdHigh = 1;
        return o;
    }

    /** A tenant input (every field set, the tenant's counts too): the cost windows keep these in their state. */
    private static com.gluu.kpi.cost.CostInput costInput() {
        com.gluu.kpi.cost.CostInput c = com.gluu.kpi.cost.CostInput.tenant("acme", "blip2", "blip2-endpoint");
        c.service = "analyze-api";
        c.requests = 7;
        c.llmPicoUsd = 3_500_000_000L;
        c.llmPicoUsdHigh = 1;
        c.usd = 0.25;
        c.tenant.errors = 2;
        c.tenant.images = 9;
        c.tenant.promptTokens = 8_400;
        c.tenant.completionTokens = 980;
        return c;
    }

    private static com.gluu.kpi.cost.TenantUsageRow tenantUsageRow() {
        com.gluu.kpi.cost.TenantUsageRow r = new com.gluu.kpi.cost.TenantUsageRow();
        r.windowStart = 1_795_325_880_000L;
        r.windowEnd = 1_795_325_940_000L;
        r.clientId = "acme";
        r.requests = 7;
        r.errors = 2;
        r.images = 9;
        r.promptTokens = 8_400;
        r.completionTokens = 980;
        r.llmUsd = 0.035;
        r.allocatedUsd = 0.0125;
        r.totalUsd = 0.0475;
        r.usdPerRequest = 0.0475 / 7;
        return r;
    }

    private static TrafficCounts trafficCounts() {
        TrafficCounts c = new TrafficCounts();
        c.requests = 10;
        c.ok = 6;
        c.clientErrors = 1;
        c.errors = 3;
        c.asyncRequests = 2;
        c.images = 12;
        c.llmPicoUsd = 7_000_000_000L;
        c.llmPicoUsdHigh = 2;
        return c;
    }

    private static TrafficPartial trafficPartial() {
        TrafficPartial p = new TrafficPartial();
        p.service = "analyze-api";
        p.route = "/analyze";
        p.model = "blip2";
        p.endpoint = "blip2-endpoint";
        p.counts = trafficCounts();
        return p;
    }

    private static LatencyRow latencyRow() {
        LatencyRow r = new LatencyRow();
        r.windowStart = 1_795_325_880_000L;
        r.windowEnd = 1_795_325_940_000L;
        r.service = "analyze-api";
        r.model = "blip2";
        r.endpoint = "blip2-endpoint";
        r.stage = "total";
        r.count = 42;
        r.p50Ms = 5000.5;
        r.p90Ms = 7000.25;
        r.p95Ms = 8000.125;
        r.p99Ms = 9900.0625;
        r.maxMs = 12000;
        r.meanMs = 5500.75;
        r.sketch = new byte[] {1, 2, 3, (byte) 0xFF};
        return r;
    }

    private static TrafficRow trafficRow() {
        TrafficRow r = new TrafficRow();
        r.windowStart = 1_795_325_880_000L;
        r.windowEnd = 1_795_329_480_000L;
        r.service = "analyze-api";
        r.route = "/analyze";
        r.model = "blip2";
        r.endpoint = "blip2-endpoint";
        r.requests = 10;
        r.ok = 6;
        r.clientErrors = 1;
        r.errors = 3;
        r.errorRate = 0.3;
        r.asyncRequests = 2;
        r.images = 12;
        return r;
    }

    private static AccuracyCounts accuracyCounts() {
        AccuracyCounts c = new AccuracyCounts();
        c.feedback = 7;
        c.correct = 3;
        c.partial = 2;
        c.incorrect = 2;
        c.scoreNanos = 4_250_000_000L;
        return c;
    }

    private static AccuracyRow accuracyRow() {
        AccuracyRow r = new AccuracyRow();
        r.windowStart = 1_795_325_880_000L;
        r.windowEnd = 1_795_325_940_000L;
        r.model = "blip2";
        r.modelVersion = "blip2-opt-2.7b-2025-09";
        r.feedback = 7;
        r.correct = 3;
        r.partial = 2;
        r.incorrect = 2;
        r.accuracy = 4.25 / 7;
        return r;
    }
}
