package com.gluu.kpi.jobs;

/**
 * What the {@link JobJoin} remembers of one job: the first {@code ts} of each state applied so
 * far ({@code Long.MIN_VALUE}: not seen), the webhook attempts that failed, and its timers.
 *
 * <p>A Flink POJO: its checkpointed form is Flink's POJO serializer, whose snapshot records the
 * fields, so a later build may add or drop fields and still restore it (Flink's POJO schema
 * evolution); no Kryo ({@code pipeline.generic-types: false}).
 */
public class JobState {
    /** The job's service and kind: its {@code submitted} event's, until then its first event's. */
    public String service;
    public String kind;
    /** The ts of the first event applied. */
    public long firstTs;
    /**
     * When the job is forgotten (a timer): its first ts + {@code jobs.horizon}, or sooner once it
     * got its webhook. An event at or after it starts a new job.
     */
    public long expiresAt;
    public long submittedTs = Long.MIN_VALUE;
    public long startedTs = Long.MIN_VALUE;
    /** The first of completed and failed. */
    public long finishedTs = Long.MIN_VALUE;
    public boolean completed;
    public boolean failed;
    public long webhookSentTs = Long.MIN_VALUE;
    /** The {@code attempt} of each webhook_failed counted (0 for one without attempt). */
    public int[] failedAttempts = new int[0];
    /** The registered gauge timer (a slot's end − 1), or {@code Long.MIN_VALUE}. */
    public long gaugeTimer = Long.MIN_VALUE;

    public JobState() {}

    /** Submitted and not yet completed, failed or webhooked. */
    boolean open() {
        return submittedTs != Long.MIN_VALUE && finishedTs == Long.MIN_VALUE && webhookSentTs == Long.MIN_VALUE;
    }
}
