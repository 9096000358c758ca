package com.gluu.kpi.alerts;

import com.gluu.kpi.config.AlertRule;
import com.gluu.kpi.config.TenantBudgets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The {@code tenant_budget} rule (SPEC §5), keyed by {@code client_id}: a tenant's month-to-date
 * spend (Σ {@code total_usd} of its {@code kpi.tenant_usage} rows of the smallest window size in the calendar month,
 * UTC) and its linear projection to the month's end, spend ÷ (elapsed share of the month), against
 * its budget in {@code jobs/budgets.yaml}. Warning when the projection exceeds the budget; the
 * same episode escalates to critical (one more notification) once the spend alone exceeds it.
 *
 * <p>Why its own operator: the evaluator keeps a ring of recent minutes per group, and a month is
 * 44,640 of them. Here a tenant's state is its month (the spend of its final minutes folded into
 * one sum, {@link TenantMonth}) and the windows still open to late input (at most the allowed
 * lateness of them, in a map state); a window that fires again for late input replaces its row.
 * Sums are added in window order, so a replay gives the same bits whatever the arrival order.
 *
 * <p>Decisions: evaluated at the end of each window in which the tenant has a row (a tenant
 * without traffic is not re-judged until it has some: its projection only falls meanwhile); the
 * projection is not judged in a month's first {@link #PROJECT_AFTER_MS day} (one request in the
 * first hour would project a month of it); the spend is judged from the first minute. A new month
 * starts the spend at 0, so a firing episode resolves at its tenant's first minute of it. A row of
 * a month already over is ignored. Tenants without a budget keep no state. Value: the projected
 * month-end spend; threshold: the budget.
 */
public final class TenantBudgetEvaluator extends KeyedProcessFunction<String, TenantSpend, AlertRecord> {
    private static final long serialVersionUID = 1L;
    static final long MINUTE_MS = 60_000L;
    /** The projection is judged only after this much of the month (1 day). */
    static final long PROJECT_AFTER_MS = 24 * 60 * MINUTE_MS;

    private final AlertRule rule;
    private final TenantBudgets budgets;
    private final long latenessMs;

    private transient AlertStateMachine machine;
    private transient ValueState<TenantMonth> month;
    /** The windows still open to late rows: window start → [window end, total_usd]. */
    private transient MapState<Long, double[]> openWindows;

    /** {@code rule} is the rules file's rule of kpi tenant_budget; {@code latenessMs} the job's allowed lateness. */
    public TenantBudgetEvaluator(AlertRule rule, TenantBudgets budgets, long latenessMs) {
        if (rule.kpi() != AlertRule.Kpi.TENANT_BUDGET) {
            throw new IllegalArgumentException("not a tenant_budget rule: " + rule.name());
        }
        this.rule = rule;
        this.budgets = budgets;
        this.latenessMs = latenessMs;
    }

