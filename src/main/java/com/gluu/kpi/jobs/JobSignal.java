package com.gluu.kpi.jobs;

/**
 * What the {@link JobJoin} reports to the {@code kpi.jobs} windows for one (service, kind): the
 * states counted by one event, the durations that event completed, or the open-job gauge of one
 * job at one instant. Its timestamp puts it in its windows: the event's {@code ts}, the end
 * event's {@code ts} for a duration, {@code gaugeAt − 1} for a gauge at a slot's end, and the
 * input's end itself for the final gauge of a bounded input.
 */
public class JobSignal {
    public String service;
    public String kind;
    /** The job it comes from (the join's key): the evidence of the {@code jobs_stuck} and {@code webhook_failures} rules. */
    public String jobId;
    /** 1 for the signal of a job event (a repeated state too): the window has a row for it. */
    public int seen;
    public int submitted;
    public int completed;
    public int failed;
    public int webhooksSent;
    public int webhooksFailed;
    /** started − submitted, completed-or-failed − started, webhook_sent − submitted; NaN when none. */
    public double queueMs = Double.NaN;
    public double runMs = Double.NaN;
    public double e2eMs = Double.NaN;
    /** The instant the gauge below was taken; {@code Long.MIN_VALUE} for a signal without a gauge. */
    public long gaugeAt = Long.MIN_VALUE;
    /** Taken at the end of a bounded input (SPEC: the gauges of the window holding it are taken then). */
    public boolean gaugeFinal;
    public int open;
    public int stuck;
    public long oldestOpenMs;

    public JobSignal() {}

    JobSignal(String service, String kind) {
        this.service = service;
        this.kind = kind;
    }

    /** The states this signal counts: what the key cap's log line reports. */
    long events() {
        return (long) submitted + completed + failed + webhooksSent + webhooksFailed;
    }
}
