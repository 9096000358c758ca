package com.gluu.kpi.accuracy;

import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventType;
import com.gluu.kpi.events.InferenceEvent;
import com.google.common.io.CountingOutputStream;
import java.lang.management.ManagementFactory;
import java.io.OutputStream;
import java.time.Duration;
import java.util.UUID;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * Measures what {@link FeedbackJoin} keeps per request (not a test; run by hand):
 *
 * <pre>
 * mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -Xmx4g -XX:+UseParallelGC [the pom's flink.add-opens flags] \
 *      -cp target/classes:target/test-classes:$(cat target/cp.txt) com.gluu.kpi.accuracy.FeedbackJoinStateSize [N]
 * </pre>
 *
 * <p>Heap: N inferences with distinct 36-character request ids (UUIDs, the size of a typical
 * request id) go through the operator in the harness (parallelism 1, max parallelism 128); used
 * heap after repeated full GCs, before and after, divided by N, next to the index's own count of
 * its table bytes. Checkpoint: the bytes a snapshot writes for them (all key groups).
 */
public final class FeedbackJoinStateSize {
    private FeedbackJoinStateSize() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new FeedbackJoin(Duration.ofDays(7), Duration.ofMinutes(10), Duration.ofMinutes(5)),
                Event::routingKey, Types.STRING, 128, 1, 0); // Flink's default max parallelism for parallelism ≤ 128
        harness.open();
        // Warm up with the same request id (one entry), so class loading etc. is in the baseline.
        for (int i = 0; i < 1_000; i++) {
            harness.processElement(inference("warm-up", 1_795_325_880_000L + i), 1_795_325_880_000L + i);
        }
        long before = usedHeapAfterGc();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long ts = 1_795_325_880_000L + i;
            harness.processElement(inference(UUID.randomUUID().toString(), ts), ts);
        }
        long elapsed = System.nanoTime() - start;
        long after = usedHeapAfterGc();
        FeedbackJoin join = (FeedbackJoin) harness.getOneInputOperator();
        System.out.printf("heap: %,d requests remembered, used heap +%,d bytes = %.1f bytes/request"
                        + " (index tables %,d bytes = %.1f bytes/request; %.2f µs/inference through the harness)%n",
                join.inferencesRemembered(), after - before, (double) (after - before) / n,
                join.inferenceIndexBytes(), (double) join.inferenceIndexBytes() / n, elapsed / 1e3 / n);
        // What a checkpoint writes: every key group's section (the harness's in-memory checkpoint
        // storage refuses more than 5 MB, so the sections are counted here directly).
        CountingOutputStream counted = new CountingOutputStream(OutputStream.nullOutputStream());
        for (int keyGroup = 0; keyGroup < 128; keyGroup++) {
            join.inferenceIndex().write(keyGroup, counted);
        }
        System.out.printf("checkpoint: %,d bytes = %.1f bytes/request%n", counted.getCount(), (double) counted.getCount() / n);
        harness.close();
    }

    private static Event inference(String requestId, long ts) {
        Event e = new Event();
        e.eventId = "i-" + ts;
        e.type = EventType.INFERENCE;
        e.ts = ts;
        e.inference = new InferenceEvent();
        e.inference.requestId = requestId;
        e.inference.service = "analyze-api";
        e.inference.model = String.valueOf("blip2".toCharArray()); // own copies, as the parser makes them
        e.inference.modelVersion = String.valueOf("blip2-opt-2.7b-2025-09".toCharArray());
        return e;
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        var memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(200);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
