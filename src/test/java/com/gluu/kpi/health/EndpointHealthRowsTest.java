package com.gluu.kpi.health;

import static com.gluu.kpi.testing.TimelineFixtures.MINUTE;
import static com.gluu.kpi.testing.TimelineFixtures.T;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The 1-hour {@code kpi.endpoint_health} window of {@link EndpointHealthRows} in an operator harness. */
class EndpointHealthRowsTest {
    private static final long HOUR = 60 * MINUTE;

    private static EndpointSlot slot(String endpoint, String model, int minute, long observedS, long inServiceS,
            long restarts, long failures) {
        EndpointSlot s = new EndpointSlot();
        s.endpoint = endpoint;
        s.model = model;
        s.slotStart = T + minute * MINUTE;
        s.slotEnd = s.slotStart + MINUTE;
        s.observedMs = observedS * 1000;
        s.inServiceMs = inServiceS * 1000;
        s.billedMs = inServiceS * 1000;
        s.restarts = restarts;
        s.failures = failures;
        return s;
    }

    @SuppressWarnings("unchecked")
    private static KeyedOneInputStreamOperatorTestHarness<String, EndpointSlot, EndpointHealthRow> harness() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        OneInputTransformation<EndpointSlot, EndpointHealthRow> window = (OneInputTransformation<EndpointSlot, EndpointHealthRow>)
                EndpointHealthRows.rows(env.fromData(slot("x", "m", 0, 1, 1, 0, 0))
                        .returns(TypeInformation.of(EndpointSlot.class)), List.of(Duration.ofHours(1)), Duration.ofMinutes(5))
                .getTransformation();
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(window.getOperatorFactory(),
                (KeySelector<EndpointSlot, String>) window.getStateKeySelector(),
                (TypeInformation<String>) window.getStateKeyType());
        harness.open();
        return harness;
    }

    private static void add(KeyedOneInputStreamOperatorTestHarness<String, EndpointSlot, EndpointHealthRow> h, EndpointSlot s)
            throws Exception {
        h.processElement(s, s.slotEnd - 1);
    }

    @Test
    void hourRowSumsItsSlotsAndDividesInServiceByObservedTime() throws Exception {
        try (var h = harness()) {
            add(h, slot("ep-a", "blip2", 0, 30, 30, 0, 0));
            add(h, slot("ep-a", "blip2", 1, 60, 15, 0, 1));
            add(h, slot("ep-a", "blip2", 2, 60, 60, 1, 0));
            add(h, slot("ep-a", "blip2", 3, 20, 20, 0, 0));    // the model changed within minute 3:
            add(h, slot("ep-a", "blip2-v2", 3, 40, 0, 0, 0));  // both parts are the same endpoint
            add(h, slot("ep-a", "blip2-v2", 60, 60, 60, 0, 0)); // next hour
            add(h, slot("ep-b", "blip2", 59, 0, 0, 0, 1));      // only a failure at the end of input
            h.processWatermark(T + HOUR - 1);

            List<EndpointHealthRow> rows = h.extractOutputValues();
            rows.sort(Comparator.comparing(r -> r.endpoint));
            assertThat(rows).hasSize(2);
            EndpointHealthRow a = rows.get(0);
            assertThat(a.endpoint).isEqualTo("ep-a");
            assertThat(a.windowStart).isEqualTo(T);
            assertThat(a.windowEnd).isEqualTo(T + HOUR);
            // observed 30 + 60 + 60 + 20 + 40 = 210 s, InService 30 + 15 + 60 + 20 = 125 s.
            assertThat(a.inServiceSeconds).isEqualTo(125.0);
            assertThat(a.uptimeRatio).isEqualTo(25.0 / 42.0);
            assertThat(a.restarts).isEqualTo(1);
            assertThat(a.failures).isEqualTo(1);

            EndpointHealthRow b = rows.get(1);
            assertThat(b.endpoint).isEqualTo("ep-b");
            assertThat(b.inServiceSeconds).isZero();
            assertThat(b.uptimeRatio).isNaN();
            assertThat(b.failures).isEqualTo(1);
            assertThat(b.restarts).isZero();
        }
    }
}
