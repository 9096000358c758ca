package com.gluu.kpi.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The window state of {@code kpi.jobs}: which gauges it keeps, and its serialized form. */
class JobsAccumulatorTest {
    private static final long END = 1_795_325_940_000L;

    private static JobSignal gauge(long at, boolean isFinal, int stuck, long ageMs) {
        JobSignal g = new JobSignal("analyze-api", "analyze");
        g.gaugeAt = at;
        g.gaugeFinal = isFinal;
        g.open = 1;
        g.stuck = stuck;
        g.oldestOpenMs = ageMs;
        return g;
    }

    @Test
    void theLatestInstantsGaugesReplaceEarlierOnesAndAddUpOverJobs() {
        JobsAccumulator a = new JobsAccumulator();
        a.add(gauge(END - 60_000, false, 1, 3_000_000)); // an earlier minute's end: replaced
        a.add(gauge(END, false, 0, 120_000));
        a.add(gauge(END, false, 1, 1_000_000));
        a.add(gauge(END - 120_000, false, 1, 9_000_000)); // older, arriving later: ignored

        assertThat(a.gaugeAt).isEqualTo(END);
        assertThat(a.open).isEqualTo(2);
        assertThat(a.stuck).isEqualTo(1);
        assertThat(a.oldestOpenMs).isEqualTo(1_000_000);
    }

    @Test
    void aFinalGaugeWinsOverASlotEndAtTheSameInstantInEitherOrder() {
        for (boolean finalFirst : new boolean[] {true, false}) {
            JobsAccumulator a = new JobsAccumulator();
            JobSignal slotEnd = gauge(END, false, 0, 60_000);
            JobSignal last = gauge(END, true, 1, 2_000_000);
            a.add(finalFirst ? last : slotEnd);
            a.add(finalFirst ? slotEnd : last);
            assertThat(a.gaugeFinal).isTrue();
            assertThat(a.open).as("only the final one").isEqualTo(1);
            assertThat(a.oldestOpenMs).isEqualTo(2_000_000);
        }
    }

    @Test
    void mergingTwoAccumulatorsEqualsAddingAllSignalsToOne() throws Exception {
        JobSignal d = new JobSignal("analyze-api", "analyze");
        d.seen = 1;
        d.webhooksSent = 1;
        d.e2eMs = 12_500;
        JobsAccumulator one = new JobsAccumulator();
        JobsAccumulator other = new JobsAccumulator();
        JobsAccumulator all = new JobsAccumulator();
        for (JobSignal s : new JobSignal[] {d, gauge(END, false, 1, 1_000_000)}) {
            one.add(s);
            all.add(s);
        }
        other.add(gauge(END, false, 0, 5_000));
        all.add(gauge(END, false, 0, 5_000));
        one.merge(other);

        JobsAccumulator back = roundTrip(one);
        assertThat(back.seen).isEqualTo(1);
        assertThat(back.webhooksSent).isEqualTo(1);
        assertThat(back.e2e.getCount()).isEqualTo(1);
        assertThat(back.e2e.getValueAtQuantile(0.5)).isEqualTo(all.e2e.getValueAtQuantile(0.5));
        assertThat(back.e2e.getValueAtQuantile(0.5)).isCloseTo(12_500, org.assertj.core.data.Percentage.withPercentage(1));
        assertThat(back.queue.isEmpty()).isTrue();
        assertThat(new long[] {back.gaugeAt, back.open, back.stuck, back.oldestOpenMs})
                .containsExactly(END, 2, 1, 1_000_000);
    }

    private static JobsAccumulator roundTrip(JobsAccumulator a) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(256);
        JobsAccumulatorSerializer.INSTANCE.serialize(a, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        JobsAccumulator back = JobsAccumulatorSerializer.INSTANCE.deserialize(in);
        assertThat(in.available()).isZero();
        return back;
    }
}
