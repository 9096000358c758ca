package com.gluu.kpi.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.accuracy.FeedbackJoin;
import com.gluu.kpi.cost.CostInput;
import com.gluu.kpi.cost.CostRow;
import com.gluu.kpi.cost.CostWindowRows;
import com.gluu.kpi.operators.KpiWindows;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventType;
import com.gluu.kpi.events.FeedbackEvent;
import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.RawRecord;
import com.gluu.kpi.pipeline.Deduplicate;
import com.gluu.kpi.pipeline.KeyCap;
import com.gluu.kpi.pipeline.ParseEvents;
import com.gluu.kpi.traffic.TrafficCounts;
import com.gluu.kpi.traffic.TrafficPartial;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshotSerializationUtil;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;

/**
 * Where the upgrade fixtures live and how they are written and read: Flink's
 * {@code TypeSerializerUpgradeTestBase} pattern (a serializer's snapshot plus data written with
 * it) for each hand-written serializer, and operator-state snapshots (the bytes a savepoint holds
 * for one operator subtask) for operators with hand-written state.
 *
 * <p>{@code src/test/resources/upgrade/<subject>/<fixture>/}: {@code <fixture>} names the build
 * that wrote it ({@code before-versions}: the last build without format versions;
 * {@code layout-1}: the first with them). A fixture is written once, by the build it is named
 * after, with {@link WriteUpgradeFixtures}, and never rewritten: it stands for savepoints taken by
 * that build. (The parse and key-cap fixtures exist from layout 1 on: their blobs were versioned
 * already.)
 */
final class UpgradeFixtures {
    static final Path ROOT = Path.of("src/test/resources/upgrade");

    static final String EVENT_SERIALIZER = "event-serializer";
    static final String LATENCY_SERIALIZER = "latency-accumulator-serializer";
    static final String WAITING_FEEDBACK_SERIALIZER = "waiting-feedback-serializer";
    /** {@link EventKeeper}'s keyed state: events in a ValueState, as a savepoint holds them. */
    static final String EVENT_STATE = "event-state";
    static final String DEDUP = "dedup";
    static final String FEEDBACK_JOIN = "feedback-join";
    /** The parse step: the event-time gate with a held record, and the counts. */
    static final String PARSE = "parse";
    static final String KEY_CAP = "key-cap";
    /** A cost window's list state: the {@code CostInput}s of a minute not yet fired. */
    static final String COST_WINDOW = "cost-window";

    static final String SNAPSHOT_FILE = "serializer-snapshot";
    static final String DATA_FILE = "test-data";
    static final String OPERATOR_STATE_FILE = "operator-state";

    static final int MAX_PARALLELISM = 128;

    /** Dedup: window 10 min, lateness 5 min (the job's defaults). */
    static final Duration DEDUP_WINDOW = Duration.ofMinutes(10);
    static final Duration LATENESS = Duration.ofMinutes(5);
    /** 2026-11-22T05:38:00Z. */
    static final long T0 = 1_795_325_880_000L;
    static final long MINUTE = 60_000;

    private UpgradeFixtures() {}

    static Path dir(String subject, String fixture) {
        return ROOT.resolve(subject).resolve(fixture);
    }

    // ---------------------------------------------------------------- serializers

    static <T> void writeSerializer(Path dir, TypeSerializer<T> serializer, List<T> values) throws IOException {
        DataOutputSerializer snapshot = new DataOutputSerializer(64);
        TypeSerializerSnapshotSerializationUtil.writeSerializerSnapshot(snapshot, serializer.snapshotConfiguration());
        DataOutputSerializer data = new DataOutputSerializer(1024);
        data.writeInt(values.size());
        for (T value : values) {
            serializer.serialize(value, data);
        }
        Files.createDirectories(dir);
        Files.write(dir.resolve(SNAPSHOT_FILE), snapshot.getCopyOfBuffer());
        Files.write(dir.resolve(DATA_FILE), data.getCopyOfBuffer());
    }

