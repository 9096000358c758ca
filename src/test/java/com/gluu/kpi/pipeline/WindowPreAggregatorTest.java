package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.events.InferenceStatus;
import com.gluu.kpi.traffic.TrafficObservation;
import com.gluu.kpi.traffic.TrafficPartial;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pre-aggregator folds a window's events into one partial per row and emits it when the
 * window is complete (before the watermark that completes it), late events before the next watermark, before
 * a checkpoint barrier, at the end of input, and whenever too many partials are open.
 */
class WindowPreAggregatorTest {
    private static final long MINUTE = 60_000;
    /** 2026-11-22T05:38:00Z, a minute boundary. */
    private static final long A = 1_795_325_880_000L;
    /** The next minute. */
    private static final long B = A + MINUTE;

    private OneInputStreamOperatorTestHarness<TrafficObservation, TrafficPartial> harness;

    private void open(int maxOpenPartials) throws Exception {
        harness = new OneInputStreamOperatorTestHarness<>(
                new WindowPreAggregator<>(MINUTE, new TrafficPartial.Aggregation(), maxOpenPartials));
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private static TrafficObservation obs(String service, InferenceStatus status, int images) {
        TrafficObservation o = new TrafficObservation();
        o.service = service;
        o.route = "/analyze";
        o.model = "blip2";
        o.endpoint = "";
        o.status = status;
        o.async = false;
        o.images = images;
        return o;
    }

    /** The output as readable lines: "partial service@ts requests/errors/images" or "wm ts". */
    private List<String> drain() {
        List<String> lines = new ArrayList<>();
        for (Object o : harness.getOutput()) {
            if (o instanceof Watermark) {
                lines.add("wm " + ((Watermark) o).getTimestamp());
            } else if (o instanceof WatermarkStatus) {
                lines.add(((WatermarkStatus) o).isIdle() ? "idle" : "active");
            } else {
                @SuppressWarnings("unchecked")
                StreamRecord<TrafficPartial> r = (StreamRecord<TrafficPartial>) o;
                TrafficPartial p = r.getValue();
                lines.add("partial " + p.service + "@" + r.getTimestamp() + " "
                        + p.counts.requests + "/" + p.counts.errors + "/" + p.counts.images);
            }
        }
        harness.getOutput().clear();
        return lines;
    }

    @Test
    void holdsPartialsUntilTheWatermarkCompletesTheirWindowAndEmitsThemBeforeIt() throws Exception {
        open(1000);
        harness.processElement(obs("api", InferenceStatus.OK, 1), A + 5_000);
        harness.processElement(obs("api", InferenceStatus.ERROR, 2), A + 59_999);
        harness.processElement(obs("api", InferenceStatus.OK, 4), B); // next minute

        harness.processWatermark(A + 59_998); // window A not complete yet
        assertThat(drain()).containsExactly("wm " + (A + 59_998));

        harness.processWatermark(A + 59_999); // A's last millisecond: complete
        assertThat(drain()).containsExactly(
                "partial api@" + (A + 59_999) + " 2/1/3",
                "wm " + (A + 59_999));

        harness.processWatermark(B + 59_999);
        assertThat(drain()).containsExactly(
                "partial api@" + (B + 59_999) + " 1/0/4",
                "wm " + (B + 59_999));
    }

    @Test
    void oneWatermarkFlushesEveryCompleteWindowAndEachRowSeparately() throws Exception {
        open(1000);
        harness.processElement(obs("api", InferenceStatus.OK, 1), A);
        harness.processElement(obs("thumbs", InferenceStatus.CLIENT_ERROR, 0), A + 1);
        harness.processElement(obs("api", InferenceStatus.OK, 1), B + 1);
        harness.processElement(obs("api", InferenceStatus.OK, 1), B + 2 * MINUTE); // stays open

        harness.processWatermark(B + MINUTE);

        List<String> out = drain();
        assertThat(out).hasSize(4);
        assertThat(out.subList(0, 2)).containsExactlyInAnyOrder(
                "partial api@" + (A + 59_999) + " 1/0/1",
                "partial thumbs@" + (A + 59_999) + " 1/0/0");
        assertThat(out.subList(2, 4)).containsExactly(
                "partial api@" + (B + 59_999) + " 1/0/1",
                "wm " + (B + MINUTE));
    }

    @Test
    void lateEventsAreFoldedAndGoOutBeforeTheNextWatermark() throws Exception {
        open(1000);
        harness.processWatermark(B + 10_000);
        drain();

        harness.processElement(obs("api", InferenceStatus.ERROR, 3), A + 30_000); // window A complete: late
        harness.processElement(obs("api", InferenceStatus.OK, 2), A + 40_000);
        harness.processElement(obs("thumbs", InferenceStatus.OK, 0), A + 50_000);
        harness.processElement(obs("api", InferenceStatus.OK, 1), B + 9_000); // behind the watermark, window B still open

        assertThat(drain()).as("held until the next watermark").isEmpty();
        harness.processWatermark(B + 20_000);
        // Window A's late events as one partial per row, before the watermark they precede.
        assertThat(drain()).containsExactly(
                "partial api@" + (A + 59_999) + " 2/1/5",
                "partial thumbs@" + (A + 59_999) + " 1/0/0",
                "wm " + (B + 20_000));
        harness.processWatermark(B + 59_999);
        assertThat(drain()).containsExactly("partial api@" + (B + 59_999) + " 1/0/1", "wm " + (B + 59_999));
    }

    @Test
    void checkpointBarrierFlushesEveryOpenPartial() throws Exception {
        open(1000);
        harness.processElement(obs("api", InferenceStatus.OK, 1), A + 1);
        harness.processElement(obs("api", InferenceStatus.OK, 1), A + 2);
        harness.processElement(obs("api", InferenceStatus.OK, 1), B + 1);

        harness.prepareSnapshotPreBarrier(1L);

        assertThat(drain()).containsExactly(
                "partial api@" + (A + 59_999) + " 2/0/2",
                "partial api@" + (B + 59_999) + " 1/0/1");
        harness.processWatermark(B + 59_999);
        assertThat(drain()).as("nothing is emitted twice").containsExactly("wm " + (B + 59_999));
    }

    @Test
    void anInputGoingIdleFlushesEveryOpenPartialBeforeTheIdleStatus() throws Exception {
        open(1000);
        harness.processElement(obs("api", InferenceStatus.OK, 1), A + 1);
        harness.processElement(obs("api", InferenceStatus.ERROR, 2), B + 1);

        harness.processWatermarkStatus(WatermarkStatus.IDLE);

        assertThat(drain()).as("downstream may now move on without this channel").containsExactly(
                "partial api@" + (A + 59_999) + " 1/0/1",
                "partial api@" + (B + 59_999) + " 1/1/2",
                "idle");
        harness.processWatermarkStatus(WatermarkStatus.ACTIVE);
        harness.processWatermark(B + 59_999);
        assertThat(drain()).as("nothing is emitted twice").containsExactly("active", "wm " + (B + 59_999));
    }

    @Test
    void endOfInputFlushesEveryOpenPartial() throws Exception {
        open(1000);
        harness.processElement(obs("api", InferenceStatus.OK, 2), A + 1);
        harness.processElement(obs("api", InferenceStatus.ERROR, 0), B + 3 * MINUTE);

        harness.getOperator().finish();

        assertThat(drain()).containsExactly(
                "partial api@" + (A + 59_999) + " 1/0/2",
                "partial api@" + (B + 3 * MINUTE + 59_999) + " 1/1/0");
    }

    @Test
    void finalWatermarkFlushesEverything() throws Exception {
        open(1000);
        harness.processElement(obs("api", InferenceStatus.OK, 2), B + 100 * MINUTE);

        harness.processWatermark(Long.MAX_VALUE);

        assertThat(drain()).containsExactly(
                "partial api@" + (B + 100 * MINUTE + 59_999) + " 1/0/2", "wm " + Long.MAX_VALUE);
    }

    @Test
    void tooManyOpenPartialsAreFlushedEarly() throws Exception {
        open(2);
        harness.processElement(obs("s1", InferenceStatus.OK, 1), A + 1);
        harness.processElement(obs("s1", InferenceStatus.OK, 1), A + 2); // same row: still 1 open
        harness.processElement(obs("s2", InferenceStatus.OK, 1), A + 3); // 2 open: at the bound
        assertThat(drain()).isEmpty();

        harness.processElement(obs("s3", InferenceStatus.OK, 1), B + 1); // 3 open > 2: flush all

        assertThat(drain()).containsExactlyInAnyOrder(
                "partial s1@" + (A + 59_999) + " 2/0/2",
                "partial s2@" + (A + 59_999) + " 1/0/1",
                "partial s3@" + (B + 59_999) + " 1/0/1");

        harness.processElement(obs("s1", InferenceStatus.OK, 5), A + 4); // starts afresh
        harness.processWatermark(A + 59_999);
        assertThat(drain()).containsExactly("partial s1@" + (A + 59_999) + " 1/0/5", "wm " + (A + 59_999));
    }
}
