package com.gluu.kpi.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.gluu.kpi.config.AlertRules;
import com.gluu.kpi.testing.RulesFiles;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.api.Test;

/**
 * {@link SloBudget} in a keyed harness: the hourly rows of {@code kpi.slo}, their period sums and
 * budget worked out by hand, late input, stale input, and the state gone at the end.
 */
class SloBudgetTest {
    private static final long MIN = 60_000L;
    private static final long HOUR = 60 * MIN;
    private static final long T = 1_767_225_600_000L; // 2026-01-01T00:00:00Z, a whole hour

    /** 99 % (budget 1 %) over a rolling 6 hours. */
    private static final AlertRules RULES = RulesFiles.load("rules: []\nslos:\n"
            + "  - {name: availability, kind: availability, objective: 0.99, period: 6h}\n");

    private static KeyedOneInputStreamOperatorTestHarness<Tuple2<String, String>, SloCount, SloRow> harness()
            throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedProcessFunction(new SloBudget(RULES.slos()),
                c -> Tuple2.of(c.slo, c.service), Types.TUPLE(Types.STRING, Types.STRING));
    }

    private static SloCount count(String service, long requests, long bad) {
        SloCount c = new SloCount();
        c.slo = "availability";
        c.service = service;
        c.requests = requests;
        c.bad = bad;
        return c;
    }

    /** Last millisecond of minute {@code minute} of hour {@code hour} after T: a partial's timestamp. */
    private static long at(int hour, int minute) {
        return T + hour * HOUR + (minute + 1) * MIN - 1;
    }

    private static String line(SloRow r) {
        return (r.windowStart - T) / HOUR + "h " + r.service + " " + r.requests + "/" + r.bad + " period "
                + r.periodRequests + "/" + r.periodBad;
    }

    /**
     * Hours 0-7 of api, 1 000 requests in each hour that has input (two partials, minutes 10 and 59),
     * none in hour 4; bad: 5, 20, 0, 10, -, 0, 30, 0. The period of hour h is hours (h - 6, h]:
     * <pre>
     * hour  period requests  period bad  consumed = bad / (0.01 × requests)
     *  0      1 000            5         0.5
     *  1      2 000           25         1.25 (overspent: remaining -0.25)
     *  2      3 000           25         0.8333
     *  3      4 000           35         0.875
     *  5      5 000           35         0.7    (hours 0-3, 5)
     *  6      5 000           60         1.2    (hours 1-3, 5, 6: hour 0 has left)
     *  7      5 000           40         0.8    (hours 2, 3, 5-7)
     * </pre>
     */
    @Test
    void oneRowPerHourWithItsPeriodAndBudgetWhenTheWatermarkPassesIt() throws Exception {
        long[] bad = {5, 20, 0, 10, -1, 0, 30, 0};
        try (var h = harness()) {
            for (int hour = 0; hour < bad.length; hour++) {
                if (bad[hour] >= 0) {
                    h.processElement(count("api", 400, bad[hour]), at(hour, 10));
                    h.processElement(count("api", 600, 0), at(hour, 59));
                }
                h.processWatermark(at(hour, 58));
                assertThat(h.extractOutputValues()).as("hour %d not complete yet", hour).hasSize(
                        (int) java.util.Arrays.stream(bad, 0, hour).filter(b -> b >= 0).count());
                h.processWatermark(at(hour, 59));
            }
            List<SloRow> rows = h.extractOutputValues();
            assertThat(rows).extracting(SloBudgetTest::line).containsExactly(
                    "0h api 1000/5 period 1000/5",
                    "1h api 1000/20 period 2000/25",
                    "2h api 1000/0 period 3000/25",
                    "3h api 1000/10 period 4000/35",
                    "5h api 1000/0 period 5000/35",
                    "6h api 1000/30 period 5000/60",
                    "7h api 1000/0 period 5000/40");
            double[] consumed = {0.5, 1.25, 25 / 30.0, 0.875, 0.7, 1.2, 0.8};
            for (int i = 0; i < rows.size(); i++) {
                assertThat(rows.get(i).budgetConsumed).as(line(rows.get(i))).isCloseTo(consumed[i], within(1e-12));
                assertThat(rows.get(i).budgetRemaining).isCloseTo(1 - consumed[i], within(1e-12));
                assertThat(rows.get(i).objective).isEqualTo(0.99);
                assertThat(rows.get(i).windowEnd - rows.get(i).windowStart).isEqualTo(HOUR);
                assertThat(rows.get(i).slo).isEqualTo("availability");
            }

            // a late partial of hour 7 (within the allowed lateness) re-emits its row:
            // 2 000 requests, 10 bad; period 6 000 / 50 → 50 / 60
            h.processWatermark(at(8, 2));
            h.processElement(count("api", 1000, 10), at(7, 30));
            assertThat(h.extractOutputValues()).extracting(SloBudgetTest::line).last().isEqualTo(
                    "7h api 2000/10 period 6000/50");
            assertThat(h.extractOutputValues().get(rows.size()).budgetConsumed).isCloseTo(50 / 60.0, within(1e-12));

            // an input whose hour has left every period still to come counts nowhere
            h.processWatermark(at(20, 0));
            h.processElement(count("api", 1000, 1000), at(2, 0));
            assertThat(h.extractOutputValues()).hasSize(rows.size() + 1);

            h.processWatermark(Long.MAX_VALUE);
            assertThat(h.numKeyedStateEntries()).as("state left").isZero();
            assertThat(h.numEventTimeTimers()).as("timers left").isZero();
        }
    }

    /** Two services are two keys: each its own rows and budget; the end of a bounded input emits the open hour. */
    @Test
    void servicesAreIndependentAndTheEndOfInputEmitsTheOpenHour() throws Exception {
        try (var h = harness()) {
            h.processElement(count("api", 200, 1), at(0, 5));
            h.processElement(count("worker", 50, 5), at(0, 7));
            h.processWatermark(at(0, 30));
            assertThat(h.extractOutputValues()).isEmpty();
            h.processWatermark(Long.MAX_VALUE);
            List<SloRow> rows = h.extractOutputValues();
            assertThat(rows).extracting(SloBudgetTest::line).containsExactlyInAnyOrder(
                    "0h api 200/1 period 200/1", "0h worker 50/5 period 50/5");
            // 1 / (0.01 × 200) = 0.5; 5 / (0.01 × 50) = 10 budgets
            assertThat(rows).extracting(r -> r.service + " " + Math.round(r.budgetConsumed * 100))
                    .containsExactlyInAnyOrder("api 50", "worker 1000");
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void recordsAndStateArePojosWithoutKryo() {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(SloPartial.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(SloCount.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(SloHour.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(SloRow.class);
    }
}
