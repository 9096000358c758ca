package com.gluu.kpi.accuracy;

import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.FeedbackEvent;
import com.gluu.kpi.events.InferenceEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
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
 * <p><b>State</b> (all Flink keyed state, so RocksDB can hold it): one {@link JoinedInference}
 * per request in a {@code ValueState} — the inference, or the feedback waiting for it — so an
 * inference costs one state read and one write; one timer per distinct wake-up time of waiting
 * feedback. Waiting feedback and its timers are always removed
 * when decided. Inferences are never removed by the join (most never get feedback); a
 * processing-time state TTL of {@code horizon + feedback_wait} (never returning an expired
 * value) bounds their memory. The TTL only bounds memory: the match decision checks the
 * event-time horizon itself, so whether an old inference was already cleaned up or not cannot
 * change a verdict (it is unmatched either way). The one case the TTL can decide is a feedback
 * that arrives more than {@code horizon + feedback_wait} of <em>wall-clock</em> time after its
 * inference while still inside the horizon in event time — possible only if feedback lags its
 * inference by more than {@code feedback_wait} in processing (e.g. after an outage, a backlog
 * of the last minutes of a 7-day horizon); a replay (minutes of wall clock) is never affected.
 *
 * <p><b>What the state costs per request</b>, measured 2026-11-23 with
 * {@code FeedbackJoinStateSize} (test sources; how to run it is in its comment) on JDK 17,
 * compressed oops, 1,000,000 inferences with distinct 36-character request ids (UUIDs):
 * <ul>
 *   <li>Heap backend (the harness's HashMap backend, i.e. {@code CopyOnWriteStateMap}): used
 *       heap after repeated full GCs grew by 184.4 bytes per request (three runs, equal to within
 *       a few hundred bytes in total). It adds up by hand: request-id key 80 (String 24 +
 *       byte[] 56), state-map entry 40, TTL wrapper {@code TtlValue} 24,
 *       {@link JoinedInference} 32, table slot ≈ 8 (2^21 references for 1 M entries). Model
 *       and version strings are shared through a small canonicalizing map (see
 *       {@code canonical}); without it the same run measured 296.4 bytes per request (entries
 *       restored from a checkpoint are deserialized with their own copies and cost that much).
 *   <li>RocksDB: 88 bytes per request serialized, with the job's own serializers: key 39 (key
 *       group 1, request id 1 + 36, namespace 1) and value 49 (TTL timestamp 8,
 *       {@link JoinedInferenceSerializer} 41 for model {@code blip2} and version
 *       {@code blip2-opt-2.7b-2025-09}); RocksDB adds its internal key suffix (8) and length
 *       prefixes per entry, then compresses blocks.
 * </ul>
 * Every request is kept for the horizon, with or without feedback: at 1,000 requests/s a 7-day
 * horizon holds about 605 M entries, ≈ 111 GB on the heap or ≈ 53 GB serialized in RocksDB
 * (before compression), across the job's subtasks. Production therefore needs RocksDB (or a
 * shorter horizon). Waiting feedback (not measured; a {@link PendingFeedback} of a few dozen
 * bytes plus a timer) lives at most {@code feedback_wait + allowed_lateness} of event time.
 */
