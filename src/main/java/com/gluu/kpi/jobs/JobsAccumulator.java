package com.gluu.kpi.jobs;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.gluu.kpi.latency.LatencySketches;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One (service, kind)'s {@code kpi.jobs} window so far: the counts, a DDSketch (1 %, as
 * {@code kpi.latency}'s) per duration, and the gauges of the latest instant seen. The gauges of
 * one instant add up over jobs; a later instant replaces them (an instant's gauge signals all
 * reach the window, none is lost), and a final one (end of input) wins over a slot end at the
 * same instant, so at the window's end the accumulator holds the gauges taken at its end.
 */
@TypeInfo(JobsAccumulatorSerializer.TypeInfoFactory.class)
public final class JobsAccumulator {
    /** Job events with their ts in the window (repeated states too): the window has a row. */
    long seen;
    long submitted;
    long completed;
    long failed;
    long webhooksSent;
    long webhooksFailed;
    DDSketch queue = LatencySketches.create();
    DDSketch run = LatencySketches.create();
    DDSketch e2e = LatencySketches.create();
    long gaugeAt = Long.MIN_VALUE;
    boolean gaugeFinal;
    long open;
    long stuck;
    long oldestOpenMs;

    public JobsAccumulator() {}

    void add(JobSignal s) {
        count(s.seen, s.submitted, s.completed, s.failed, s.webhooksSent, s.webhooksFailed);
        accept(queue, s.queueMs);
        accept(run, s.runMs);
        accept(e2e, s.e2eMs);
        if (s.gaugeAt != Long.MIN_VALUE) {
            gauge(s.gaugeAt, s.gaugeFinal, s.open, s.stuck, s.oldestOpenMs);
        }
    }

    void merge(JobsAccumulator o) {
        count(o.seen, o.submitted, o.completed, o.failed, o.webhooksSent, o.webhooksFailed);
        queue.mergeWith(o.queue);
        run.mergeWith(o.run);
        e2e.mergeWith(o.e2e);
        if (o.gaugeAt != Long.MIN_VALUE) {
            gauge(o.gaugeAt, o.gaugeFinal, o.open, o.stuck, o.oldestOpenMs);
        }
    }

    private void count(long seen, long submitted, long completed, long failed, long sent, long webhookFailures) {
        this.seen += seen;
        this.submitted += submitted;
        this.completed += completed;
        this.failed += failed;
        webhooksSent += sent;
        webhooksFailed += webhookFailures;
    }

    private void gauge(long at, boolean isFinal, long open, long stuck, long oldestMs) {
        int order = gaugeAt == at ? Boolean.compare(isFinal, gaugeFinal) : Long.compare(at, gaugeAt);
        if (order < 0) {
            return;
        }
        if (order > 0) {
            gaugeAt = at;
            gaugeFinal = isFinal;
            this.open = 0;
            this.stuck = 0;
            oldestOpenMs = 0;
        }
        this.open += open;
        this.stuck += stuck;
        oldestOpenMs = Math.max(oldestOpenMs, oldestMs);
    }

    private static void accept(DDSketch sketch, double ms) {
        if (!Double.isNaN(ms)) {
            sketch.accept(ms);
        }
    }
}