    static <T> TypeSerializerSnapshot<T> readSnapshot(Path dir) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(Files.readAllBytes(dir.resolve(SNAPSHOT_FILE)));
        TypeSerializerSnapshot<T> snapshot = TypeSerializerSnapshotSerializationUtil.readSerializerSnapshot(in,
                UpgradeFixtures.class.getClassLoader());
        assertThat(in.available()).as("bytes left after the snapshot in %s", dir).isZero();
        return snapshot;
    }

    /** The values of the fixture's data, read with {@code serializer}; every byte must be used. */
    static <T> List<T> readData(Path dir, TypeSerializer<T> serializer) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(Files.readAllBytes(dir.resolve(DATA_FILE)));
        int n = in.readInt();
        List<T> values = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            values.add(serializer.deserialize(in));
        }
        assertThat(in.available()).as("bytes left after the data in %s", dir).isZero();
        return values;
    }

    // ---------------------------------------------------------------- operator state

    static void writeOperatorState(Path dir, OperatorSubtaskState state) throws Exception {
        Files.createDirectories(dir);
        OperatorSnapshotUtil.writeStateHandle(state, dir.resolve(OPERATOR_STATE_FILE).toString());
    }

    /**
     * What a savepoint holds of the harness's operator: a canonical savepoint (the format every
     * state backend restores, which a heap checkpoint is not), as {@code flink stop} takes it.
     */
    static OperatorSubtaskState savepoint(AbstractStreamOperatorTestHarness<?> harness, long id) throws Exception {
        return harness.snapshotWithLocalState(id, id, SavepointType.savepoint(SavepointFormatType.CANONICAL))
                .getJobManagerOwnedState();
    }

    static OperatorSubtaskState readOperatorState(Path dir) throws Exception {
        return OperatorSnapshotUtil.readStateHandle(dir.resolve(OPERATOR_STATE_FILE).toString());
    }

    static KeyedOneInputStreamOperatorTestHarness<String, Event, Event> eventKeeper(TypeSerializer<Event> serializer)
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new EventKeeper(serializer), EventKeeper::key, Types.STRING,
                MAX_PARALLELISM, 1, 0);
    }

    static KeyedOneInputStreamOperatorTestHarness<String, Event, Event> dedup(int parallelism, int subtask)
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new Deduplicate(DEDUP_WINDOW, LATENESS), Event::routingKey,
                Types.STRING, MAX_PARALLELISM, parallelism, subtask);
    }

    static KeyedOneInputStreamOperatorTestHarness<String, Event, com.gluu.kpi.accuracy.AccuracyObservation>
            feedbackJoin() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new FeedbackJoin(Duration.ofDays(7), Duration.ofMinutes(10), LATENESS), Event::routingKey,
                Types.STRING, MAX_PARALLELISM, 1, 0);
    }

    static OneInputStreamOperatorTestHarness<RawRecord, Event> parse() throws Exception {
        return new OneInputStreamOperatorTestHarness<>(ParseEvents.forJob(JobConfig.defaults(), false));
    }

    /** A task event as a JSON line {@code line} of events.jsonl. */
    static RawRecord taskLine(int line, String eventId, long ts) {
        String json = "{\"event_id\":\"" + eventId + "\",\"type\":\"task\",\"ts\":" + ts
                + ",\"task_id\":\"t\",\"service\":\"analyze-api\",\"state\":\"RUNNING\"}";
        return RawRecord.of("events.jsonl", Integer.toString(line), json.getBytes(StandardCharsets.UTF_8));
    }

    static RawRecord notJsonLine(int line) {
        return RawRecord.of("events.jsonl", Integer.toString(line), "{not json".getBytes(StandardCharsets.UTF_8));
    }

    /** The traffic table's cap: 1 min and 1 h windows, 5 min lateness, at most 2 keys per window. */
    static OneInputStreamOperatorTestHarness<TrafficPartial, TrafficPartial> keyCap() throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new KeyCap<>("kpi.traffic",
                List.of(Duration.ofMinutes(1), Duration.ofHours(1)), LATENESS, 2, new TrafficPartial.CapPolicy()));
    }

    /**
     * The cost windows of one size (1 min, lateness 5 min) as {@code CostKpis} builds them: every
     * input of a window under one key, kept whole (list state) until the window fires; the
     * tenants' rows go to the side output {@code CostWindowRows.TENANT_USAGE}.
     */
    @SuppressWarnings("unchecked")
    static KeyedOneInputStreamOperatorTestHarness<String, CostInput, CostRow> costWindow() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<CostRow> rows = KpiWindows.named("cost")
                .sizes(List.of(Duration.ofMinutes(1)))
                .allowedLateness(LATENESS)
                .keyBy(env.fromData(new CostInput()).returns(TypeInformation.of(CostInput.class)), c -> "window",
                        Types.STRING)
                .process(new CostWindowRows(), CostWindowRows.TENANT_USAGE)
                .rows();
        OneInputTransformation<CostInput, CostRow> window = (OneInputTransformation<CostInput, CostRow>) rows.getTransformation();
        return new KeyedOneInputStreamOperatorTestHarness<>(window.getOperatorFactory(),
                (KeySelector<CostInput, String>) window.getStateKeySelector(), Types.STRING, MAX_PARALLELISM, 1, 0);
    }

    /** 2026-11-22T05:00:00Z, an hour's start. */
    static final long H0 = 1_795_323_600_000L;

    /** A traffic partial of {@code service} in minute {@code minute} from H0, stamped with the minute's last ms. */
    static void sendPartial(OneInputStreamOperatorTestHarness<TrafficPartial, TrafficPartial> harness, String service,
            int minute) throws Exception {
        TrafficPartial p = new TrafficPartial();
        p.service = service;
        p.route = "/analyze";
        p.model = "blip2";
        p.endpoint = "ep";
        p.counts = new TrafficCounts();
        p.counts.requests = 1;
        harness.processElement(p, H0 + (minute + 1) * MINUTE - 1);
    }

    /** The ids the dedup fixture remembers (first copies at T0 + i min), with one duplicate of the first. */
    static final List<String> DEDUP_IDS = List.of("evt-a", "evt-b", "evt-c", "evt-d");

    static Event inference(String eventId, String requestId, String model, String version, long ts) {
        Event e = new Event();
        e.eventId = eventId;
        e.type = EventType.INFERENCE;
        e.ts = ts;
        e.inference = new InferenceEvent();
        e.inference.requestId = requestId;
        e.inference.service = "analyze-api";
        e.inference.model = model;
        e.inference.modelVersion = version;
        return e;
    }

    static Event feedback(String requestId, String verdict, double score, long ts) {
        Event e = new Event();
        e.eventId = "f-" + requestId + "-" + ts;
        e.type = EventType.FEEDBACK;
        e.ts = ts;
        e.feedback = new FeedbackEvent();
        e.feedback.requestId = requestId;
        e.feedback.verdict = verdict;
        e.feedback.score = score;
        return e;
    }
}
