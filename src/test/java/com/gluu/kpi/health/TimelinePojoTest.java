package com.gluu.kpi.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.cost.ComputeSlot;
import com.gluu.kpi.cost.TaskStatus;
import com.gluu.kpi.pipeline.AccrualTimeline;
import java.util.stream.Stream;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The timelines' records and keyed state are Flink POJOs (no Kryo) and survive a round trip. */
class TimelinePojoTest {

    static Stream<Arguments> pojos() {
        return Stream.of(
                Arguments.of(EndpointSlot.class, slot("blip2", 1)),
                Arguments.of(EndpointStatus.class, status()),
                Arguments.of(EndpointHealthCounts.class, counts()),
                Arguments.of(EndpointHealthRow.class, row()),
                Arguments.of(ComputeSlot.class, computeSlot()),
                Arguments.of(TaskStatus.class, taskStatus()),
                Arguments.of(AccrualTimeline.Clock.class, clock()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pojos")
    <T> void isAPojoThatRoundTripsWithoutKryo(Class<T> type, T value) throws Exception {
        assertThat(TypeInformation.of(type)).isInstanceOf(PojoTypeInfo.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(type);

        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        TypeSerializer<T> serializer = TypeInformation.of(type).createSerializer(config);
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(value, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        T back = serializer.deserialize(in);
        assertThat(in.available()).isZero();
        assertThat(back).isNotSameAs(value).usingRecursiveComparison()
                .withComparatorForType(Double::compare, Double.class).isEqualTo(value);
    }

    private static EndpointSlot slot(String model, int n) {
        EndpointSlot s = new EndpointSlot();
        s.endpoint = "blip2-endpoint";
        s.model = model;
        s.slotStart = 1_795_323_600_000L;
        s.slotEnd = 1_795_323_660_000L;
        s.observedMs = 60_000 - n;
        s.inServiceMs = 50_000 - n;
        s.billedMs = 55_000 - n;
        s.hostingUsd = 0.044 * n;
        s.restarts = n;
        s.failures = n + 1;
        return s;
    }

    private static EndpointStatus status() {
        EndpointStatus s = new EndpointStatus();
        s.pendingInstanceMs = 90_000;
        s.pendingPrice = 1.408;
        s.pendingModel = "blip2";
        s.endpoint = "blip2-endpoint";
        s.model = "blip2-v2";
        s.state = "Updating";
        s.instanceType = "ml.g5.xlarge";
        s.instanceCount = 2;
        s.wasInService = true;
        s.unpricedInSlot = true;
        s.parts = new EndpointSlot[] {slot("blip2", 1), slot("blip2-v2", 2)};
        return s;
    }

    private static EndpointHealthCounts counts() {
        EndpointHealthCounts c = new EndpointHealthCounts();
        c.observedMs = 210_000;
        c.inServiceMs = 125_000;
        c.restarts = 1;
        c.failures = 2;
        return c;
    }

    private static EndpointHealthRow row() {
        EndpointHealthRow r = new EndpointHealthRow();
        r.windowStart = 1_795_323_600_000L;
        r.windowEnd = 1_795_327_200_000L;
        r.endpoint = "blip2-endpoint";
        r.inServiceSeconds = 125;
        r.uptimeRatio = Double.NaN;
        r.restarts = 1;
        r.failures = 2;
        return r;
    }

    private static ComputeSlot computeSlot() {
        ComputeSlot c = new ComputeSlot();
        c.service = "analyze-api";
        c.slotStart = 1_795_323_600_000L;
        c.slotEnd = 1_795_323_660_000L;
        c.runningTaskMs = 45_000;
        c.usd = 0.000325;
        return c;
    }

    private static TaskStatus taskStatus() {
        TaskStatus t = new TaskStatus();
        t.unpricedMs = 45_000;
        t.taskId = "arn:aws:ecs:task/1a2b";
        t.service = "analyze-api";
        t.running = true;
        t.vcpu = 0.5;
        t.memoryGb = Double.NaN;
        t.runningMs = 45_000;
        t.usd = 0.0002;
        t.unpricedInSlot = true;
        return t;
    }

    private static AccrualTimeline.Clock clock() {
        AccrualTimeline.Clock c = new AccrualTimeline.Clock();
        c.accruedTo = 1_795_323_630_000L;
        c.boundaryTimer = 1_795_323_659_999L;
        return c;
    }
}
