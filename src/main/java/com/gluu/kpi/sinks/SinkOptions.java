package com.gluu.kpi.sinks;

import com.gluu.kpi.config.JobConfig;
import java.io.Serializable;
import java.time.Duration;

/** Batching and retry settings of the Postgres sink. */
public final class SinkOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    final int batchSize;
    final long flushIntervalMs;
    final int maxRetries;
    final long initialBackoffMs;
    final long maxBackoffMs;
    /** {@code alerts.dashboard_url}, for the notifications of the in-job alert delivery. */
    final String dashboardUrl;
    /** The rules file's maintenance windows, for the in-job alert delivery. */
    final java.util.List<com.gluu.kpi.config.MaintenanceWindow> maintenance;

    public SinkOptions(int batchSize, Duration flushInterval, int maxRetries, Duration initialBackoff, Duration maxBackoff) {
        this.batchSize = batchSize;
        this.flushIntervalMs = flushInterval.toMillis();
        this.maxRetries = maxRetries;
        this.initialBackoffMs = initialBackoff.toMillis();
        this.maxBackoffMs = maxBackoff.toMillis();
        this.dashboardUrl = "";
        this.maintenance = java.util.List.of();
    }

    private SinkOptions(SinkOptions o, String dashboardUrl, java.util.List<com.gluu.kpi.config.MaintenanceWindow> maintenance) {
        this.batchSize = o.batchSize;
        this.flushIntervalMs = o.flushIntervalMs;
        this.maxRetries = o.maxRetries;
        this.initialBackoffMs = o.initialBackoffMs;
        this.maxBackoffMs = o.maxBackoffMs;
        this.dashboardUrl = dashboardUrl;
        this.maintenance = java.util.List.copyOf(maintenance);
    }

    public static SinkOptions from(JobConfig config) {
        return new SinkOptions(config.get(JobConfig.SINK_BATCH_SIZE), config.get(JobConfig.SINK_FLUSH_INTERVAL),
                config.get(JobConfig.SINK_MAX_RETRIES), config.get(JobConfig.SINK_RETRY_BACKOFF),
                config.get(JobConfig.SINK_RETRY_MAX_BACKOFF)).withDashboardUrl(config.get(JobConfig.ALERTS_DASHBOARD_URL))
                .withMaintenance(com.gluu.kpi.config.AlertRules.forJob(config).maintenance());
    }

    /** The same options, with {@code alerts.dashboard_url} for the links of alerts delivered by the job. */
    public SinkOptions withDashboardUrl(String url) {
        return new SinkOptions(this, url == null ? "" : url, maintenance);
    }

    /** The same options, with the rules file's maintenance windows for alerts delivered by the job. */
    public SinkOptions withMaintenance(java.util.List<com.gluu.kpi.config.MaintenanceWindow> windows) {
        return new SinkOptions(this, dashboardUrl, windows);
    }

    /** Wait before retry {@code attempt} (1-based): exponential, capped, with ±25 % jitter. */
    long backoffMs(int attempt, java.util.Random random) {
        double base = Math.min(maxBackoffMs, initialBackoffMs * Math.pow(2, attempt - 1));
        return (long) (base * (0.75 + 0.5 * random.nextDouble()));
    }
}
