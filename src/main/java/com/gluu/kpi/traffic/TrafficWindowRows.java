package com.gluu.kpi.traffic;

import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Turns a window's counts into its {@code kpi.traffic} row; error_rate = errors / requests. */
public final class TrafficWindowRows
        extends ProcessWindowFunction<TrafficCounts, TrafficRow, Tuple4<String, String, String, String>, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(Tuple4<String, String, String, String> key, Context ctx, Iterable<TrafficCounts> counts,
            Collector<TrafficRow> out) {
        TrafficCounts c = counts.iterator().next();
        TrafficRow row = new TrafficRow();
        row.windowStart = ctx.window().getStart();
        row.windowEnd = ctx.window().getEnd();
        row.service = key.f0;
        row.route = key.f1;
        row.model = key.f2;
        row.endpoint = key.f3;
        row.requests = c.requests;
        row.ok = c.ok;
        row.clientErrors = c.clientErrors;
        row.errors = c.errors;
        row.errorRate = (double) c.errors / c.requests;
        row.asyncRequests = c.asyncRequests;
        row.images = c.images;
        out.collect(row);
    }
}
