package com.gluu.kpi.accuracy;

import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.FeedbackEvent;
import com.gluu.kpi.events.InferenceEvent;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.checkpoint.CheckpointType;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.AbstractKeyedStateBackend;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.KeyGroupStatePartitionStreamProvider;
import org.apache.flink.runtime.state.KeyedStateCheckpointOutputStream;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Joins each feedback to the inference with the same {@code request_id} (SPEC §4
 * {@code kpi.accuracy}), in event time, so a replay gives identical results. Runs keyed by
 * {@code request_id} on the deduplicated inference and feedback events (other events are
 * ignored) and emits one {@link AccuracyObservation} per feedback, with the <em>feedback's</em>
 * {@code ts} as record timestamp, so it lands in the window of its own time.
 *
 * <p><b>The rule.</b> A feedback at {@code f} joins the inference at {@code i} when
 * {@code f − horizon ≤ i ≤ f + feedback_wait} (7 days before, 10 minutes after by default).
 * <ul>
 *   <li>Inference already known when its feedback arrives: decided at once, matched if
 *       {@code i} lies in those bounds, else {@code unmatched} (e.g. feedback more than the
 *       horizon after its inference).
 *   <li>Feedback first: it waits in keyed state, with an event-time timer at
 *       {@code f + feedback_wait + allowed_lateness}. The inference's arrival decides every
 *       waiting feedback at once (same rule) and deletes their timers; if the timer fires first,
 *       the feedback is emitted as model {@value #UNMATCHED}, model_version {@code ""}. Why
 *       {@code + allowed_lateness}: the event-time gate upstream turns away any event with
 *       {@code ts + lateness ≤ watermark}, and Flink's watermark is never ahead of the gate's,
 *       so an inference with {@code i ≤ f + wait} that has not arrived by watermark
 *       {@code f + wait + lateness} never will. The verdict therefore never depends on when
 *       watermarks or records happen to arrive.
 *   <li>Several inferences with one {@code request_id} (not expected: request ids are unique per
 *       call): the one with the smallest {@code ts} is kept, so feedback arriving after all of
 *       them joins the same one whatever their order. A feedback already decided stays decided.
 * </ul>
 *
 * <p><b>State.</b> Inferences are kept in an {@link InferenceIndex}: per request id only the
 * 128-bit hash of the id, the inference's ts and its (model, version), 32 bytes in a
 * {@code long[]} per key group, written to Flink's <em>raw keyed state</em> per key group at
 * every checkpoint (so it restores and rescales like any keyed state, whatever the state
 * backend). Why not a {@code ValueState} entry per request: see {@link InferenceIndex}; in the
 * bench it cost more than a third of the job's throughput. Feedback waiting for its inference
 * is rare and short-lived and stays in Flink keyed state ({@link WaitingFeedback}), with one
 * event-time timer per distinct wake-up time; both are removed when the feedback is decided.
 *
 * <p><b>Expiry in event time.</b> Inferences are never removed by a match (most never get
 * feedback, some get several). An inference at {@code i} is forgotten once the watermark
 * reaches {@code i + horizon + allowed_lateness}: any feedback arriving after that has
 * {@code f + lateness > watermark} (else the gate would have turned it away), so
 * {@code f > i + horizon}, and it would be unmatched anyway. Forgetting therefore never changes
 * a verdict, in a replay or live. The index is swept every {@code horizon / 16} of event time
 * (at least a minute), so it holds at most the inferences of
 * {@code horizon × 17/16 + allowed_lateness} of event time, whatever the wall clock does. (One
 * exception to "never changes a verdict", accepted: a request id reused more than
 * {@code horizon + allowed_lateness} after its first inference. The second inference is kept
 * only once the first is forgotten, so a feedback after both may be unmatched or matched to the
 * second depending on when the sweep ran.)
 *
 * <p><b>What the state costs per request</b>, measured with {@code FeedbackJoinStateSize}
 * (test sources; how to run it is in its comment): see the README's Accuracy section. The
 * index needs 32 bytes per slot and keeps between 3/8 and 3/4 of its slots full, i.e. 43 to
 * 85 bytes per request on the heap, and 28 bytes per request in a checkpoint.
 */
public final class FeedbackJoin extends AbstractStreamOperator<AccuracyObservation>
        implements OneInputStreamOperator<Event, AccuracyObservation>, Triggerable<String, VoidNamespace> {
    private static final long serialVersionUID = 1L;

    /** The model under which feedback without a joinable inference is counted. */
    public static final String UNMATCHED = "unmatched";

    /** Sweep the index at least this often in event time (a sixteenth of the horizon when longer). */
    private static final long MIN_SWEEP_INTERVAL_MS = 60_000;

    private final long horizonMs;
    private final long waitMs;
    private final long allowedLatenessMs;
    /** How much event time passes between two sweeps of the index. */
    private final long sweepIntervalMs;

    private transient InferenceIndex inferences;
    private transient ValueState<WaitingFeedback> waiting;
    private transient InternalTimerService<VoidNamespace> timers;
    /** The next watermark at which the index forgets old inferences; MIN_VALUE before the first. */
    private transient long nextSweep;
    private transient StreamRecord<AccuracyObservation> reuse;
    private transient Counter matched;
    private transient Counter unmatched;

    /**
     * @param horizon {@code accuracy.horizon}: how long before its feedback an inference joins
     * @param feedbackWait {@code accuracy.feedback_wait}: how long after its feedback an
     *     inference still joins
     * @param allowedLateness {@code time.allowed_lateness}: how late an inference can arrive
     */
    public FeedbackJoin(Duration horizon, Duration feedbackWait, Duration allowedLateness) {
        this.horizonMs = horizon.toMillis();
        this.waitMs = feedbackWait.toMillis();
        this.allowedLatenessMs = allowedLateness.toMillis();
        this.sweepIntervalMs = Math.max(horizonMs / 16, MIN_SWEEP_INTERVAL_MS);
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        var task = getRuntimeContext().getTaskInfo();
        KeyGroupRange keyGroups = KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
                task.getMaxNumberOfParallelSubtasks(), task.getNumberOfParallelSubtasks(), task.getIndexOfThisSubtask());
        inferences = new InferenceIndex(keyGroups, task.getMaxNumberOfParallelSubtasks());
        for (KeyGroupStatePartitionStreamProvider keyGroup : context.getRawKeyedStateInputs()) {
            try (InputStream in = keyGroup.getStream()) {
                inferences.read(keyGroup.getKeyGroupId(), in);
            }
        }
        nextSweep = Long.MIN_VALUE;
    }

    @Override
    public void open() throws Exception {
        super.open();
        if (getKeyedStateBackend() instanceof AbstractKeyedStateBackend
                && ((AbstractKeyedStateBackend<?>) getKeyedStateBackend())
                        .requiresLegacySynchronousTimerSnapshots(CheckpointType.CHECKPOINT)) {
            // Flink would write timers to raw keyed state too and fail the first checkpoint.
            throw new IllegalStateException("the feedback join keeps its index in raw keyed state, which Flink's"
                    + " heap timers on RocksDB also need: remove state.backend.rocksdb.timer-service.factory: HEAP"
                    + " (the default keeps timers in RocksDB)");
        }
        waiting = getKeyedStateBackend().getPartitionedState(VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE, new ValueStateDescriptor<>("waiting-feedback", WaitingFeedbackSerializer.INSTANCE));
        timers = getInternalTimerService("feedback-wait", VoidNamespaceSerializer.INSTANCE, this);
        reuse = new StreamRecord<>(null);
        matched = getMetricGroup().counter("feedbackMatched");
        unmatched = getMetricGroup().counter("feedbackUnmatched");
        getMetricGroup().gauge("inferencesRemembered", (Gauge<Long>) () -> inferences.size());
        getMetricGroup().gauge("inferenceIndexBytes", (Gauge<Long>) () -> inferences.tableBytes());
    }

    /** The index is written here, one section per key group; Flink must not put timers there. */
    @Override
    protected boolean isUsingCustomRawKeyedState() {
        return true;
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        KeyedStateCheckpointOutputStream out = context.getRawKeyedOperatorStateOutput();
        for (int keyGroup : out.getKeyGroupList()) {
            out.startNewKeyGroup(keyGroup);
            inferences.write(keyGroup, out);
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        long watermark = mark.getTimestamp();
        if (nextSweep == Long.MIN_VALUE) {
            nextSweep = saturatedAdd(watermark, sweepIntervalMs);
        } else if (watermark >= nextSweep) {
            // Forget inferences with i + horizon + lateness ≤ watermark (see the class comment).
            inferences.forgetUpTo(watermark - horizonMs - allowedLatenessMs);
            nextSweep = saturatedAdd(watermark, sweepIntervalMs);
        }
        super.processWatermark(mark);
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < a ? Long.MAX_VALUE : sum;
    }

    @Override
    public void processElement(StreamRecord<Event> element) throws Exception {
        Event event = element.getValue();
        if (event.inference != null) {
            onInference(event.inference, event.ts);
        } else if (event.feedback != null) {
            onFeedback(event.feedback, event.ts);
        }
    }

    private void onInference(InferenceEvent e, long ts) throws Exception {
        if (inferences.find(e.requestId) && inferences.foundTs() <= ts) {
            return; // keep the earliest inference of a request id
        }
        String model = e.model;
        String modelVersion = e.modelVersion == null ? "" : e.modelVersion;
        inferences.put(model, modelVersion, ts);
        WaitingFeedback early = waiting.value();
        if (early != null) {
            for (PendingFeedback f : early.feedback) {
                timers.deleteEventTimeTimer(VoidNamespace.INSTANCE, wakeUp(f.ts));
                decide(model, modelVersion, ts, f.verdict, f.score, f.ts);
            }
            waiting.clear();
        }
    }

    private void onFeedback(FeedbackEvent e, long ts) throws Exception {
        String verdict = verdict(e.verdict);
        double score = AccuracyObservation.scoreOf(verdict, e.score);
        if (inferences.find(e.requestId)) {
            decide(inferences.foundModel(), inferences.foundModelVersion(), inferences.foundTs(), verdict, score, ts);
            return;
        }
        WaitingFeedback early = waiting.value();
        PendingFeedback f = new PendingFeedback(verdict, score, ts);
        waiting.update(new WaitingFeedback(early == null ? new PendingFeedback[] {f} : append(early.feedback, f)));
        timers.registerEventTimeTimer(VoidNamespace.INSTANCE, wakeUp(ts));
    }

    private static PendingFeedback[] append(PendingFeedback[] waiting, PendingFeedback f) {
        PendingFeedback[] more = Arrays.copyOf(waiting, waiting.length + 1);
        more[waiting.length] = f;
        return more;
    }

    /** Emits a feedback at {@code feedbackTs} as joined to the inference at {@code inferenceTs}, or unmatched if out of bounds. */
    private void decide(String model, String modelVersion, long inferenceTs, String verdict, double score, long feedbackTs) {
        if (inferenceTs >= feedbackTs - horizonMs && inferenceTs <= feedbackTs + waitMs) {
            matched.inc();
            emit(model, modelVersion, verdict, score, feedbackTs);
        } else {
            emitUnmatched(verdict, score, feedbackTs);
        }
    }

    /** A waiting feedback's timer: its inference can no longer arrive (see the class comment). */
    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        WaitingFeedback early = waiting.value();
        if (early == null) {
            return; // cannot happen: a timer exists only while feedback waits
        }
        List<PendingFeedback> stillWaiting = new ArrayList<>();
        for (PendingFeedback f : early.feedback) {
            if (wakeUp(f.ts) <= timer.getTimestamp()) {
                emitUnmatched(f.verdict, f.score, f.ts);
            } else {
                stillWaiting.add(f);
            }
        }
        if (stillWaiting.isEmpty()) {
            waiting.clear();
        } else {
            waiting.update(new WaitingFeedback(stillWaiting.toArray(new PendingFeedback[0])));
        }
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {
        throw new IllegalStateException("FeedbackJoin registers no processing-time timers");
    }

    private long wakeUp(long feedbackTs) {
        return feedbackTs + waitMs + allowedLatenessMs;
    }

    private void emitUnmatched(String verdict, double score, long feedbackTs) {
        unmatched.inc();
        emit(UNMATCHED, "", verdict, score, feedbackTs);
    }

    private void emit(String model, String modelVersion, String verdict, double score, long feedbackTs) {
        output.collect(reuse.replace(new AccuracyObservation(model, modelVersion, verdict, score, feedbackTs), feedbackTs));
    }

    /** The verdict as one of three constant strings, so waiting feedback shares them. */
    private static String verdict(String v) {
        switch (v) {
            case "correct":
                return "correct";
            case "partial":
                return "partial";
            case "incorrect":
                return "incorrect";
            default:
                throw new IllegalArgumentException("unknown verdict " + v);
        }
    }

    /** The index itself (for tests and {@code FeedbackJoinStateSize}). */
    InferenceIndex inferenceIndex() {
        return inferences;
    }

    /** The {@code inferencesRemembered} gauge (for tests). */
    long inferencesRemembered() {
        return inferences.size();
    }

    /** The {@code inferenceIndexBytes} gauge (for tests). */
    long inferenceIndexBytes() {
        return inferences.tableBytes();
    }

    /** The {@code feedbackMatched} metric's count (for tests). */
    long matchedCount() {
        return matched.getCount();
    }

    /** The {@code feedbackUnmatched} metric's count (for tests). */
    long unmatchedCount() {
        return unmatched.getCount();
    }
}