public final class FeedbackJoin extends AbstractStreamOperator<AccuracyObservation>
        implements OneInputStreamOperator<Event, AccuracyObservation>, Triggerable<String, VoidNamespace> {
    private static final long serialVersionUID = 1L;

    /** The model under which feedback without a joinable inference is counted. */
    public static final String UNMATCHED = "unmatched";

    /** Distinct (model, version) strings shared between state entries per subtask, at most. */
    private static final int MAX_CANONICAL_STRINGS = 1024;

    private final long horizonMs;
    private final long waitMs;
    private final long allowedLatenessMs;

    private transient ValueState<JoinedInference> inference;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient Map<String, String> canonical;
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
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    /** The state descriptor of the joined inference, with its memory-bounding TTL. */
    static ValueStateDescriptor<JoinedInference> inferenceDescriptor(long ttlMs) {
        ValueStateDescriptor<JoinedInference> descriptor =
                new ValueStateDescriptor<>("inference", TypeInformation.of(JoinedInference.class));
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofMillis(ttlMs))
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                // Heap: each state access checks one more entry for expiry (Flink's default of 5
                // cost 11 % of the job's CPU in the bench). With about two accesses per request,
                // expired entries stay below the live ones: memory stays within 2× the horizon.
                .cleanupIncrementally(1, false)
                // RocksDB: expired entries are dropped while compacting.
                .cleanupInRocksdbCompactFilter(1000)
                .build());
        return descriptor;
    }

    @Override
    public void open() throws Exception {
        super.open();
        inference = getKeyedStateBackend().getPartitionedState(VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE, inferenceDescriptor(horizonMs + waitMs));
        timers = getInternalTimerService("feedback-wait", VoidNamespaceSerializer.INSTANCE, this);
        canonical = new HashMap<>();
        reuse = new StreamRecord<>(null);
        matched = getMetricGroup().counter("feedbackMatched");
        unmatched = getMetricGroup().counter("feedbackUnmatched");
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
        JoinedInference known = inference.value();
        if (known != null && known.hasInference() && known.ts <= ts) {
            return; // keep the earliest inference of a request id
        }
        JoinedInference joined = new JoinedInference(canonical(e.model), canonical(e.modelVersion), ts);
        inference.update(joined);
        if (known != null && known.waiting != null) {
            for (PendingFeedback f : known.waiting) {
                timers.deleteEventTimeTimer(VoidNamespace.INSTANCE, wakeUp(f.ts));
                decide(joined, f.verdict, f.score, f.ts);
            }
        }
    }

    private void onFeedback(FeedbackEvent e, long ts) throws Exception {
        String verdict = verdict(e.verdict);
        double score = AccuracyObservation.scoreOf(verdict, e.score);
        JoinedInference known = inference.value();
        if (known != null && known.hasInference()) {
            decide(known, verdict, score, ts);
            return;
        }
        JoinedInference waiting = known != null ? known : new JoinedInference();
        waiting.waiting = append(waiting.waiting, new PendingFeedback(verdict, score, ts));
        inference.update(waiting);
        timers.registerEventTimeTimer(VoidNamespace.INSTANCE, wakeUp(ts));
    }

    private static PendingFeedback[] append(PendingFeedback[] waiting, PendingFeedback f) {
        if (waiting == null) {
            return new PendingFeedback[] {f};
        }
        PendingFeedback[] more = Arrays.copyOf(waiting, waiting.length + 1);
        more[waiting.length] = f;
        return more;
    }

    /** Emits a feedback at {@code feedbackTs} as joined to {@code i}, or unmatched if out of bounds. */
    private void decide(JoinedInference i, String verdict, double score, long feedbackTs) {
        if (i.ts >= feedbackTs - horizonMs && i.ts <= feedbackTs + waitMs) {
            matched.inc();
            emit(i.model, i.modelVersion, verdict, score, feedbackTs);
        } else {
            emitUnmatched(verdict, score, feedbackTs);
        }
    }

    /** A waiting feedback's timer: its inference can no longer arrive (see the class comment). */
    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        JoinedInference known = inference.value();
        if (known == null || known.waiting == null) {
            return; // cannot happen: a timer exists only while feedback waits
        }
        List<PendingFeedback> stillWaiting = new ArrayList<>();
        for (PendingFeedback f : known.waiting) {
            if (wakeUp(f.ts) <= timer.getTimestamp()) {
                emitUnmatched(f.verdict, f.score, f.ts);
            } else {
                stillWaiting.add(f);
            }
        }
        if (!stillWaiting.isEmpty()) {
            known.waiting = stillWaiting.toArray(new PendingFeedback[0]);
            inference.update(known);
        } else {
            inference.clear(); // only feedback was here, and it is decided
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

    /**
     * One shared instance per distinct model name or version (on the heap backend, state holds
     * the objects it is given; without this, every request would carry its own copies of
     * {@code "blip2"} and its version string). Bounded: past {@value #MAX_CANONICAL_STRINGS}
     * distinct values, new ones are kept as they come.
     */
    private String canonical(String s) {
        String shared = canonical.get(s);
        if (shared != null) {
            return shared;
        }
        if (canonical.size() < MAX_CANONICAL_STRINGS) {
            canonical.put(s, s);
        }
        return s;
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
