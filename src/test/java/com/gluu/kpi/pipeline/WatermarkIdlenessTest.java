package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventType;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.operators.TimestampsAndWatermarksOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The job's watermark strategy in Flink's own watermark operator, driven by the harness's
 * processing-time clock: 30 s of disorder, and 60 s of silence marks the input idle so that it
 * no longer holds back the windows downstream.
 */
class WatermarkIdlenessTest {
    private static final long AUTO_WATERMARK_INTERVAL = 200;

    @Test
    void watermarkTrailsTheHighestTimestampByTheDisorderBound() throws Exception {
        try (var harness = harness()) {
            harness.processElement(new StreamRecord<>(event(100_000)));
            harness.processElement(new StreamRecord<>(event(90_000)));
            advanceTo(harness, AUTO_WATERMARK_INTERVAL);
            // 100 000 − 30 000 − 1: everything up to 70 s − 1 ms is complete.
            assertThat(watermarks(harness)).containsExactly(69_999L);
        }
    }

    @Test
    void inputSilentForTheIdlenessTimeoutBecomesIdleAndActiveAgainWithTheNextEvent() throws Exception {
        try (var harness = harness()) {
            harness.processElement(new StreamRecord<>(event(100_000)));
            // Flink's idleness timer starts at the first probe (every 200 ms) that sees no new
            // record, here at 400 ms, and reports idle once more than 60 s have passed since.
            advanceTo(harness, 60_400);
            assertThat(statuses(harness)).as("60 s of silence is not yet more than 60 s").isEmpty();

            advanceTo(harness, 60_600);
            assertThat(statuses(harness)).containsExactly(WatermarkStatus.IDLE);

            harness.processElement(new StreamRecord<>(event(200_000)));
            advanceTo(harness, 60_800);
            assertThat(statuses(harness)).containsExactly(WatermarkStatus.IDLE, WatermarkStatus.ACTIVE);
            assertThat(watermarks(harness)).containsExactly(69_999L, 169_999L);
        }
    }

    private static OneInputStreamOperatorTestHarness<Event, Event> harness() throws Exception {
        var harness = new OneInputStreamOperatorTestHarness<>(
                new TimestampsAndWatermarksOperator<>(KpiPipeline.watermarks(JobConfig.defaults()), true));
        harness.getExecutionConfig().setAutoWatermarkInterval(AUTO_WATERMARK_INTERVAL);
        harness.setProcessingTime(0);
        harness.open();
        return harness;
    }

    /** Moves the clock in watermark-interval steps, as the task's timer would fire them. */
    private static void advanceTo(OneInputStreamOperatorTestHarness<Event, Event> harness, long time) throws Exception {
        for (long t = harness.getProcessingTime() + AUTO_WATERMARK_INTERVAL; t <= time; t += AUTO_WATERMARK_INTERVAL) {
            harness.setProcessingTime(t);
        }
    }

    private static List<Long> watermarks(OneInputStreamOperatorTestHarness<Event, Event> harness) {
        List<Long> out = new ArrayList<>();
        for (Object o : harness.getOutput()) {
            if (o instanceof Watermark) {
                out.add(((Watermark) o).getTimestamp());
            }
        }
        return out;
    }

    private static List<WatermarkStatus> statuses(OneInputStreamOperatorTestHarness<Event, Event> harness) {
        List<WatermarkStatus> out = new ArrayList<>();
        for (Object o : harness.getOutput()) {
            if (o instanceof WatermarkStatus) {
                out.add((WatermarkStatus) o);
            }
        }
        return out;
    }

    private static Event event(long ts) {
        Event e = new Event();
        e.eventId = "e-" + ts;
        e.type = EventType.FEEDBACK;
        e.ts = ts;
        return e;
    }
}
