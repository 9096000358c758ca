package com.gluu.kpi.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.gluu.kpi.config.AlertRule;
import com.gluu.kpi.config.TenantBudgets;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * The tenant_budget rule in a keyed harness: month-to-date spend and its linear projection
 * against the budgets file, in event time, worked out by hand.
 */
class TenantBudgetEvaluatorTest {
    private static final long MIN = 60_000L;
    private static final long DAY = 24 * 60 * MIN;
    /** Half of November 2023 (30 days) has passed. */
    private static final long T = Instant.parse("2023-11-16T00:00:00Z").toEpochMilli();
    private static final long DECEMBER = Instant.parse("2023-12-01T00:00:00Z").toEpochMilli();
    private static final double NOVEMBER_MS = 30 * DAY;

    private static AlertRule rule() {
        return TestRules.rules("rules:\n  - {name: tenant_budget, kpi: tenant_budget, group_by: [client_id], severity: warning}\n")
                .rules().get(0);
    }

    private static TenantBudgets budgets() {
        return TenantBudgets.of(java.util.Map.of("acme", 10, "early", 10));
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, TenantSpend, AlertRecord> harness() throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new TenantBudgetEvaluator(rule(), budgets(), 2 * MIN), s -> s.clientId, Types.STRING);
    }

    private static void row(KeyedOneInputStreamOperatorTestHarness<String, TenantSpend, AlertRecord> h, String client,
            long minuteStart, double usd) throws Exception {
        h.processElement(new TenantSpend(client, minuteStart, minuteStart + MIN, usd), minuteStart + MIN - 1);
    }

    @Test
    void warnsOnTheProjectionEscalatesOnTheSpendAndResolvesInTheNextMonth() throws Exception {
        try (var h = harness()) {
            // minute 0: acme $3; globex (no budget) $100, ignored. At T + 1 min: spend 3, projected
            // 3 / ((15 d + 1 min) / 30 d) ≈ 6.0 ≤ 10: nothing.
            row(h, "acme", T, 3);
            row(h, "globex", T, 100);
            h.processWatermark(T + MIN - 1);
            assertThat(h.extractOutputValues()).isEmpty();
            // minute 0 fires again for a late input ($3.5 replaces $3), minute 1 $2: spend 5.5 at
            // T + 2 min, projected 5.5 × 30 d / (15 d + 2 min) = 10.9990 > 10: warning fires
            row(h, "acme", T, 3.5);
            row(h, "acme", T + MIN, 2);
            h.processWatermark(T + 2 * MIN - 1);
            List<AlertRecord> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            AlertRecord fired = out.get(0);
            assertThat(fired.state).isEqualTo("firing");
            assertThat(fired.severity).isEqualTo("warning");
            assertThat(fired.labelsJson).isEqualTo("{\"client_id\":\"acme\"}");
            assertThat(fired.value).isCloseTo(5.5 * NOVEMBER_MS / (15 * DAY + 2 * MIN), within(1e-9));
            assertThat(fired.threshold).isEqualTo(10.0);
            assertThat(fired.startedAt).isEqualTo(T + 2 * MIN);
            assertThat(fired.summary).isEqualTo("acme projected over its $10.00 budget for 2023-11: $5.50 spent, $11.00 projected by month end");
            // minute 2: $5 → spend 10.5 > 10: the same episode escalates to critical (notification 2)
            row(h, "acme", T + 2 * MIN, 5);
            h.processWatermark(T + 3 * MIN - 1);
            out = h.extractOutputValues();
            assertThat(out).hasSize(2);
            AlertRecord critical = out.get(1);
            assertThat(critical.alertId).isEqualTo(fired.alertId);
            assertThat(critical.state).isEqualTo("firing");
            assertThat(critical.severity).isEqualTo("critical");
            assertThat(critical.notifySeq).isEqualTo(2);
            assertThat(critical.summary).startsWith("acme over its $10.00 budget for 2023-11: $10.50 spent");
            // minute 3: $0.5 → still over, no new notification (the hourly repeat is an hour away)
            row(h, "acme", T + 3 * MIN, 0.5);
            h.processWatermark(T + 4 * MIN - 1);
            assertThat(h.extractOutputValues()).hasSize(2);
            // December: the spend starts at 0; $0.01 in its first minute is under the budget and its
            // projection is not judged on the first day: resolved, as the critical it was
            row(h, "acme", DECEMBER, 0.01);
            h.processWatermark(DECEMBER + MIN - 1);
            out = h.extractOutputValues();
            assertThat(out).hasSize(3);
            assertThat(out.get(2).state).isEqualTo("resolved");
            assertThat(out.get(2).severity).isEqualTo("critical");
            assertThat(out.get(2).notifySeq).isEqualTo(3);
            assertThat(out.get(2).resolvedAt).isEqualTo(DECEMBER + MIN);
        }
    }

    @Test
    void aProjectionIsNotJudgedOnTheMonthsFirstDayButTheSpendIs() throws Exception {
        try (var h = harness()) {
            // $1 at 00:05 on December 1st projects to $1 × 31 d / 6 min = $7,440, but it is day 1
            row(h, "early", DECEMBER + 5 * MIN, 1);
            h.processWatermark(DECEMBER + 6 * MIN - 1);
            assertThat(h.extractOutputValues()).isEmpty();
            // $9.5 more at 00:06: spend 10.5 > 10 fires at once, critical from its first notification
            row(h, "early", DECEMBER + 6 * MIN, 9.5);
            h.processWatermark(DECEMBER + 7 * MIN - 1);
            List<AlertRecord> out = h.extractOutputValues();
            assertThat(out).extracting(r -> r.state + " " + r.severity + " #" + r.notifySeq).containsExactly("firing critical #1");
            // a row of November arriving now (its month is over) changes nothing
            row(h, "early", T, 1000);
            h.processWatermark(DECEMBER + 8 * MIN - 1);
            assertThat(h.extractOutputValues()).hasSize(1);
        }
    }

    @Test
    void finalMinutesAreFoldedAndALateRowBeyondTheLatenessIsIgnored() throws Exception {
        try (var h = harness()) {
            // minutes 0..9 of $0.25 each; the watermark runs along, so minutes older than the 2-minute
            // lateness fold into one sum; the state keeps only the open ones
            for (int m = 0; m < 10; m++) {
                row(h, "acme", T + m * MIN, 0.25);
                h.processWatermark(T + (m + 1) * MIN - 1);
            }
            // minute 0 again after its lateness: ignored. Spend stays 2.5 (projected ≈ 5): nothing fires
            row(h, "acme", T, 50);
            h.processWatermark(T + 11 * MIN - 1);
            assertThat(h.extractOutputValues()).isEmpty();
            // $3 more: spend 5.5 at T + 12 min → projected 5.5 × 30 d / (15 d + 12 min) > 10: fires,
            // value from the folded 2.5 plus the open minutes, added in minute order
            row(h, "acme", T + 11 * MIN, 3);
            h.processWatermark(T + 12 * MIN - 1);
            List<AlertRecord> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).value).isCloseTo(5.5 * NOVEMBER_MS / (15 * DAY + 12 * MIN), within(1e-9));
        }
    }
}
