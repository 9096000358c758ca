package com.gluu.kpi.sinks;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The retry wait of the deliveries that retry until they get through (the alert outbox's
 * channels, the CloudWatch Logs shipper): exponential from an initial wait, capped, with jitter
 * so that many writers failing together do not retry in step.
 */
public final class RetryBackoff {
    private RetryBackoff() {}

    /** {@code initial × 2^(failures − 1)}, capped at {@code max}; {@code failures} below 1 counts as 1. */
    public static long cappedMillis(Duration initial, Duration max, int failures) {
        long base = initial.toMillis() << Math.min(Math.max(failures - 1, 0), 20);
        return Math.min(base, max.toMillis());
    }

    /** A random wait between half of {@code millis} and all of it. */
    public static long jitter(long millis) {
        return ThreadLocalRandom.current().nextLong(millis / 2, millis + 1);
    }
}
