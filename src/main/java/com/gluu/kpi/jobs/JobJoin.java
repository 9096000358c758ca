package com.gluu.kpi.jobs;

import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.JobEvent;
import com.gluu.kpi.pipeline.AccrualSlots;
import com.gluu.kpi.pipeline.InputEnd;
import com.gluu.kpi.pipeline.InputEndState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Keyed by {@code job_id}: joins the events of one job in event time (SPEC §4 {@code kpi.jobs})
 * and reports {@link JobSignal}s to the windows.
 *
 * <p><b>Order.</b> An event waits in keyed state with a timer at its {@code ts}; when the
 * watermark passes it, every waiting event up to the timer is applied in {@code ts} order (same
 * {@code ts}: lifecycle order, submitted first), so a job's events may arrive in any order within
 * the watermark's disorder. A late event (admitted upstream within the allowed lateness) is
 * applied at the next watermark, after what was applied already; its signals carry their own
 * timestamps, so the windows (with the same allowed lateness) still update their rows.
 *
 * <p><b>Counts.</b> Each state counts once per job at its first applied {@code ts}; a repeat is
 * dropped. {@code webhook_failed} is a repeat only with the same {@code attempt} (a job may fail
 * several webhook attempts). Counts go to the event's own (service, kind).
 *
 * <p><b>Durations</b> need both events: queue = started − submitted, run = (first of completed,
 * failed) − started, end-to-end = webhook_sent − submitted, reported once, when the second of the
 * pair is applied, at the end event's {@code ts} (a negative one, from a producer's clock, is
 * dropped).
 *
 * <p><b>Gauges.</b> From its {@code submitted} until it completes, fails, gets its webhook or
 * leaves the horizon, a job has one timer at each slot's end − 1 ({@link AccrualSlots}: every
 * window end of every size is a slot end); firing, it reports the job open at that end (stuck if
 * submitted more than {@code jobs.stuck_after} before it, with its age) — so windows without any
 * event still get their gauges.
 *
 * <p><b>Cleanup.</b> A job's state and timers go {@code jobs.horizon} after its first event (a
 * webhook may still follow a completion by hours), or once it got its {@code webhook_sent}, the
 * last state a job can reach, as soon as the allowed lateness has passed it (no earlier event of
 * the job can be admitted after that). A later event of the same id starts a new job.
 *
 * <p><b>End of input.</b> At the final watermark the slot timers up to the latest event time seen
 * ({@link InputEnd}, the maximum over all parse subtasks) fire as usual; the first timer of a key
 * at or after it applies what waits, reports the gauge of an open job taken at that time
 * ({@link JobSignal#gaugeFinal}) and clears the key. Windows after it get nothing.
 */
public final class JobJoin extends AbstractStreamOperator<JobSignal>
        implements TwoInputStreamOperator<Event, InputEnd, JobSignal>, Triggerable<String, VoidNamespace> {
    private static final long serialVersionUID = 1L;

    /** Lifecycle order of the states, for events with the same ts. */
    static final List<String> STATES = List.of(
            "submitted", "started", "completed", "failed", "webhook_failed", "webhook_sent");
    private static final Comparator<Event> EVENT_TIME_ORDER = Comparator.<Event>comparingLong(e -> e.ts)
            .thenComparingInt(e -> STATES.indexOf(e.job.state));

    private final long slotMs;
    private final long horizonMs;
    private final long stuckAfterMs;
    private final long latenessMs;

    private transient ValueState<JobState> job;
    private transient ListState<Event> pending;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient InputEndState inputEnd;
    private transient StreamRecord<JobSignal> reuse;

    /**
     * @param slotMs the accrual slot (gcd of the window sizes)
     * @param latenessMs the allowed lateness: how long a job that got its webhook is kept
     */
    public JobJoin(long slotMs, long horizonMs, long stuckAfterMs, long latenessMs) {
        if (slotMs <= 0 || horizonMs <= 0 || stuckAfterMs < 0 || latenessMs < 0) {
            throw new IllegalArgumentException("slot " + slotMs + " ms, horizon " + horizonMs + " ms, stuck after "
                    + stuckAfterMs + " ms, lateness " + latenessMs
                    + " ms: slot and horizon must be positive, the others not negative");
        }
        this.slotMs = slotMs;
        this.horizonMs = horizonMs;
        this.stuckAfterMs = stuckAfterMs;
        this.latenessMs = latenessMs;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        inputEnd = InputEndState.restore(context);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        inputEnd.snapshot();
    }

    @Override
    public void open() throws Exception {
        super.open();
        job = getRuntimeContext().getState(new ValueStateDescriptor<>("job", TypeInformation.of(JobState.class)));
        pending = getRuntimeContext().getListState(new ListStateDescriptor<>("pending", TypeInformation.of(Event.class)));
        timers = getInternalTimerService("job-join", VoidNamespaceSerializer.INSTANCE, this);
        reuse = new StreamRecord<>(null);
    }

    @Override
    public void processElement1(StreamRecord<Event> element) throws Exception {
        Event event = element.getValue();
        pending.add(event);
        timers.registerEventTimeTimer(VoidNamespace.INSTANCE, event.ts);
    }

    @Override
    public void processElement2(StreamRecord<InputEnd> element) {
        inputEnd.add(element.getValue());
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {
        // not used
    }

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        long t = timer.getTimestamp();
        long end = inputEnd.end();
        boolean ending = timers.currentWatermark() == Long.MAX_VALUE && (end == Long.MIN_VALUE || t >= end);
        JobState s = job.value();
        List<Event> due = new ArrayList<>();
        List<Event> later = new ArrayList<>();
        for (Event e : pending.get()) {
            (ending || e.ts <= t ? due : later).add(e);
        }
        pending.update(later);
        due.sort(EVENT_TIME_ORDER);
        for (Event e : due) {
            s = apply(s, e);
        }

        if (ending) {
            if (s != null && s.open() && end != Long.MIN_VALUE) {
                emitGauge(s, end, true);
            }
            forget(s);
            return;
        }
        if (s != null && t >= s.expiresAt) {
            forget(s);
            s = null;
        }
        if (s != null && s.gaugeTimer == t) {
            s.gaugeTimer = Long.MIN_VALUE;
            if (s.open()) {
                emitGauge(s, t + 1, false);
                scheduleGauge(s, t + 1);
            }
        }
        if (s != null) {
            job.update(s);
        }
    }

    /** Applies one event to the job's state (a new job's if none, or if it left the horizon). */
    private JobState apply(JobState s, Event event) throws Exception {
        JobEvent e = event.job;
        if (s != null && event.ts >= s.expiresAt) {
            forget(s);
            s = null;
        }
        if (s == null) {
            s = new JobState();
            s.service = e.service;
            s.kind = e.kind;
            s.firstTs = event.ts;
            s.expiresAt = event.ts + horizonMs;
            timers.registerEventTimeTimer(VoidNamespace.INSTANCE, s.expiresAt);
        }
        JobSignal count = new JobSignal(e.service, e.kind);
        count.seen = 1;
        if (!record(s, e, event.ts, count)) {
            emit(count, event.ts); // a repeat: counts nothing, but its window has a row
        }
        return s;
    }

    /** Records a first state of the job in {@code s} and {@code count}; false for a repeat. */
    private boolean record(JobState s, JobEvent e, long ts, JobSignal count) throws Exception {
        switch (e.state) {
            case "submitted" -> {
                if (s.submittedTs != Long.MIN_VALUE) {
                    return false;
                }
                s.submittedTs = ts;
                s.service = e.service;
                s.kind = e.kind;
                count.submitted = 1;
                lateDuration(s, s.startedTs, ts, s.startedTs, Kind.QUEUE);
                lateDuration(s, s.webhookSentTs, ts, s.webhookSentTs, Kind.E2E);
                if (s.open()) {
                    scheduleGauge(s, ts);
                }
            }
            case "started" -> {
                if (s.startedTs != Long.MIN_VALUE) {
                    return false;
                }
                s.startedTs = ts;
                count.queueMs = duration(s.submittedTs, ts);
                lateDuration(s, s.finishedTs, ts, s.finishedTs, Kind.RUN);
            }
            case "completed", "failed" -> {
                boolean completed = e.state.equals("completed");
                if (completed ? s.completed : s.failed) {
                    return false;
                }
                if (completed) {
                    s.completed = true;
                    count.completed = 1;
                } else {
                    s.failed = true;
                    count.failed = 1;
                }
                if (s.finishedTs == Long.MIN_VALUE) {
                    s.finishedTs = ts;
                    count.runMs = duration(s.startedTs, ts);
                    cancelGauge(s);
                }
            }
            case "webhook_failed" -> {
                for (int a : s.failedAttempts) {
                    if (a == e.attempt) {
                        return false;
                    }
                }
                s.failedAttempts = Arrays.copyOf(s.failedAttempts, s.failedAttempts.length + 1);
                s.failedAttempts[s.failedAttempts.length - 1] = e.attempt;
                count.webhooksFailed = 1;
            }
            case "webhook_sent" -> {
                if (s.webhookSentTs != Long.MIN_VALUE) {
                    return false;
                }
                s.webhookSentTs = ts;
                count.webhooksSent = 1;
                count.e2eMs = duration(s.submittedTs, ts);
                cancelGauge(s);
                // The last state a job can reach: once no event before it can still be admitted
                // (its ts + the allowed lateness), nothing is left to join.
                long done = ts + latenessMs;
                if (done < s.expiresAt) {
                    deleteTimer(s.expiresAt, null);
                    s.expiresAt = done;
                    timers.registerEventTimeTimer(VoidNamespace.INSTANCE, done);
                }
            }
            default -> throw new IllegalStateException("job state " + e.state + " passed validation");
        }
        emit(count, ts);
        return true;
    }

    private enum Kind { QUEUE, RUN, E2E }

    /**
     * A duration completed by its start event, applied after its end event (a late start): reported
     * at the end event's time, to the job's (service, kind).
     */
    private void lateDuration(JobState s, long endTs, long startTs, long at, Kind kind) {
        if (endTs == Long.MIN_VALUE) {
            return;
        }
        double ms = duration(startTs, endTs);
        if (Double.isNaN(ms)) {
            return;
        }
        JobSignal d = new JobSignal(s.service, s.kind);
        switch (kind) {
            case QUEUE -> d.queueMs = ms;
            case RUN -> d.runMs = ms;
            case E2E -> d.e2eMs = ms;
        }
        emit(d, at);
    }

    /** {@code to − from}, or NaN without a start or when negative (clocks that disagree). */
    private static double duration(long from, long to) {
        return from == Long.MIN_VALUE || to < from ? Double.NaN : to - from;
    }

    /** The job's next gauge: the end of the slot holding {@code from}, if within the horizon. */
    private void scheduleGauge(JobState s, long from) {
        long end = AccrualSlots.slotStart(from, slotMs) + slotMs;
        if (end - 1 < s.expiresAt && s.gaugeTimer == Long.MIN_VALUE) {
            s.gaugeTimer = end - 1;
            timers.registerEventTimeTimer(VoidNamespace.INSTANCE, s.gaugeTimer);
        }
    }

    private void cancelGauge(JobState s) throws Exception {
        if (s.gaugeTimer != Long.MIN_VALUE) {
            deleteTimer(s.gaugeTimer, s);
            s.gaugeTimer = Long.MIN_VALUE;
        }
    }

    /** The job open at {@code at}: its gauge signal, in the windows holding {@code at − 1} (or {@code at} if final). */
    private void emitGauge(JobState s, long at, boolean isFinal) {
        JobSignal g = new JobSignal(s.service, s.kind);
        g.gaugeAt = at;
        g.gaugeFinal = isFinal;
        g.open = 1;
        g.oldestOpenMs = at - s.submittedTs;
        g.stuck = g.oldestOpenMs > stuckAfterMs ? 1 : 0;
        emit(g, isFinal ? at : at - 1);
    }

    private void emit(JobSignal signal, long timestamp) {
        signal.jobId = (String) getCurrentKey();
        output.collect(reuse.replace(signal, timestamp));
    }

    /** Drops the job's state and its timers (a timer that a waiting event also needs stays). */
    private void forget(JobState s) throws Exception {
        if (s != null) {
            cancelGauge(s);
            deleteTimer(s.expiresAt, null);
        }
        job.clear();
    }

    /** Deletes the timer at {@code ts} unless a waiting event or the job's horizon ({@code s} not null) needs it. */
    private void deleteTimer(long ts, JobState s) throws Exception {
        if (s != null && ts == s.expiresAt) {
            return;
        }
        for (Event e : pending.get()) {
            if (e.ts == ts) {
                return;
            }
        }
        timers.deleteEventTimeTimer(VoidNamespace.INSTANCE, ts);
    }
}
