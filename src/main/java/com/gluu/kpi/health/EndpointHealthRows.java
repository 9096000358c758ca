package com.gluu.kpi.health;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.operators.KpiWindows;
import com.gluu.kpi.pipeline.KeyCap;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * {@code kpi.endpoint_health} rows (SPEC §4) from endpoint slots: per window size, the slots of
 * an endpoint (all models) summed in tumbling event-time windows with the job's allowed lateness.
 * in_service_seconds = InService ms / 1000; uptime_ratio = InService / observed time (NaN, i.e.
 * NULL, when no time was observed, e.g. a window holding only a failure at the end of input).
 */
public final class EndpointHealthRows {
    private EndpointHealthRows() {}

    /**
     * The slots with at most {@code limits.max_keys_per_window} endpoints per window, the rest
     * under endpoint (and model) {@code ~other} ({@link KeyCap}); what the health windows and the
     * alerts read. The timelines upstream keep state per endpoint (bounded there, not here); this
     * bounds the table and its window state like every other KPI table, at the price of one hash
     * lookup per endpoint and slot. The hosting cost does not read these: {@code CostKpis} caps
     * (model, endpoint) together with the requests of the same row.
     */
    public static DataStream<EndpointSlot> cap(DataStream<EndpointSlot> slots, JobConfig config) {
        return KeyCap.apply(slots, "kpi.endpoint_health", new CapPolicy(), config.get(JobConfig.ALLOWED_LATENESS), config);
    }

    /** The health key cap's view of a slot: its endpoint. */
    static final class CapPolicy implements KeyCap.Policy<EndpointSlot> {
        private static final long serialVersionUID = 1L;

        @Override
        public String[] key(EndpointSlot s) {
            return new String[] {s.endpoint};
        }

        @Override
        public EndpointSlot overflow(EndpointSlot s) {
            EndpointSlot o = new EndpointSlot();
            o.endpoint = KeyCap.OTHER;
            o.model = KeyCap.OTHER;
            o.slotStart = s.slotStart;
            o.slotEnd = s.slotEnd;
            o.observedMs = s.observedMs;
            o.inServiceMs = s.inServiceMs;
            o.billedMs = s.billedMs;
            o.hostingUsd = s.hostingUsd;
            o.restarts = s.restarts;
            o.failures = s.failures;
            return o;
        }

        @Override
        public long events(EndpointSlot s) {
            return 1; // slots: an endpoint's minute
        }
    }

    /** One row per window, size and endpoint, for all configured window sizes. */
    public static DataStream<EndpointHealthRow> rows(DataStream<EndpointSlot> slots, JobConfig config) {
        return rows(slots, config.get(JobConfig.WINDOWS), config.get(JobConfig.ALLOWED_LATENESS));
    }

    /** One row per window, size and endpoint, for the given window sizes. */
    public static DataStream<EndpointHealthRow> rows(DataStream<EndpointSlot> slots, List<Duration> sizes,
            Duration allowedLateness) {
        return KpiWindows.named("endpoint-health")
                .sizes(sizes)
                .allowedLateness(allowedLateness)
                .keyBy(slots, s -> s.endpoint, Types.STRING)
                .aggregate(new Sum(), new ToRow(), TypeInformation.of(EndpointHealthCounts.class),
                        TypeInformation.of(EndpointHealthCounts.class), TypeInformation.of(EndpointHealthRow.class));
    }

    /** Sums slots. */
    public static final class Sum implements AggregateFunction<EndpointSlot, EndpointHealthCounts, EndpointHealthCounts> {
        private static final long serialVersionUID = 1L;

        @Override
        public EndpointHealthCounts createAccumulator() {
            return new EndpointHealthCounts();
        }

        @Override
        public EndpointHealthCounts add(EndpointSlot slot, EndpointHealthCounts acc) {
            acc.observedMs += slot.observedMs;
            acc.inServiceMs += slot.inServiceMs;
            acc.restarts += slot.restarts;
            acc.failures += slot.failures;
            return acc;
        }

        @Override
        public EndpointHealthCounts getResult(EndpointHealthCounts acc) {
            return acc;
        }

        @Override
        public EndpointHealthCounts merge(EndpointHealthCounts a, EndpointHealthCounts b) {
            a.observedMs += b.observedMs;
            a.inServiceMs += b.inServiceMs;
            a.restarts += b.restarts;
            a.failures += b.failures;
            return a;
        }
    }

    /** Turns a window's sums into its row. */
    public static final class ToRow extends ProcessWindowFunction<EndpointHealthCounts, EndpointHealthRow, String, TimeWindow> {
        private static final long serialVersionUID = 1L;

        @Override
        public void process(String endpoint, Context ctx, Iterable<EndpointHealthCounts> sums, Collector<EndpointHealthRow> out) {
            EndpointHealthCounts c = sums.iterator().next();
            EndpointHealthRow row = new EndpointHealthRow();
            row.windowStart = ctx.window().getStart();
            row.windowEnd = ctx.window().getEnd();
            row.endpoint = endpoint;
            row.inServiceSeconds = c.inServiceMs / 1000d;
            row.uptimeRatio = c.observedMs == 0 ? Double.NaN : (double) c.inServiceMs / c.observedMs;
            row.restarts = c.restarts;
            row.failures = c.failures;
            out.collect(row);
        }
    }
}
