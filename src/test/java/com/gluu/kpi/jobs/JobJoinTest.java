package com.gluu.kpi.jobs;

import static com.gluu.kpi.testing.TimelineFixtures.MINUTE;
import static com.gluu.kpi.testing.TimelineFixtures.T;
import static com.gluu.kpi.testing.TimelineFixtures.at;
import static com.gluu.kpi.testing.TimelineFixtures.drain;
import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventType;
import com.gluu.kpi.events.JobEvent;
import com.gluu.kpi.pipeline.InputEnd;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link JobJoin} in an operator harness: 1-minute slots, horizon 1 h, stuck after 15 min, allowed
 * lateness 5 min. Times are mm:ss after {@link com.gluu.kpi.testing.TimelineFixtures#T} (a
 * minute boundary); every expected value below is worked out from the events by the SPEC's rules.
 */
class JobJoinTest {
    private static final long HORIZON = 60 * MINUTE;
    private static final long STUCK_AFTER = 15 * MINUTE;
    private static final long LATENESS = 5 * MINUTE;
    private static int ids;

    private KeyedTwoInputStreamOperatorTestHarness<String, Event, InputEnd, JobSignal> harness;

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private void open() throws Exception {
        harness = new KeyedTwoInputStreamOperatorTestHarness<>(new JobJoin(MINUTE, HORIZON, STUCK_AFTER, LATENESS),
                (Event e) -> e.job.jobId, (InputEnd e) -> "", Types.STRING);
        harness.open();
    }

    static Event job(String jobId, String state, long ts) {
        return job(jobId, state, 0, ts);
    }

    static Event job(String jobId, String state, int attempt, long ts) {
        Event e = new Event();
        e.eventId = "job-evt-" + (++ids);
        e.type = EventType.JOB;
        e.ts = ts;
        e.job = new JobEvent();
        e.job.jobId = jobId;
        e.job.service = "analyze-api";
        e.job.state = state;
        e.job.kind = "analyze";
        e.job.attempt = attempt;
        return e;
    }

    private void send(Event... events) throws Exception {
        for (Event e : events) {
            harness.processElement1(new StreamRecord<>(e, e.ts));
        }
    }

    private void watermark(long t) throws Exception {
        harness.processBothWatermarks(new Watermark(t));
    }

    private List<StreamRecord<JobSignal>> out() {
        return drain(harness);
    }

    private void assertNoStateNorTimers() {
        assertThat(harness.numKeyedStateEntries()).as("keyed state entries").isZero();
        assertThat(harness.numEventTimeTimers()).as("event-time timers").isZero();
    }

    @Test
    void statesArrivingOutOfOrderAreJoinedInEventTime() throws Exception {
        open();
        // completed first, then started, then submitted: all within the watermark's disorder.
        send(job("j1", "completed", at(0, 40)), job("j1", "started", at(0, 10)), job("j1", "submitted", at(0, 0)));
        watermark(at(0, 59));

        List<StreamRecord<JobSignal>> out = out();
        assertThat(out).hasSize(3);
        assertThat(out.get(0).getTimestamp()).isEqualTo(at(0, 0));
        assertThat(out.get(0).getValue().submitted).isEqualTo(1);
        assertThat(out.get(1).getTimestamp()).isEqualTo(at(0, 10));
        assertThat(out.get(1).getValue().queueMs).as("started − submitted").isEqualTo(10_000);
        assertThat(out.get(2).getTimestamp()).isEqualTo(at(0, 40));
        assertThat(out.get(2).getValue().completed).isEqualTo(1);
        assertThat(out.get(2).getValue().runMs).as("completed − started").isEqualTo(30_000);
        // Finished before the slot's end (01:00): no gauge.
        watermark(at(1, 59));
        assertThat(out()).isEmpty();
    }

    @Test
    void aRepeatedStartedCountsOnceAtItsFirstTs() throws Exception {
        open();
        send(job("j1", "submitted", at(0, 0)), job("j1", "started", at(0, 20)), job("j1", "started", at(0, 10)),
                job("j1", "completed", at(0, 50)));
        watermark(at(0, 59));

        List<StreamRecord<JobSignal>> out = out();
        assertThat(out).hasSize(4); // submitted, the first started, its repeat, completed
        assertThat(out.get(1).getValue().queueMs).as("from the first started, 00:10").isEqualTo(10_000);
        // The repeat counts nothing; it only says its window (00:20) has a job event.
        JobSignal repeat = out.get(2).getValue();
        assertThat(out.get(2).getTimestamp()).isEqualTo(at(0, 20));
        assertThat(repeat.seen).isEqualTo(1);
        assertThat(repeat.events()).isZero();
        assertThat(repeat.queueMs).isNaN();
        assertThat(out.get(3).getValue().runMs).as("00:50 − 00:10").isEqualTo(40_000);
    }

    @Test
    void webhookFailuresCountPerAttemptAndARepeatedAttemptOnce() throws Exception {
        open();
        send(job("j1", "submitted", at(0, 0)), job("j1", "completed", at(0, 5)),
                job("j1", "webhook_failed", 1, at(0, 6)), job("j1", "webhook_failed", 1, at(0, 7)),
                job("j1", "webhook_failed", 2, at(0, 16)), job("j1", "webhook_sent", 3, at(0, 36)));
        watermark(at(0, 59));

        List<JobSignal> out = out().stream().map(StreamRecord::getValue).toList();
        assertThat(out.stream().mapToInt(s -> s.webhooksFailed).sum()).as("attempts 1 and 2").isEqualTo(2);
        assertThat(out.stream().mapToInt(s -> s.webhooksSent).sum()).isEqualTo(1);
        assertThat(out.get(out.size() - 1).e2eMs).as("00:36 − 00:00").isEqualTo(36_000);
    }

