package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.RawRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Held records in the file replay's own chain — parse, the job's watermark assigner, the input
 * end marker, then 1-minute event-time windows with 5 min allowed lateness and a side output for
 * anything later — on a MiniCluster: a record hours ahead is counted in its own window
 * once the file reaches its time, nothing behind it is late, and records held at the end are
 * emitted ahead of the final watermark (and counted in the input end's latest event time).
 * Expected window counts are worked out from the input list with plain arithmetic.
 */
class EventTimeHoldITCase {
    private static final long SECOND = 1_000;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    /** Yesterday, on a minute: within a day of the wall clock, as a live stream would be. */
    private static final long T0 = (System.currentTimeMillis() / MINUTE - 24 * 60) * MINUTE;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(1).build());

    private static final OutputTag<Event> LATE = new OutputTag<>("late") {};

    /** What came out: window start → count, late events, dead letters, the input end's ts. */
    private record Outcome(Map<Long, Long> windows, List<String> late, List<String> deadLetters, List<Long> inputEnds) {}

    @Test
    void aRecordThreeHoursAheadIsCountedInItsOwnWindowOnceTheFileReachesItsTime() throws Exception {
        List<long[]> input = new ArrayList<>(); // {ts}
        for (long ts = T0; ts <= T0 + 3 * HOUR + 5 * MINUTE; ts += 30 * SECOND) {
            input.add(new long[] {ts});
            if (ts == T0 + 15 * MINUTE) {
                input.add(new long[] {T0 + 3 * HOUR + 10 * SECOND});
            }
        }
        Outcome outcome = run(input);
        assertThat(outcome.late()).as("no event is late in any window").isEmpty();
        assertThat(outcome.deadLetters()).as("no record is too_late, none is dead-lettered").isEmpty();
        assertThat(outcome.windows()).isEqualTo(expectedWindows(input));
        assertThat(outcome.windows().get(T0 + 3 * HOUR)).as("two records on the half minute, and the one held")
                .isEqualTo(3L);
        assertThat(outcome.inputEnds()).containsExactly(T0 + 3 * HOUR + 5 * MINUTE);
    }

    @Test
    void aRecordThreeHoursAheadThatTheFileNeverReachesIsADeadLetterAndMovesNoWindow() throws Exception {
        List<long[]> input = new ArrayList<>();
        for (long ts = T0; ts < T0 + 10 * MINUTE; ts += 30 * SECOND) {
            input.add(new long[] {ts});
            if (ts == T0 + MINUTE) {
                input.add(new long[] {T0 + 3 * HOUR});
            }
        }
        Outcome outcome = run(input);
        assertThat(outcome.deadLetters()).containsExactly("line 4 bad_value");
        input.remove(3);
        assertThat(outcome.windows()).isEqualTo(expectedWindows(input));
        assertThat(outcome.late()).isEmpty();
        assertThat(outcome.inputEnds()).containsExactly(T0 + 10 * MINUTE - 30 * SECOND);
    }

    @Test
    void aSparseTailHeldAtTheEndIsCountedBeforeTheFinalWatermarkClosesItsWindows() throws Exception {
        List<long[]> input = new ArrayList<>();
        for (long ts = T0; ts < T0 + 10 * MINUTE; ts += 10 * SECOND) {
            input.add(new long[] {ts});
        }
        for (int i = 1; i <= 6; i++) { // feedback half an hour apart, hours after the last request
            input.add(new long[] {T0 + 10 * MINUTE + i * 30 * MINUTE});
        }
        Outcome outcome = run(input);
        assertThat(outcome.deadLetters()).isEmpty();
        assertThat(outcome.late()).isEmpty();
        assertThat(outcome.windows()).isEqualTo(expectedWindows(input));
        assertThat(outcome.inputEnds()).as("the latest event time includes the held tail")
                .containsExactly(T0 + 3 * HOUR + 10 * MINUTE);
    }

    private static Map<Long, Long> expectedWindows(List<long[]> input) {
        Map<Long, Long> windows = new TreeMap<>();
        for (long[] r : input) {
            windows.merge(Math.floorDiv(r[0], MINUTE) * MINUTE, 1L, Long::sum);
        }
        return windows;
    }

    private static Outcome run(List<long[]> input) throws Exception {
        List<RawRecord> records = new ArrayList<>();
        for (int i = 0; i < input.size(); i++) {
            String json = "{\"event_id\":\"e-" + i + "\",\"type\":\"task\",\"ts\":" + input.get(i)[0]
                    + ",\"task_id\":\"t-" + i + "\",\"service\":\"analyze-api\",\"state\":\"RUNNING\"}";
            records.add(RawRecord.of("line", Integer.toString(i + 1), json.getBytes(StandardCharsets.UTF_8)));
        }
        JobConfig config = JobConfig.defaults();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        SingleOutputStreamOperator<Event> parsed = env.fromData(TypeInformation.of(RawRecord.class), records.toArray(new RawRecord[0]))
                .transform("parse", TypeInformation.of(Event.class), ParseEvents.forJob(config, false));
        SingleOutputStreamOperator<Event> timed = parsed.assignTimestampsAndWatermarks(KpiPipeline.watermarks(config))
                .transform("input end", TypeInformation.of(Event.class), new InputEndMarker());
        SingleOutputStreamOperator<String> windows = timed
                .keyBy(e -> "all", Types.STRING)
                .window(TumblingEventTimeWindows.of(Duration.ofMinutes(1)))
                .allowedLateness(config.get(JobConfig.ALLOWED_LATENESS))
                .sideOutputLateData(LATE)
                .process(new CountPerWindow());
        DataStream<String> all = windows
                .union(windows.getSideOutput(LATE).map(e -> "late " + e.eventId).returns(Types.STRING),
                        parsed.getSideOutput(ParseEvents.DEAD_LETTERS).map(EventTimeHoldITCase::describe)
                                .returns(Types.STRING),
                        timed.getSideOutput(InputEndMarker.INPUT_END).map(end -> "end " + end.maxEventTs)
                                .returns(Types.STRING));
        Map<Long, Long> counts = new TreeMap<>();
        List<String> late = new ArrayList<>();
        List<String> deadLetters = new ArrayList<>();
        List<Long> ends = new ArrayList<>();
        try (var results = all.executeAndCollect()) {
            while (results.hasNext()) {
                String r = results.next();
                String[] parts = r.split(" ");
                switch (parts[0]) {
                    case "window" -> assertThat(counts.put(Long.parseLong(parts[1]), Long.parseLong(parts[2])))
                            .as("window %s fires once", Instant.ofEpochMilli(Long.parseLong(parts[1]))).isNull();
                    case "late" -> late.add(r);
                    case "end" -> ends.add(Long.parseLong(parts[1]));
                    default -> deadLetters.add(r);
                }
            }
        }
        return new Outcome(counts, late, deadLetters, ends);
    }

    private static String describe(DeadLetter d) {
        return d.id.replace(':', ' ') + " " + d.reason;
    }

    private static final class CountPerWindow extends ProcessWindowFunction<Event, String, String, TimeWindow> {
        @Override
        public void process(String key, Context context, Iterable<Event> events, Collector<String> out) {
            long n = 0;
            for (Event ignored : events) {
                n++;
            }
            out.collect("window " + context.window().getStart() + " " + n);
        }
    }
}
