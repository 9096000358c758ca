package com.gluu.kpi.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.api.transformations.SideOutputTransformation;
import org.apache.flink.streaming.api.transformations.UnionTransformation;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.Test;

/**
 * {@link KpiWindows} on a toy family ("word-count": words counted per word and window): one window
 * operator per size with the uid and name a savepoint and the Flink UI expect, late records within
 * the allowed lateness updating their row at the next watermark (once per watermark step), later
 * ones ignored, and no state left once a window is past its lateness.
 */
class KpiWindowsTest {
    private static final long MINUTE = 60_000;
    private static final Duration LATENESS = Duration.ofMinutes(5);
    /** A minute boundary: the window under test is [W, W + 1 min). */
    private static final long W = 1_795_325_880_000L;

    @Test
    void everySizeGetsOneWindowOperatorWithTheFamilysUidAndName() {
        DataStream<String> rows = wordCounts(List.of(Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofDays(1)));

        assertThat(rows.getTransformation()).isInstanceOf(UnionTransformation.class);
        List<String> operators = new ArrayList<>();
        for (Transformation<?> window : rows.getTransformation().getInputs()) {
            operators.add(window.getUid() + " / " + window.getName());
        }
        assertThat(operators).containsExactly(
                "word-count-1m / word count 1m windows",
                "word-count-1h / word count 1h windows",
                "word-count-1d / word count 1d windows");
    }

    @Test
    void aSingleSizeIsTheWindowOperatorItselfSoAHarnessCanRunIt() {
        DataStream<String> rows = wordCounts(List.of(Duration.ofMinutes(1)));

        assertThat(rows.getTransformation()).isInstanceOf(OneInputTransformation.class);
        assertThat(rows.getTransformation().getUid()).isEqualTo("word-count-1m");
    }

    @Test
    void aLateRecordWithinTheAllowedLatenessUpdatesItsRowAndALaterOneIsIgnored() throws Exception {
        try (var h = harness(wordCounts(List.of(Duration.ofMinutes(1))))) {
            h.processElement("a", W + 1_000);
            h.processElement("a", W + 2_000);
            h.processElement("b", W + 3_000);
            h.processWatermark(new Watermark(W + MINUTE - 1)); // the window's last ms: it fires
            assertThat(drain(h)).containsExactlyInAnyOrder("a=2 @" + W, "b=1 @" + W);

            h.processWatermark(new Watermark(W + MINUTE - 1 + 4 * MINUTE)); // 4 of the 5 minutes of lateness
            h.processElement("a", W + 30_000);
            assertThat(drain(h)).as("a late record fires its window at the next watermark").isEmpty();
            h.processWatermark(new Watermark(W + MINUTE - 1 + 4 * MINUTE + 1));
            assertThat(drain(h)).containsExactly("a=3 @" + W);

            h.processWatermark(new Watermark(W + MINUTE - 1 + LATENESS.toMillis())); // lateness over: state goes
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
            h.processElement("a", W + 40_000);
            assertThat(drain(h)).isEmpty();
        }
    }

    @Test
    void theLateRecordsOfOneWatermarkStepFireTheirWindowOnce() throws Exception {
        DataStream<String> rows = minuteWordLists();
        try (var h = harness(rows)) {
            h.processElement("a", W + 1_000);
            h.processWatermark(new Watermark(W + MINUTE - 1));
            assertThat(drain(h)).containsExactly("[a] @" + W);

            // Three late records under one watermark, as a pre-aggregator sends a step's late
            // partials: Flink's EventTimeTrigger would fire the whole window three times.
            h.processElement("b", W + 2_000);
            h.processElement("c", W + 3_000);
            h.processElement("d", W + 4_000);
            h.processWatermark(new Watermark(W + 2 * MINUTE));
            assertThat(drain(h)).containsExactly("[a, b, c, d] @" + W);

            h.processWatermark(new Watermark(W + 3 * MINUTE)); // no late records in this step: no fire
            assertThat(drain(h)).isEmpty();
        }
    }

