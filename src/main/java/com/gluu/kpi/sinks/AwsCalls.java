package com.gluu.kpi.sinks;

import java.time.Duration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;

/** AWS SDK client settings for the outputs that retry on their own (CloudWatch Logs, SNS). */
public final class AwsCalls {
    private AwsCalls() {}

    /**
     * The SDK's retries off, because the caller backs off itself ({@link RetryBackoff}) and must
     * see every failure; {@code timeout} per attempt and twice that per call, so a hanging endpoint
     * cannot hold a delivery thread.
     */
    public static ClientOverrideConfiguration callerRetries(Duration timeout) {
        return ClientOverrideConfiguration.builder()
                .retryStrategy(AwsRetryStrategy.doNotRetry())
                .apiCallAttemptTimeout(timeout)
                .apiCallTimeout(timeout.multipliedBy(2))
                .build();
    }
}
