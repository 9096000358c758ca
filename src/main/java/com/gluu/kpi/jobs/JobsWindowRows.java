package com.gluu.kpi.jobs;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.gluu.kpi.latency.LatencySketches;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Turns a window's accumulator into its {@code kpi.jobs} row. The gauges count only if they were
 * taken at the window's end (or at the end of the input, inside it); a window with neither a job
 * event nor a job open at its end has no row (it may have had signals: a late start's duration
 * reported in the window of its end, a job open at an earlier slot's end that left the horizon).
 */
public final class JobsWindowRows
        extends ProcessWindowFunction<JobsAccumulator, JobsRow, Tuple2<String, String>, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(Tuple2<String, String> key, Context ctx, Iterable<JobsAccumulator> accs,
            Collector<JobsRow> out) {
        JobsAccumulator a = accs.iterator().next();
        boolean gaugesAtEnd = a.gaugeFinal || a.gaugeAt == ctx.window().getEnd();
        if (a.seen == 0 && !(gaugesAtEnd && a.open > 0)) {
            return;
        }
        JobsRow row = new JobsRow();
        row.windowStart = ctx.window().getStart();
        row.windowEnd = ctx.window().getEnd();
        row.service = key.f0;
        row.kind = key.f1;
        row.submitted = a.submitted;
        row.completed = a.completed;
        row.failed = a.failed;
        row.webhooksSent = a.webhooksSent;
        row.webhooksFailed = a.webhooksFailed;
        row.queueP95Ms = quantile(a.queue, 0.95);
        row.runP95Ms = quantile(a.run, 0.95);
        row.e2eP50Ms = quantile(a.e2e, 0.50);
        row.e2eP95Ms = quantile(a.e2e, 0.95);
        row.e2eP99Ms = quantile(a.e2e, 0.99);
        row.e2eSketch = a.e2e.isEmpty() ? null : LatencySketches.toBytes(a.e2e);
        if (gaugesAtEnd) {
            row.openAtEnd = a.open;
            row.stuckAtEnd = a.stuck;
            row.oldestOpenSeconds = a.oldestOpenMs / 1000.0;
        }
        out.collect(row);
    }

    private static double quantile(DDSketch sketch, double q) {
        return sketch.isEmpty() ? Double.NaN : sketch.getValueAtQuantile(q);
    }
}
