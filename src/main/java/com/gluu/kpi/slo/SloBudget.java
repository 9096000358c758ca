package com.gluu.kpi.slo;

import com.gluu.kpi.config.Slo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The error budget of one SLO and service ({@code kpi.slo}), keyed by (slo, service): hourly
 * buckets of requests and bad requests in keyed state, one row per hour with input, emitted when
 * the watermark passes the hour's last millisecond (the timestamp its last partials carry, so
 * they have all arrived), with the hour's counts and the sums over the rolling period ending at
 * the hour's end.
 *
 * <p><b>Late input.</b> Partials that reach it after their hour was emitted (events within the
 * allowed lateness: later ones are dead letters before they get here) update the bucket and
 * re-emit the rows from that hour to the latest one emitted, whose period sums include it: the
 * upsert replaces them, as a window's late firing replaces its row.
 *
 * <p><b>Bounded state.</b> At most one bucket per hour of the period (720 for 30 days): at each
 * emission the buckets that have left the period are dropped, and a timer at the end of the
 * period of the latest bucket clears a key that has had no input since. An input older than any
 * period still to be emitted is ignored. The state is a {@link MapState} of {@link SloHour} POJOs
 * and a {@code Long}: Flink's own serializers, no format of ours to version.
 */
public class SloBudget extends KeyedProcessFunction<Tuple2<String, String>, SloCount, SloRow> {
    private static final long serialVersionUID = 1L;
    static final long HOUR_MS = 3_600_000L;

    private final List<Slo> slos;
    private transient Map<String, Slo> byName;
    /** Hour (epoch ms / 1 h) → its counts. */
    private transient MapState<Long, SloHour> hours;
    /** The latest hour whose row was emitted; null before the first. */
    private transient ValueState<Long> emittedThrough;

    public SloBudget(List<Slo> slos) {
        this.slos = List.copyOf(slos);
    }

    @Override
    public void open(OpenContext openContext) {
        byName = new HashMap<>();
        for (Slo s : slos) {
            byName.put(s.name(), s);
        }
        hours = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("hours", Types.LONG, TypeInformation.of(SloHour.class)));
        emittedThrough = getRuntimeContext().getState(new ValueStateDescriptor<>("emittedThrough", Types.LONG));
    }

    private static long lastMs(long hour) {
        return (hour + 1) * HOUR_MS - 1;
    }

    @Override
    public void processElement(SloCount in, Context ctx, Collector<SloRow> out) throws Exception {
        Slo slo = byName.get(in.slo);
        if (slo == null) {
            return;
        }
        long hour = Math.floorDiv(ctx.timestamp(), HOUR_MS);
        long periodHours = slo.period().toHours();
        long watermark = ctx.timerService().currentWatermark();
        if (watermark != Long.MIN_VALUE && lastMs(hour + periodHours) <= watermark) {
            return; // every period that could count it has been emitted and left it
        }
        SloHour h = hours.get(hour);
        if (h == null) {
            h = new SloHour();
        }
        h.requests += in.requests;
        h.bad += in.bad;
        hours.put(hour, h);
        Long emitted = emittedThrough.value();
        if (emitted != null && hour <= emitted) {
            for (long x = hour; x <= emitted; x++) {
                if (hours.contains(x)) {
                    out.collect(row(slo, ctx.getCurrentKey().f1, x));
                }
            }
        } else {
            ctx.timerService().registerEventTimeTimer(lastMs(hour));
        }
        // when this bucket leaves the last period that holds it: the key may go then
        ctx.timerService().registerEventTimeTimer(lastMs(hour + periodHours));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<SloRow> out) throws Exception {
        Slo slo = byName.get(ctx.getCurrentKey().f0);
        if (slo == null) { // an SLO taken out of the rules file: its state goes
            hours.clear();
            emittedThrough.clear();
            return;
        }
        long hour = Math.floorDiv(timestamp, HOUR_MS);
        Long emitted = emittedThrough.value();
        if (hours.contains(hour) && (emitted == null || hour > emitted)) {
            out.collect(row(slo, ctx.getCurrentKey().f1, hour));
            emittedThrough.update(hour);
        }
        List<Long> gone = new ArrayList<>();
        boolean left = false;
        for (Long h : hours.keys()) {
            if (h <= hour - slo.period().toHours()) {
                gone.add(h);
            } else {
                left = true;
            }
        }
        for (Long h : gone) {
            hours.remove(h);
        }
        if (!left) {
            hours.clear();
            emittedThrough.clear();
        }
    }

    /** The row of {@code hour}: its counts, and the period's (the hours in {@code (hour - period, hour]}). */
    private SloRow row(Slo slo, String service, long hour) throws Exception {
        SloHour h = hours.get(hour);
        SloRow r = new SloRow();
        r.windowStart = hour * HOUR_MS;
        r.windowEnd = r.windowStart + HOUR_MS;
        r.service = service;
        r.slo = slo.name();
        r.requests = h.requests;
        r.bad = h.bad;
        long from = hour - slo.period().toHours();
        for (Map.Entry<Long, SloHour> e : hours.entries()) {
            if (e.getKey() > from && e.getKey() <= hour) {
                r.periodRequests += e.getValue().requests;
                r.periodBad += e.getValue().bad;
            }
        }
        r.objective = slo.objective();
        r.budgetConsumed = r.periodRequests == 0 ? Double.NaN
                : r.periodBad / (slo.errorBudget() * r.periodRequests);
        r.budgetRemaining = 1 - r.budgetConsumed;
        return r;
    }
}