    @Test
    void aLateRecordUnderAStalledWatermarkFiresAfterTwoSecondsOfProcessingTime() throws Exception {
        try (var h = harness(wordCounts(List.of(Duration.ofMinutes(1))))) {
            h.setProcessingTime(10_500);
            h.processElement("a", W + 1_000);
            h.processWatermark(new Watermark(W + MINUTE - 1));
            assertThat(drain(h)).containsExactly("a=1 @" + W);

            h.processElement("a", W + 2_000); // late, and no watermark follows
            h.setProcessingTime(11_999);
            assertThat(drain(h)).isEmpty();
            h.setProcessingTime(12_000); // the second it arrived in (10 s) + 2 s
            assertThat(drain(h)).containsExactly("a=2 @" + W);

            h.processWatermark(new Watermark(W + MINUTE - 1 + LATENESS.toMillis())); // state goes
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void processKeepsTheWholeWindowForRowsThatNeedAllOfIt() throws Exception {
        DataStream<String> rows = minuteWordLists();
        assertThat(rows.getTransformation().getUid()).isEqualTo("word-list-1m");
        try (var h = harness(rows)) {
            h.processElement("b", W + 1_000);
            h.processElement("a", W + 2_000);
            h.processWatermark(new Watermark(W + MINUTE - 1));
            assertThat(drain(h)).containsExactly("[b, a] @" + W);
        }
    }

    /** Words listed per window, and each window's word count to a side output: one operator per size for both. */
    private static final OutputTag<String> COUNTS = new OutputTag<>("counts", Types.STRING);

    @Test
    void aSideOutputComesFromTheSameWindowOperatorsOfEverySize() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        KpiWindows.Outputs<String, String> both = KpiWindows.named("word-list")
                .sizes(List.of(Duration.ofMinutes(1), Duration.ofHours(1)))
                .allowedLateness(LATENESS)
                .keyBy(words(env), w -> "all", Types.STRING)
                .process(new WordListAndCount(), COUNTS);

        List<String> windows = new ArrayList<>();
        for (Transformation<?> window : both.rows().getTransformation().getInputs()) {
            windows.add(window.getUid());
        }
        assertThat(windows).containsExactly("word-list-1m", "word-list-1h");
        List<String> sides = new ArrayList<>();
        for (Transformation<?> side : both.side().getTransformation().getInputs()) {
            assertThat(side).isInstanceOf(SideOutputTransformation.class);
            sides.add(side.getInputs().get(0).getUid());
        }
        assertThat(sides).as("the side output of each window operator").containsExactly("word-list-1m", "word-list-1h");

        KpiWindows.Outputs<String, String> minute = KpiWindows.named("word-list")
                .sizes(List.of(Duration.ofMinutes(1)))
                .allowedLateness(LATENESS)
                .keyBy(words(env), w -> "all", Types.STRING)
                .process(new WordListAndCount(), COUNTS);
        try (var h = harness(minute.rows())) {
            h.processElement("b", W + 1_000);
            h.processElement("a", W + 2_000);
            h.processWatermark(new Watermark(W + MINUTE - 1));
            assertThat(drain(h)).containsExactly("[b, a] @" + W);
            assertThat(h.getSideOutput(COUNTS)).extracting(r -> r.getValue()).containsExactly("2 words @" + W);
        }
    }

    @Test
    void aFamilyNameThatIsNotAUidPrefixOrNoSizesFailAtBuildTime() {
        assertThatThrownBy(() -> KpiWindows.named("Word count")).hasMessageContaining("lower-case words joined by '-'");
        assertThatThrownBy(() -> KpiWindows.named("word-count").sizes(List.of()))
                .hasMessageContaining("at least one window size");
        assertThatThrownBy(() -> KpiWindows.named("word-count").sizes(List.of(Duration.ZERO)))
                .hasMessageContaining("must be positive");
        assertThatThrownBy(() -> KpiWindows.named("word-count").allowedLateness(Duration.ofMinutes(-1)))
                .hasMessageContaining("must not be negative");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        assertThatThrownBy(() -> KpiWindows.named("word-count").keyBy(words(env), w -> w, Types.STRING))
                .hasMessageContaining("sizes(...) before keyBy(...)");
    }

    // ---------------------------------------------------------------- the toy family

    private static DataStream<String> words(StreamExecutionEnvironment env) {
        return env.fromData("a").returns(Types.STRING);
    }

    /** All words of a minute in one list (one key: the whole window, as cost keeps it). */
    private static DataStream<String> minuteWordLists() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        return KpiWindows.named("word-list")
                .sizes(List.of(Duration.ofMinutes(1)))
                .allowedLateness(LATENESS)
                .keyBy(words(env), w -> "all", Types.STRING)
                .process(new WordList());
    }

    private static DataStream<String> wordCounts(List<Duration> sizes) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        return KpiWindows.named("word-count")
                .sizes(sizes)
                .allowedLateness(LATENESS)
                .keyBy(words(env), w -> w, Types.STRING)
                .aggregate(new Count(), new CountRow(), Types.LONG, Types.LONG, Types.STRING);
    }

    static final class Count implements AggregateFunction<String, Long, Long> {
        @Override
        public Long createAccumulator() {
            return 0L;
        }

        @Override
        public Long add(String word, Long count) {
            return count + 1;
        }

        @Override
        public Long getResult(Long count) {
            return count;
        }

        @Override
        public Long merge(Long a, Long b) {
            return a + b;
        }
    }

    static final class CountRow extends ProcessWindowFunction<Long, String, String, TimeWindow> {
        @Override
        public void process(String word, Context ctx, Iterable<Long> counts, Collector<String> out) {
            out.collect(word + "=" + counts.iterator().next() + " @" + ctx.window().getStart());
        }
    }

    static final class WordList extends ProcessWindowFunction<String, String, String, TimeWindow> {
        @Override
        public void process(String key, Context ctx, Iterable<String> words, Collector<String> out) {
            List<String> all = new ArrayList<>();
            words.forEach(all::add);
            out.collect(all + " @" + ctx.window().getStart());
        }
    }

    static final class WordListAndCount extends ProcessWindowFunction<String, String, String, TimeWindow> {
        @Override
        public void process(String key, Context ctx, Iterable<String> words, Collector<String> out) {
            List<String> all = new ArrayList<>();
            words.forEach(all::add);
            out.collect(all + " @" + ctx.window().getStart());
            ctx.output(COUNTS, all.size() + " words @" + ctx.window().getStart());
        }
    }

    @SuppressWarnings("unchecked")
    private static KeyedOneInputStreamOperatorTestHarness<String, String, String> harness(DataStream<String> rows)
            throws Exception {
        OneInputTransformation<String, String> window = (OneInputTransformation<String, String>) rows.getTransformation();
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(window.getOperatorFactory(),
                (KeySelector<String, String>) window.getStateKeySelector(),
                (TypeInformation<String>) window.getStateKeyType());
        harness.open();
        return harness;
    }

    private static List<String> drain(KeyedOneInputStreamOperatorTestHarness<String, String, String> h) {
        List<String> out = h.extractOutputValues();
        h.getOutput().clear();
        return out;
    }
}
