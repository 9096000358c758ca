package com.gluu.kpi.accuracy;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventType;
import com.gluu.kpi.events.FeedbackEvent;
import com.gluu.kpi.events.InferenceEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.api.transformations.UnionTransformation;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The window operators built by {@link AccuracyKpis#rows}: rows per model and version with
 * hand-computed counts and accuracy, in the window of the feedback's ts even when the join
 * emitted it late, and an allowed lateness of feedback_wait + 2 × allowed_lateness (10 + 10 min).
 */
class AccuracyWindowsTest {
    private static final long MINUTE = 60_000;
    /** 2026-11-22T05:38:00Z, a minute boundary; the window under test is [W, W + 1 min). */
    private static final long W = 1_795_325_880_000L;
    private static final long W_MAX = W + MINUTE - 1;

    private KeyedOneInputStreamOperatorTestHarness<Tuple2<String, String>, AccuracyObservation, AccuracyRow> windows;
    private KeyedOneInputStreamOperatorTestHarness<String, Event, AccuracyObservation> join;

    @AfterEach
    void close() throws Exception {
        if (windows != null) {
            windows.close();
        }
        if (join != null) {
            join.close();
        }
    }

    @Test
    void oneRowPerModelAndVersionWithCountsAndMeanScore() throws Exception {
        windows = windowHarness("1m");
        observe("blip2", "v1", "correct", 1.0, W);
        observe("blip2", "v1", "partial", 0.5, W + 10_000);
        observe("blip2", "v1", "incorrect", 0.25, W + 20_000); // a given score, not the verdict's 0
        observe("blip2", "v1", "incorrect", 0.0, W_MAX);
        observe("blip2", "v2", "incorrect", 0.0, W + 5);
        observe(FeedbackJoin.UNMATCHED, "", "correct", 1.0, W + 6);
        observe("blip2", "v1", "partial", 0.5, W + MINUTE); // next window

        windows.processWatermark(W_MAX);

        // By hand: blip2/v1 has 1 + 0.5 + 0.25 + 0 = 1.75 over 4 feedbacks = 0.4375.
        assertThat(rows()).containsExactly(
                row(W, "blip2", "v1", 4, 1, 1, 2, 0.4375),
                row(W, "blip2", "v2", 1, 0, 0, 1, 0.0),
                row(W, "unmatched", "", 1, 1, 0, 0, 1.0));

        windows.processWatermark(W_MAX + MINUTE);
        assertThat(rows()).containsExactly(row(W + MINUTE, "blip2", "v1", 1, 0, 1, 0, 0.5));
    }

    @Test
    void theMeanDoesNotDependOnTheOrderOfTheScores() throws Exception {
        double[] scores = {0.1, 0.2, 0.3, 0.7, 0.9, 0.35};
        List<Double> accuracies = new ArrayList<>();
        for (int rotation = 0; rotation < scores.length; rotation++) {
            windows = windowHarness("1m");
            for (int i = 0; i < scores.length; i++) {
                observe("blip2", "v1", "partial", scores[(i + rotation) % scores.length], W + i);
            }
            windows.processWatermark(W_MAX);
            accuracies.add(windows.extractOutputValues().get(0).accuracy);
            windows.close();
            windows = null;
        }
        // 0.1 + 0.2 + 0.3 + 0.7 + 0.9 + 0.35 = 2.55; 2.55 / 6 = 0.425 (double sums would differ by order).
        assertThat(accuracies).containsOnly(0.425);
    }

    @Test
    void feedbackEmittedLateStillUpdatesTheWindowOfItsOwnTsUntilWaitPlusTwiceTheLateness() throws Exception {
        windows = windowHarness("1m");
        observe("blip2", "v1", "correct", 1.0, W + 1);
        windows.processWatermark(W_MAX);
        assertThat(rows()).containsExactly(row(W, "blip2", "v1", 1, 1, 0, 0, 1.0));

        // A feedback at W + 50 s given up by the join at watermark W + 50 s + 15 min; the window
        // still holds at the last watermark before its cleanup, W_MAX + 10 + 2 × 5 min.
        windows.processWatermark(W_MAX + 20 * MINUTE - 1);
        observe(FeedbackJoin.UNMATCHED, "", "partial", 0.5, W + 50_000);
        observe("blip2", "v1", "incorrect", 0.0, W + 50_000);
        assertThat(rows()).as("late records fire their windows at the next watermark").isEmpty();

        // That watermark is the windows' cleanup time: they fire first, then their state goes.
        windows.processWatermark(W_MAX + 20 * MINUTE);
        assertThat(rows()).containsExactlyInAnyOrder(
                row(W, "unmatched", "", 1, 0, 1, 0, 0.5),
                row(W, "blip2", "v1", 2, 1, 0, 1, 0.5));
        assertThat(windows.numKeyedStateEntries()).isZero();
        assertThat(windows.numEventTimeTimers()).isZero();
        observe("blip2", "v1", "correct", 1.0, W + 50_000);
        assertThat(rows()).as("past the allowed lateness nothing changes").isEmpty();
    }

    @Test
    void hourRowCollectsItsFeedback() throws Exception {
        windows = windowHarness("1h");
        long hour = W - 38 * MINUTE; // 05:00
        observe("blip2", "v1", "correct", 1.0, hour);
        observe("blip2", "v1", "correct", 0.5, hour + 38 * MINUTE);
        observe("blip2", "v1", "partial", 0.5, hour + 60 * MINUTE - 1);
        observe("blip2", "v1", "incorrect", 0.0, hour + 60 * MINUTE); // next hour

        windows.processWatermark(hour + 60 * MINUTE - 1);

        // (1 + 0.5 + 0.5) / 3
        assertThat(rows()).containsExactly(row(hour, hour + 60 * MINUTE, "blip2", "v1", 3, 2, 1, 0, 2.0 / 3.0));
    }

    /** The join and the windows together: a feedback given up late lands in its own minute. */
    @Test
    void joinThenWindowsPutAWaitingFeedbackInTheMinuteOfItsOwnTs() throws Exception {
        windows = windowHarness("1m");
        join = new KeyedOneInputStreamOperatorTestHarness<>(
                new FeedbackJoin(Duration.ofDays(7), Duration.ofMinutes(10), Duration.ofMinutes(5)),
                Event::routingKey, Types.STRING);
        join.open();

        feedbackEvent("matched-late", "correct", W + 10_000);
        feedbackEvent("never", "incorrect", W + 20_000);
        feedbackEvent("on-time", "partial", W + 30_000);
        inferenceEvent("on-time", "blip2", "v1", W - MINUTE);
        joinWatermark(W + 14 * MINUTE);
        assertThat(rows()).as("W fired with the one decided feedback").containsExactly(
                row(W, "blip2", "v1", 1, 0, 1, 0, 0.5));

        inferenceEvent("matched-late", "blip2", "v1", W + 9 * MINUTE); // 9 min after its feedback
        joinWatermark(W + 20_000 + 15 * MINUTE); // "never" is given up now
        assertThat(rows()).containsExactlyInAnyOrder(
                row(W, "blip2", "v1", 2, 1, 1, 0, 0.75),
                row(W, "unmatched", "", 1, 0, 0, 1, 0.0));
        assertThat(join.numEventTimeTimers()).isZero();
    }

    @Test
    void everyWindowSizeIsItsOwnOperatorWithAStableUid() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<AccuracyRow> rows = AccuracyKpis.rows(observations(env), JobConfig.defaults());

        List<String> uids = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Transformation<?> t : ((UnionTransformation<?>) rows.getTransformation()).getInputs()) {
            uids.add(t.getUid());
            names.add(t.getName());
        }
        assertThat(uids).containsExactly("accuracy-1m", "accuracy-1h");
        assertThat(names).containsExactly("accuracy 1m windows", "accuracy 1h windows");
    }

    @Test
    @SuppressWarnings("unchecked")
    void joinIsTheFeedbackJoinWithTheConfiguredDurationsOnTheReinterpretedKeyedStream() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Event sample = new Event();
        DataStream<Event> deduped = env.fromData(sample).returns(TypeInformation.of(Event.class));
        JobConfig config = JobConfig.defaults().with(Map.of(
                "accuracy.horizon", "1h", "accuracy.feedback_wait", "2m", "time.allowed_lateness", "1m"));
        DataStream<AccuracyObservation> joined = AccuracyKpis.join(
                DataStreamUtils.reinterpretAsKeyedStream(deduped, Event::routingKey, Types.STRING), config);

        OneInputTransformation<Event, AccuracyObservation> t =
                (OneInputTransformation<Event, AccuracyObservation>) joined.getTransformation();
        assertThat(t.getUid()).isEqualTo("feedback-join");
        assertThat(t.getName()).isEqualTo("feedback join");

        join = new KeyedOneInputStreamOperatorTestHarness<>(t.getOperatorFactory(),
                (KeySelector<Event, String>) t.getStateKeySelector(), (TypeInformation<String>) t.getStateKeyType());
        join.open();
        // windows stays null: pump() leaves the join's output where it is.
        feedbackEvent("late", "correct", W + 1_000); // no inference: given up at + 2 min + 1 min
        inferenceEvent("old", "blip2", "v1", W - 60 * MINUTE - 1); // 1 h + 1 ms before its feedback
        feedbackEvent("old", "incorrect", W); // beyond the 1 h horizon: unmatched at once
        join.processWatermark(W + 1_000 + 3 * MINUTE - 1);
        assertThat(observed()).containsExactly("unmatched/incorrect@" + W);
        join.processWatermark(W + 1_000 + 3 * MINUTE);
        assertThat(observed()).containsExactly("unmatched/correct@" + (W + 1_000));
    }

    // ---------------------------------------------------------------- helpers

    private static DataStream<AccuracyObservation> observations(StreamExecutionEnvironment env) {
        return env.fromData(new AccuracyObservation("m", "", "correct", 1, 0))
                .returns(TypeInformation.of(AccuracyObservation.class));
    }

    @SuppressWarnings("unchecked")
    private static KeyedOneInputStreamOperatorTestHarness<Tuple2<String, String>, AccuracyObservation, AccuracyRow>
            windowHarness(String size) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        JobConfig config = JobConfig.defaults().with(Map.of("windows", List.of(size)));
        OneInputTransformation<AccuracyObservation, AccuracyRow> t =
                (OneInputTransformation<AccuracyObservation, AccuracyRow>) AccuracyKpis.rows(observations(env), config)
                        .getTransformation();
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(t.getOperatorFactory(),
                (KeySelector<AccuracyObservation, Tuple2<String, String>>) t.getStateKeySelector(),
                (TypeInformation<Tuple2<String, String>>) t.getStateKeyType());
        harness.open();
        return harness;
    }

    private void observe(String model, String version, String verdict, double score, long ts) throws Exception {
        windows.processElement(new AccuracyObservation(model, version, verdict, score, ts), ts);
    }

    private void feedbackEvent(String requestId, String verdict, long ts) throws Exception {
        Event e = new Event();
        e.eventId = "f-" + requestId;
        e.type = EventType.FEEDBACK;
        e.ts = ts;
        e.feedback = new FeedbackEvent();
        e.feedback.requestId = requestId;
        e.feedback.verdict = verdict;
        join.processElement(e, ts);
        pump();
    }

    private void inferenceEvent(String requestId, String model, String version, long ts) throws Exception {
        Event e = new Event();
        e.eventId = "i-" + requestId;
        e.type = EventType.INFERENCE;
        e.ts = ts;
        e.inference = new InferenceEvent();
        e.inference.requestId = requestId;
        e.inference.model = model;
        e.inference.modelVersion = version;
        join.processElement(e, ts);
        pump();
    }

    private void joinWatermark(long ts) throws Exception {
        join.processWatermark(ts);
        pump();
    }

    /** Forwards the join's output, records and watermarks in their order, to the windows. */
    @SuppressWarnings("unchecked")
    private void pump() throws Exception {
        if (windows == null) {
            return;
        }
        for (Object o : join.getOutput()) {
            if (o instanceof StreamRecord) {
                windows.processElement((StreamRecord<AccuracyObservation>) o);
            } else if (o instanceof Watermark) {
                windows.processWatermark((Watermark) o);
            }
        }
        join.getOutput().clear();
    }

    private List<String> observed() {
        List<String> out = new ArrayList<>();
        for (AccuracyObservation o : join.extractOutputValues()) {
            out.add(o.model + "/" + o.verdict + "@" + o.ts);
        }
        join.getOutput().clear();
        return out;
    }

    /** The rows emitted since the last call, as comparable strings, sorted by model and version. */
    private List<String> rows() {
        List<AccuracyRow> out = windows.extractOutputValues();
        windows.getOutput().clear();
        out.sort(Comparator.comparing((AccuracyRow r) -> r.model).thenComparing(r -> r.modelVersion));
        List<String> text = new ArrayList<>();
        out.forEach(r -> text.add(text(r)));
        return text;
    }

    private static String row(long start, String model, String version, long feedback, long correct, long partial,
            long incorrect, double accuracy) {
        return row(start, start + MINUTE, model, version, feedback, correct, partial, incorrect, accuracy);
    }

    private static String row(long start, long end, String model, String version, long feedback, long correct,
            long partial, long incorrect, double accuracy) {
        AccuracyRow r = new AccuracyRow();
        r.windowStart = start;
        r.windowEnd = end;
        r.model = model;
        r.modelVersion = version;
        r.feedback = feedback;
        r.correct = correct;
        r.partial = partial;
        r.incorrect = incorrect;
        r.accuracy = accuracy;
        return text(r);
    }

    private static String text(AccuracyRow r) {
        return "[" + r.windowStart + ", " + r.windowEnd + ") " + r.model + "/" + r.modelVersion + " feedback=" + r.feedback
                + " correct=" + r.correct + " partial=" + r.partial + " incorrect=" + r.incorrect
                + " accuracy=" + r.accuracy;
    }
}
