package com.gluu.kpi.sinks;

import com.gluu.kpi.alerts.delivery.DeliveryPolicy;
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
    /** How the in-job alert delivery sends (link, maintenance, grouped SNS). */
    final DeliveryPolicy delivery;

    public SinkOptions(int batchSize, Duration flushInterval, int maxRetries, Duration initialBackoff, Duration maxBackoff) {
        this.batchSize = batchSize;
        this.flushIntervalMs = flushInterval.toMillis();
        this.maxRetries = maxRetries;
        this.initialBackoffMs = initialBackoff.toMillis();
        this.maxBackoffMs = maxBackoff.toMillis();
        this.delivery = DeliveryPolicy.PLAIN;
    }

    private SinkOptions(SinkOptions o, DeliveryPolicy delivery) {
        this.batchSize = o.batchSize;
        this.flushIntervalMs = o.flushIntervalMs;
        this.maxRetries = o.maxRetries;
        this.initialBackoffMs = o.initialBackoffMs;
        this.maxBackoffMs = o.maxBackoffMs;
        this.delivery = delivery;
    }

    public static SinkOptions from(JobConfig config) {
        return new SinkOptions(config.get(JobConfig.SINK_BATCH_SIZE), config.get(JobConfig.SINK_FLUSH_INTERVAL),
                config.get(JobConfig.SINK_MAX_RETRIES), config.get(JobConfig.SINK_RETRY_BACKOFF),
                config.get(JobConfig.SINK_RETRY_MAX_BACKOFF)).withDelivery(DeliveryPolicy.of(config, com.gluu.kpi.config.AlertRules.forJob(config)));
    }

    /** The same options, with how alerts delivered by the job are sent. */
    public SinkOptions withDelivery(DeliveryPolicy policy) {
        return new SinkOptions(this, policy);
    }

    /** Wait before retry {@code attempt} (1-based): exponential, capped, with ±25 % jitter. */
    long backoffMs(int attempt, java.util.Random random) {
        double base = Math.min(maxBackoffMs, initialBackoffMs * Math.pow(2, attempt - 1));
        return (long) (base * (0.75 + 0.5 * random.nextDouble()));
    }
}
