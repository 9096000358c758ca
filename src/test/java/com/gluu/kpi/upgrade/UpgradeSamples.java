package com.gluu.kpi.upgrade;

import com.gluu.kpi.accuracy.PendingFeedback;
import com.gluu.kpi.accuracy.WaitingFeedback;
import com.gluu.kpi.cost.CostInput;
import com.gluu.kpi.events.EndpointEvent;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventType;
import com.gluu.kpi.events.FeedbackEvent;
import com.gluu.kpi.events.InferenceEvent;
import com.gluu.kpi.events.InferenceStatus;
import com.gluu.kpi.events.TaskEvent;
import com.gluu.kpi.latency.LatencyAccumulator;
import com.gluu.kpi.latency.LatencyObservation;
import java.util.Arrays;
import java.util.List;

/**
 * The values stored in the upgrade fixtures ({@code src/test/resources/upgrade/}). The fixtures
 * hold these values as some earlier build wrote them; the upgrade tests read them with the
 * current build and compare with these, so <b>never change a sample</b> once a fixture holding
 * it is committed: add new samples (and a new fixture) instead.
 */
public final class UpgradeSamples {
    private UpgradeSamples() {}

    /** One event of each type, one with every body, and one with every nullable field null. */
    /** The samples of event layout 1 (the fixtures before-versions and layout-1 hold them). */
    public static List<Event> events() {
        return List.of(inference(), feedback(), endpoint(), task(), allBodies(), nullStrings());
    }

    /** The samples of event layout 2: layout 1's and a job event (fixture layout-2). */
    public static List<Event> eventsOfLayout2() {
        return java.util.stream.Stream.concat(events().stream(), java.util.stream.Stream.of(job())).toList();
    }

    static Event job() {
        Event e = envelope("evt-job-1", EventType.JOB, 1_795_326_180_000L);
        com.gluu.kpi.events.JobEvent j = new com.gluu.kpi.events.JobEvent();
        j.jobId = "job-42";
        j.service = "analyze-api";
        j.state = "webhook_failed";
        j.kind = "analyze";
        j.clientId = "acme";
        j.model = "blip2";
        j.httpStatus = 503;
        j.attempt = 2;
        e.job = j;
        return e;
    }

    static Event inference() {
        Event e = envelope("evt-inference-1", EventType.INFERENCE, 1_795_325_880_123L);
        e.inference = inferenceBody();
        return e;
    }

    private static InferenceEvent inferenceBody() {
        InferenceEvent i = new InferenceEvent();
        i.requestId = "req-1";
        i.service = "captioning";
        i.route = "/v1/caption";
        i.model = "blip2";
        i.modelVersion = "blip2-opt-2.7b-2025-09";
        i.endpoint = "blip2-prod";
        i.clientId = "client-7";
        i.async = true;
        i.status = InferenceStatus.CLIENT_ERROR;
        i.httpStatus = 429;
        i.errorType = "throttled";
        i.totalLatencyMs = 812.5;
        i.modelLatencyMs = 640.25;
        i.llmLatencyMs = 120.0;
        i.llmModel = "gpt-4o-mini";
        i.promptTokens = 1_200;
        i.completionTokens = 345;
        i.images = 2;
        return i;
    }

    static Event feedback() {
        Event e = envelope("evt-feedback-1", EventType.FEEDBACK, 1_795_325_940_000L);
        e.feedback = feedbackBody();
        return e;
    }

    private static FeedbackEvent feedbackBody() {
        FeedbackEvent f = new FeedbackEvent();
        f.requestId = "req-1";
        f.verdict = "partial";
        f.score = 0.75;
        f.source = "human";
        return f;
    }

    static Event endpoint() {
        Event e = envelope("evt-endpoint-1", EventType.ENDPOINT, 1_795_326_000_000L);
        e.endpoint = endpointBody();
        return e;
    }

    private static EndpointEvent endpointBody() {
        EndpointEvent p = new EndpointEvent();
        p.endpoint = "blip2-prod";
        p.model = "blip2";
        p.state = "Updating";
        p.instanceType = "ml.g5.xlarge";
        p.instanceCount = 3;
        p.reason = "scale out";
        return p;
    }

