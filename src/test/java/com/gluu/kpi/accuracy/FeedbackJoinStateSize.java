package com.gluu.kpi.accuracy;

import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventType;
import com.gluu.kpi.events.InferenceEvent;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.UUID;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.SerializedCompositeKeyBuilder;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.ttl.TtlStateFactory;
import org.apache.flink.runtime.state.ttl.TtlValue;
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
 * request id) go through the operator in the harness's heap (HashMap) backend; used heap after
 * repeated full GCs, before and after, divided by N. The request-id strings are created as the
 * events are and are kept only by the state, so they are part of the figure, as in production.
 *
 * <p>RocksDB: the bytes of one state entry as the RocksDB backend writes them, produced with the
 * same serializers: the composite key (key-group prefix, request id, namespace) and the TTL value
 * (last-access timestamp + the {@link JoinedInference} as {@link JoinedInferenceSerializer} writes it).
 */
public final class FeedbackJoinStateSize {
    private FeedbackJoinStateSize() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        heap(n);
        rocksDb();
    }

    private static void heap(int n) throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new FeedbackJoin(Duration.ofDays(7), Duration.ofMinutes(10), Duration.ofMinutes(5)),
                Event::routingKey, Types.STRING);
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
        System.out.printf("heap backend: %,d requests, %,d keyed state entries, used heap +%,d bytes = %.1f bytes/request"
                + " (%.2f µs/inference through the harness)%n",
                n, harness.numKeyedStateEntries(), after - before, (double) (after - before) / n, elapsed / 1e3 / n);
        harness.close();
    }

    private static void rocksDb() throws Exception {
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        TypeSerializer<JoinedInference> joined = TypeInformation.of(JoinedInference.class).createSerializer(config);
        TtlStateFactory.TtlSerializer<JoinedInference> ttl = new TtlStateFactory.TtlSerializer<>(LongSerializer.INSTANCE, joined);

        String requestId = UUID.randomUUID().toString();
        int maxParallelism = 128; // Flink's default for parallelism ≤ 128: a 1-byte key-group prefix
        SerializedCompositeKeyBuilder<String> keys = new SerializedCompositeKeyBuilder<>(StringSerializer.INSTANCE, 1, 64);
        keys.setKeyAndKeyGroup(requestId, KeyGroupRangeAssignment.assignToKeyGroup(requestId, maxParallelism));
        byte[] key = keys.buildCompositeKeyNamespace(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE);

        DataOutputSerializer out = new DataOutputSerializer(128);
        ttl.serialize(new TtlValue<>(new JoinedInference("blip2", "blip2-opt-2.7b-2025-09", 1_795_325_880_000L), 0L), out);
        int value = out.length();
        out.clear();
        joined.serialize(new JoinedInference("blip2", "blip2-opt-2.7b-2025-09", 1_795_325_880_000L), out);
        int joinedOnly = out.length();
        System.out.printf("RocksDB entry: key %d bytes (36-char request id) + value %d bytes (TTL timestamp 8 + JoinedInference %d,"
                + " model \"blip2\", version \"blip2-opt-2.7b-2025-09\") = %d bytes before RocksDB's own overhead%n",
                key.length, value, joinedOnly, key.length + value);
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