    @Override
    public void open(Configuration parameters) {
        machine = new AlertStateMachine(rule);
        month = getRuntimeContext().getState(new ValueStateDescriptor<>("tenant-month", TypeInformation.of(TenantMonth.class)));
        openWindows = getRuntimeContext().getMapState(new MapStateDescriptor<Long, double[]>("tenant-open-windows",
                Types.LONG, org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo.DOUBLE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public void processElement(TenantSpend s, Context ctx, Collector<AlertRecord> out) throws Exception {
        if (Double.isNaN(budgets.monthlyUsd(ctx.getCurrentKey()))) {
            return;
        }
        TenantMonth t = month.value();
        t = t == null ? new TenantMonth() : t;
        long start = monthStart(s.windowStart);
        if (start < t.monthStart || s.windowStart < t.foldedBefore) {
            return; // its month is over, or its window is final already (beyond the allowed lateness)
        }
        if (start > t.monthStart) { // a new month: its spend starts at 0
            t.monthStart = start;
            t.foldedUsd = 0;
            t.foldedBefore = start;
            openWindows.clear();
        }
        openWindows.put(s.windowStart, new double[] {s.windowEnd, s.totalUsd});
        month.update(t);
        ctx.timerService().registerEventTimeTimer(s.windowEnd - 1);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AlertRecord> out) throws Exception {
        TenantMonth t = month.value();
        if (t == null) {
            return;
        }
        long at = timestamp + 1; // the window's end: the evaluation time
        if (monthStart(timestamp) != t.monthStart) {
            return; // a timer of a month the tenant has left
        }
        List<Long> starts = new ArrayList<>();
        for (Long start : openWindows.keys()) {
            starts.add(start);
        }
        starts.sort(null);
        double spend = t.foldedUsd;
        long watermark = ctx.timerService().currentWatermark();
        for (long start : starts) {
            double[] w = openWindows.get(start);
            long end = (long) w[0];
            if (end > at) {
                break; // a later window, evaluated at its own end
            }
            spend += w[1];
            if (end - 1 + latenessMs <= watermark) { // final: no late row can change it
                t.foldedUsd += w[1];
                t.foldedBefore = end;
                openWindows.remove(start);
            }
        }
        String client = ctx.getCurrentKey();
        double budget = budgets.monthlyUsd(client);
        long monthEnd = nextMonthStart(t.monthStart);
        double elapsed = (at - t.monthStart) / (double) (monthEnd - t.monthStart);
        double projected = spend / elapsed;
        boolean exceeded = spend > budget;
        boolean projectedOver = at - t.monthStart >= PROJECT_AFTER_MS && projected > budget;
        String labels = AlertStateMachine.labelsJson(Map.of("client_id", client));

        boolean wasCritical = t.critical;
        List<AlertRecord> records = new ArrayList<>(machine.evaluateCondition(t.alert, labels, at, exceeded || projectedOver));
        if (t.alert.isFiring() && exceeded && !t.critical) {
            t.critical = true;
            if (records.isEmpty()) { // already firing as a warning: escalate
                records.add(machine.notifyAgain(t.alert, labels, at, projected));
            }
        }
        for (AlertRecord r : records) {
            boolean resolved = AlertRecord.RESOLVED.equals(r.state);
            r.value = projected;
            r.threshold = budget;
            r.severity = (resolved ? wasCritical : t.critical) ? "critical" : rule.severity().wireName();
            r.summary = summary(client, spend, projected, budget, monthEnd, resolved);
            out.collect(r);
        }
        if (!t.alert.isFiring()) {
            t.critical = false;
        }
        month.update(t);
    }

    /** e.g. {@code fleetco spent $0.61 of its $0.50 budget for 2023-11 (projected $1.16 by month end)}. */
    static String summary(String client, double spend, double projected, double budget, long monthEnd, boolean resolved) {
        String ym = ZonedDateTime.ofInstant(Instant.ofEpochMilli(monthEnd - 1), ZoneOffset.UTC).toLocalDate().toString()
                .substring(0, 7);
        String head = client + (resolved ? " back within" : spend > budget ? " over" : " projected over")
                + " its " + usd(budget) + " budget for " + ym;
        return head + ": " + usd(spend) + " spent, " + usd(projected) + " projected by month end";
    }

    private static String usd(double d) {
        return "$" + String.format(Locale.ROOT, d >= 100 ? "%.0f" : d >= 1 ? "%.2f" : "%.4f", d);
    }

    /** The first instant (UTC) of the calendar month holding {@code ms}. */
    public static long monthStart(long ms) {
        ZonedDateTime z = ZonedDateTime.ofInstant(Instant.ofEpochMilli(ms), ZoneOffset.UTC);
        return z.withDayOfMonth(1).toLocalDate().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    public static long nextMonthStart(long monthStart) {
        return ZonedDateTime.ofInstant(Instant.ofEpochMilli(monthStart), ZoneOffset.UTC).plusMonths(1).toInstant().toEpochMilli();
    }
}
