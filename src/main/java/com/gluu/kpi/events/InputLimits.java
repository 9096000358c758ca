package com.gluu.kpi.events;

import com.gluu.kpi.config.JobConfig;
import java.io.Serializable;
import java.time.OffsetDateTime;

/**
 * The limits every record is checked against at the door (SPEC §2 "Limits"), prepared once from
 * the config: a value beyond one of them is a {@code bad_value} dead letter whose detail names the
 * field. Immutable.
 */
public final class InputLimits implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Longest request_id, task_id, job_id, in characters (code points). */
    public final int maxIdChars;
    /** Longest dimension value, in characters (code points). */
    public final int maxDimensionChars;
    public final long maxLatencyMs;
    public final long maxTokens;
    public final long maxImages;
    public final long maxInstanceCount;
    /** Earliest and latest accepted {@code ts}, epoch millis, inclusive. */
    public final long minTsMillis;
    public final long maxTsMillis;

    public InputLimits(int maxIdChars, int maxDimensionChars, long maxLatencyMs, long maxTokens, long maxImages,
            long maxInstanceCount, long minTsMillis, long maxTsMillis) {
        this.maxIdChars = maxIdChars;
        this.maxDimensionChars = maxDimensionChars;
        this.maxLatencyMs = maxLatencyMs;
        this.maxTokens = maxTokens;
        this.maxImages = maxImages;
        this.maxInstanceCount = maxInstanceCount;
        this.minTsMillis = minTsMillis;
        this.maxTsMillis = maxTsMillis;
    }

    /** Equal limits judge every record alike (the file source parses ahead under its copy: see EventParser#parseAhead). */
    @Override
    public boolean equals(Object o) {
        return o instanceof InputLimits l && maxIdChars == l.maxIdChars && maxDimensionChars == l.maxDimensionChars
                && maxLatencyMs == l.maxLatencyMs && maxTokens == l.maxTokens && maxImages == l.maxImages
                && maxInstanceCount == l.maxInstanceCount && minTsMillis == l.minTsMillis && maxTsMillis == l.maxTsMillis;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(maxIdChars, maxDimensionChars, maxLatencyMs, maxTokens, maxImages,
                maxInstanceCount, minTsMillis, maxTsMillis);
    }

    /** The SPEC's defaults. */
    public static InputLimits defaults() {
        return from(JobConfig.defaults());
    }

    public static InputLimits from(JobConfig config) {
        return new InputLimits(config.get(JobConfig.LIMITS_MAX_ID_CHARS), config.get(JobConfig.LIMITS_MAX_DIMENSION_CHARS),
                config.get(JobConfig.LIMITS_MAX_LATENCY_MS), config.get(JobConfig.LIMITS_MAX_TOKENS),
                config.get(JobConfig.LIMITS_MAX_IMAGES), config.get(JobConfig.LIMITS_MAX_INSTANCE_COUNT),
                epochMillis(config.get(JobConfig.LIMITS_MIN_TS)), epochMillis(config.get(JobConfig.LIMITS_MAX_TS)));
    }

    private static long epochMillis(String iso) {
        return OffsetDateTime.parse(iso).toInstant().toEpochMilli();
    }
}