    @Test
    void aJobWhoseSubmittedNeverComesStillCountsButHasNoQueueNorEndToEnd() throws Exception {
        open();
        send(job("j1", "started", at(0, 10)), job("j1", "completed", at(0, 30)), job("j1", "webhook_sent", at(0, 40)));
        watermark(at(3, 0));

        List<JobSignal> out = out().stream().map(StreamRecord::getValue).toList();
        assertThat(out).hasSize(3);
        assertThat(out.get(0).queueMs).as("no submitted").isNaN();
        assertThat(out.get(1).completed).isEqualTo(1);
        assertThat(out.get(1).runMs).isEqualTo(20_000);
        assertThat(out.get(2).webhooksSent).isEqualTo(1);
        assertThat(out.get(2).e2eMs).as("no submitted").isNaN();
        assertThat(out).allSatisfy(s -> assertThat(s.gaugeAt).as("never open").isEqualTo(Long.MIN_VALUE));
    }

    @Test
    void aStuckJobIsReportedAtEveryMinuteEndWithoutEvents() throws Exception {
        open();
        send(job("j1", "submitted", at(0, 30)));
        watermark(at(20, 0) - 1);

        List<StreamRecord<JobSignal>> out = out();
        assertThat(out).hasSize(1 + 20); // the submitted, then a gauge at 01:00 … 20:00
        for (int m = 1; m <= 20; m++) {
            StreamRecord<JobSignal> r = out.get(m);
            JobSignal g = r.getValue();
            long end = T + m * MINUTE;
            assertThat(r.getTimestamp()).as("in the minute before %d:00", m).isEqualTo(end - 1);
            assertThat(g.gaugeAt).isEqualTo(end);
            assertThat(g.open).isEqualTo(1);
            assertThat(g.oldestOpenMs).as("age at %d:00", m).isEqualTo(m * MINUTE - 30_000);
            // stuck once older than 15 min: at 16:00 (15:30 old) and later, not at 15:00 (14:30).
            assertThat(g.stuck).as("stuck at %d:00", m).isEqualTo(m >= 16 ? 1 : 0);
        }
        // It completes in minute 20: no gauge at 21:00, and its state waits for a webhook up to the horizon.
        send(job("j1", "completed", at(20, 10)));
        watermark(at(21, 0));
        assertThat(out()).extracting(r -> r.getValue().completed).containsExactly(1);
        assertThat(harness.numEventTimeTimers()).as("only the horizon's").isEqualTo(1);
    }

    @Test
    void atTheEndOfABoundedInputTheGaugesAreTakenAtTheLatestEventTime() throws Exception {
        open();
        send(job("open", "submitted", at(0, 30)), job("other", "submitted", at(3, 0)),
                job("other", "completed", at(3, 20)));
        watermark(at(1, 0));
        harness.processElement2(new StreamRecord<>(new InputEnd(at(3, 20))));
        watermark(Long.MAX_VALUE);

        List<StreamRecord<JobSignal>> gauges = out().stream()
                .filter(r -> r.getValue().gaugeAt != Long.MIN_VALUE && r.getValue().open == 1).toList();
        // Job "open": at 01:00, 02:00, 03:00, then at 03:20 (the end), nothing at 04:00.
        assertThat(gauges).extracting(r -> r.getValue().gaugeAt)
                .containsExactly(at(1, 0), at(2, 0), at(3, 0), at(3, 20));
        StreamRecord<JobSignal> last = gauges.get(3);
        assertThat(last.getValue().gaugeFinal).isTrue();
        assertThat(last.getTimestamp()).as("in the windows holding 03:20").isEqualTo(at(3, 20));
        assertThat(last.getValue().oldestOpenMs).isEqualTo(170_000);
        assertThat(last.getValue().stuck).isZero();
        assertNoStateNorTimers();
    }

    @Test
    void aJobIsForgottenWithItsTimersOnceItsWebhookIsPastTheLateness() throws Exception {
        open();
        send(job("j1", "submitted", at(0, 0)), job("j1", "started", at(0, 5)), job("j1", "completed", at(0, 9)),
                job("j1", "webhook_sent", at(0, 10)));
        watermark(at(5, 9));
        assertThat(harness.numKeyedStateEntries()).as("kept until 00:10 + 5 min").isPositive();
        watermark(at(5, 10));
        assertNoStateNorTimers();
    }

    @Test
    void aJobThatNeverFinishesIsForgottenWithItsTimersAtTheHorizon() throws Exception {
        open();
        send(job("j1", "submitted", at(0, 0)));
        watermark(at(59, 59));
        assertThat(out()).filteredOn(r -> r.getValue().gaugeAt != Long.MIN_VALUE).hasSize(59);
        watermark(at(60, 0));
        // Open at 60:00 = the horizon's end still (a gauge), then forgotten.
        assertThat(out()).extracting(r -> r.getValue().gaugeAt).containsExactly(at(60, 0));
        assertNoStateNorTimers();
        watermark(at(90, 0));
        assertThat(out()).isEmpty();
    }

    @Test
    void anEventAfterTheHorizonStartsANewJob() throws Exception {
        open();
        send(job("j1", "submitted", at(0, 0)), job("j1", "submitted", at(61, 0)), job("j1", "started", at(61, 30)));
        watermark(at(61, 59));
        List<JobSignal> counted = out().stream().map(StreamRecord::getValue).filter(s -> s.gaugeAt == Long.MIN_VALUE)
                .toList();
        assertThat(counted).extracting(s -> s.submitted).containsExactly(1, 1, 0);
        assertThat(counted.get(2).queueMs).as("joined with the second submitted").isEqualTo(30_000);
    }
}
