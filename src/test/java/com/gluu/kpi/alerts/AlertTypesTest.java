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

/**
 * The alert records and state are Flink POJOs (generic types are off), the rule inputs have their
 * own serializer, and all survive a round trip.
 */
class AlertTypesTest {

    @Test
    void recordsAndStateArePojosWithoutKryo() {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(AlertRecord.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(AlertEvidence.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(AlertGroupState.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(GroupMinutes.class);
    }

    @Test
    void ruleInputsTravelWithTheirOwnSerializerAndComeBackFieldByField() throws Exception {
        TypeSerializer<RuleInput> s = TypeInformation.of(RuleInput.class).createSerializer(new SerializerConfigImpl());
        assertThat(s).isSameAs(RuleInputSerializer.INSTANCE);
        RuleInput full = new RuleInput();
        full.rule = "latency_p95_warning";
        full.labelsJson = "{\"model\":\"blip2\",\"service\":\"report-api\"}";
        full.minute = 29_921_760L;
        full.count = 3;
        full.errors = 4;
        full.sum = 5.5;
        full.max = 6.25;
        full.sketch = new byte[] {7, 8, 9};
        full.restarts = 10;
        full.failures = 11;
        full.deployMs = 12;
        full.billedMs = 13;
        full.requests = 14;
        full.requestId = "r-15";
        full.requestTs = 16;
        full.requestValue = 17.75;
        full.inputEndTs = 18;
        RuleInput empty = new RuleInput(); // nulls, an empty sketch, NaN and MIN_VALUE defaults
        DataOutputSerializer out = new DataOutputSerializer(256);
        s.serialize(full, out);
        s.serialize(empty, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        RuleInput back = s.deserialize(in);
        assertThat(back).usingRecursiveComparison().isEqualTo(full);
        RuleInput backEmpty = s.deserialize(in);
        assertThat(backEmpty).usingRecursiveComparison().ignoringFields("requestValue").isEqualTo(empty);
        assertThat(backEmpty.requestValue).isNaN();
        assertThat(backEmpty.inputEndTs).isEqualTo(Long.MIN_VALUE);
        assertThat(in.available()).isZero();
        assertThat(s.copy(full)).usingRecursiveComparison().isEqualTo(full);
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

        assertThat(back.minute).containsExactly(7, Long.MIN_VALUE, Long.MIN_VALUE); // the first free slot
        assertThat(back.slotOf(7)).isEqualTo(0);
        assertThat(back.slotOf(4)).isEqualTo(-1);
        assertThat(LatencySketches.fromBytes(back.sketch[0]).getCount()).isEqualTo(1.0);
        assertThat(back.sketch[1]).isEmpty();
        assertThat(back.max[0]).isEqualTo(1234.0);
        assertThat(back.alert.phase).isEqualTo(AlertGroupState.FIRING);
        assertThat(back.alert.alertId).isEqualTo("abc");
        assertThat(back.alert.notifySeq).isEqualTo(2);
        assertThat(back.lastTrafficMinute).isEqualTo(7);
        assertThat(back.evidenceId[0]).containsExactly("r1", "r2");
        assertThat(back.evidenceTs[0]).containsExactly(42L, 43L);
        assertThat(back.evidenceValue[0][0]).isEqualTo(12_000.0);
        assertThat(back.evidenceValue[0][1]).isNaN();
        assertThat(back.evidenceId[1]).isEmpty();
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
        g.claim(5, 2);
        g.claim(6, 2);
        // three slots hold the still-needed minutes 4, 5, 6 (keepFrom 2): a fourth minute, days
        // later, makes the set grow instead of overwriting one of them
        long later = 4 + 3 * 1440;
        int j = g.claim(later, 2);
        assertThat(g.minute.length).isEqualTo(6);
        assertThat(g.minute[j]).isEqualTo(later);
        assertThat(g.count[j]).isZero();
        assertThat(g.count[g.slotOf(4)]).as("minute 4 kept").isEqualTo(5);
        // once minute 4 is no longer needed (keepFrom 5) a slot is reused without growing
        int k = g.claim(later + 1, 5);
        assertThat(g.minute.length).isEqualTo(6);
        assertThat(k).isEqualTo(i);
        assertThat(g.count[k]).as("recycled").isZero();
        assertThat(g.slotOf(4)).isEqualTo(-1);
        assertThat(g.slotOf(later)).isEqualTo(j);
    }

    @Test
    void aFloodOfFarOffMinutesStopsAtMaxSlots() {
        GroupMinutes g = GroupMinutes.create("{}", 3);
        int i = g.claim(4, 2);
        g.count[i] = 5;
        for (long m = 0; m < GroupMinutes.MAX_SLOTS - 1; m++) {
            assertThat(g.claim(1_000_000 + 1000 * m, 2)).isNotNegative();
        }
        assertThat(g.minute.length).isEqualTo(GroupMinutes.MAX_SLOTS);
        assertThat(g.claim(999, 2)).as("every slot holds a needed minute").isEqualTo(-1);
        assertThat(g.count[g.slotOf(4)]).as("minute 4 kept").isEqualTo(5);
    }
}
