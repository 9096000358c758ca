package com.gluu.kpi.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.latency.LatencySketches;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.api.Test;

/** The alert records and state are Flink POJOs (generic types are off) and survive a round trip. */
class AlertTypesTest {

    @Test
    void recordsAndStateArePojosWithoutKryo() {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(AlertRecord.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(AlertEvidence.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(RuleInput.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(AlertGroupState.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(GroupMinutes.class);
    }

    @Test
    void groupMinutesRoundTrip() throws Exception {
        GroupMinutes g = GroupMinutes.create("{\"service\":\"a\"}", 3);
        int i = g.claim(7, 5);
        var sketch = LatencySketches.create();
        sketch.accept(1234);
        g.sketch[i] = LatencySketches.toBytes(sketch);
        g.count[i] = 1;
        g.max[i] = 1234;
        g.alert.phase = AlertGroupState.FIRING;
        g.alert.alertId = "abc";
        g.alert.notifySeq = 2;
        g.lastTrafficMinute = 7;
        g.addEvidence(i, "r1", 42L, 12_000.0, true);
        g.addEvidence(i, "r2", 43L, Double.NaN, true);

        TypeSerializer<GroupMinutes> s = TypeInformation.of(GroupMinutes.class).createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(256);
        s.serialize(g, out);
        GroupMinutes back = s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

        assertThat(back.minute).containsExactly(Long.MIN_VALUE, 7, Long.MIN_VALUE); // 7 mod 3 = 1
        assertThat(back.slotOf(7)).isEqualTo(1);
        assertThat(back.slotOf(4)).isEqualTo(-1);
        assertThat(LatencySketches.fromBytes(back.sketch[1]).getCount()).isEqualTo(1.0);
        assertThat(back.sketch[0]).isEmpty();
        assertThat(back.max[1]).isEqualTo(1234.0);
        assertThat(back.alert.phase).isEqualTo(AlertGroupState.FIRING);
        assertThat(back.alert.alertId).isEqualTo("abc");
        assertThat(back.alert.notifySeq).isEqualTo(2);
        assertThat(back.lastTrafficMinute).isEqualTo(7);
        assertThat(back.evidenceId[1]).containsExactly("r1", "r2");
        assertThat(back.evidenceTs[1]).containsExactly(42L, 43L);
        assertThat(back.evidenceValue[1][0]).isEqualTo(12_000.0);
        assertThat(back.evidenceValue[1][1]).isNaN();
        assertThat(back.evidenceId[0]).isEmpty();
        assertThat(back.labelsJson).isEqualTo("{\"service\":\"a\"}");
    }

    @Test
    void claimRecyclesOnlyMinutesNoEvaluationNeedsAndGrowsOtherwise() {
        GroupMinutes g = GroupMinutes.create("{}", 3);
        int i = g.claim(4, 2);
        g.count[i] = 5;
        assertThat(g.claim(4, 2)).isEqualTo(i);
        assertThat(g.count[i]).isEqualTo(5);
        assertThat(g.claim(1, 2)).as("minute 1 is older than any evaluation to come").isEqualTo(-1);
        // minutes 4 and 7 share slot 1 of 3; minute 4 is still needed (keepFrom 2): the ring grows
        int j = g.claim(7, 2);
        assertThat(g.minute.length).isGreaterThanOrEqualTo(6);
        assertThat(g.minute[j]).isEqualTo(7);
        assertThat(g.count[j]).isZero();
        assertThat(g.count[g.slotOf(4)]).as("minute 4 kept").isEqualTo(5);
        // once minute 4 is no longer needed (keepFrom 5) its slot is recycled in place
        int size = g.minute.length;
        int k = g.claim(4 + size, 5);
        assertThat(g.minute.length).isEqualTo(size);
        assertThat(g.count[k]).as("recycled").isZero();
        assertThat(g.slotOf(4)).isEqualTo(-1);
        assertThat(g.slotOf(7)).isEqualTo(j);
    }
    @Test
    void aFarOffMinuteDoesNotGrowTheRingBeyondMaxSlots() {
        GroupMinutes g = GroupMinutes.create("{}", 3);
        int i = g.claim(4, 2);
        g.count[i] = 5;
        // 4 + 3 × 10 000 shares slot 1 with the still-needed minute 4, but spans more than MAX_SLOTS
        long far = 4 + 3L * 10_000;
        int j = g.claim(far, 2);
        assertThat(g.minute.length).isEqualTo(3);
        assertThat(j).isEqualTo(i);
        assertThat(g.minute[j]).isEqualTo(far);
        assertThat(g.claim(4, 2)).as("older than the minute now in its slot").isEqualTo(-1);
    }
}