    static Event task() {
        Event e = envelope("evt-task-1", EventType.TASK, 1_795_326_060_000L);
        e.task = taskBody();
        return e;
    }

    private static TaskEvent taskBody() {
        TaskEvent t = new TaskEvent();
        t.taskId = "task-9";
        t.service = "captioning";
        t.state = "RUNNING";
        t.vcpu = 0.5;
        t.memoryGb = 2.0;
        return t;
    }

    static Event allBodies() {
        Event e = envelope("evt-all", EventType.INFERENCE, 1_795_326_120_000L);
        e.schemaVersion = 2;
        e.inference = inferenceBody();
        e.feedback = feedbackBody();
        e.endpoint = endpointBody();
        e.task = taskBody();
        return e;
    }

    static Event nullStrings() {
        Event e = envelope(null, null, -1L);
        InferenceEvent i = new InferenceEvent();
        i.totalLatencyMs = Double.NaN;
        i.modelLatencyMs = Double.NaN;
        i.llmLatencyMs = Double.NaN;
        e.inference = i;
        return e;
    }

    /** The envelope of a sample; the fixtures of the builds before 2026-12-07 also hold a source id, read past. */
    private static Event envelope(String id, EventType type, long ts) {
        Event e = new Event();
        e.eventId = id;
        e.type = type;
        e.ts = ts;
        return e;
    }

    private static final double NONE = Double.NaN;

    /**
     * Observations (total, model, llm latency in ms; NaN: stage absent) of each accumulator of
     * {@link #latencyAccumulators()}.
     */
    static final double[][][] OBSERVATIONS = {
        {{10, 5, NONE}, {20, 15, NONE}, {30, NONE, NONE}, {40, NONE, NONE}},
        {{250.5, NONE, 100.25}},
        // Two latencies of 9 · 10^12 ms: their sum in ns passes Long.MAX_VALUE (the wide sum's high part).
        {{9e12, NONE, NONE}, {9e12, NONE, NONE}},
    };

    /** Accumulators made only through the public {@code add}, from {@link #OBSERVATIONS}. */
    public static List<LatencyAccumulator> latencyAccumulators() {
        return Arrays.stream(OBSERVATIONS).map(UpgradeSamples::accumulator).toList();
    }

    private static LatencyAccumulator accumulator(double[][] observations) {
        LatencyAccumulator acc = new LatencyAccumulator();
        for (double[] latencies : observations) {
            LatencyObservation o = new LatencyObservation();
            o.totalMs = latencies[0];
            o.modelMs = latencies[1];
            o.llmMs = latencies[2];
            acc.add(o);
        }
        return acc;
    }

    /**
     * One minute's cost inputs (the window [T0, T0 + 1 min) of {@link UpgradeFixtures#T0}): analyze-api's
     * 3 requests to blip2@blip2-endpoint with $0.007 of tokens (7 · 10^9 pico-dollars), blip2-endpoint's
     * hosting $0.06, the idle llava-endpoint's $0.03, analyze-api's Fargate $0.004 and
     * thumbnail-worker's $0.002 (no requests: unallocated). Fixture cost-window/layout-1.
     */
    public static List<CostInput> costInputs() {
        CostInput requests = new CostInput();
        requests.kind = CostInput.REQUESTS;
        requests.service = "analyze-api";
        requests.model = "blip2";
        requests.endpoint = "blip2-endpoint";
        requests.requests = 3;
        requests.llmPicoUsd = 7_000_000_000L;
        return List.of(requests, CostInput.hosting("blip2", "blip2-endpoint", 0.06),
                CostInput.hosting("llava", "llava-endpoint", 0.03), CostInput.compute("analyze-api", 0.004),
                CostInput.compute("thumbnail-worker", 0.002));
    }

    public static List<WaitingFeedback> waitingFeedback() {
        return List.of(
                new WaitingFeedback(new PendingFeedback[0]),
                new WaitingFeedback(new PendingFeedback("correct", 1.0, 1_795_325_880_000L)),
                new WaitingFeedback(new PendingFeedback("incorrect", 0.0, 1_795_325_881_000L),
                        new PendingFeedback(null, 0.5, 1_795_325_882_500L)));
    }
}
