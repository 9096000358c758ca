package com.gluu.kpi.cost;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Computes a window's cost rows from all its inputs ({@link CostAllocation}), and from the same
 * inputs and those rows its {@code kpi.tenant_usage} rows ({@link TenantAllocation}), which go to
 * the side output {@link #TENANT_USAGE}. The window keeps its inputs (pre-aggregated requests,
 * tenants' requests and one record per endpoint or service and accrual slot), because the
 * Fargate split and the tenants' shares need all of them at once; late inputs fire the
 * window again at the next watermark (once for all of them: {@code OncePerWatermarkTrigger}) and
 * the upserts replace its rows of both tables.
 */
public final class CostWindowRows extends ProcessWindowFunction<CostInput, CostRow, String, TimeWindow> {
    private static final long serialVersionUID = 1L;

    /** The window's {@code kpi.tenant_usage} rows. */
    public static final OutputTag<TenantUsageRow> TENANT_USAGE =
            new OutputTag<>("tenant-usage", TypeInformation.of(TenantUsageRow.class));

    @Override
    public void process(String key, Context ctx, Iterable<CostInput> inputs, Collector<CostRow> out) {
        List<CostInput> all = new ArrayList<>();
        inputs.forEach(all::add);
        long start = ctx.window().getStart();
        long end = ctx.window().getEnd();
        List<CostRow> rows = CostAllocation.rows(start, end, all);
        for (CostRow row : rows) {
            out.collect(row);
        }
        for (TenantUsageRow tenant : TenantAllocation.rows(start, end, all, rows)) {
            ctx.output(TENANT_USAGE, tenant);
        }
    }
}
