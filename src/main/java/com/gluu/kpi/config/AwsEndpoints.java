package com.gluu.kpi.config;

import java.util.Locale;
import java.util.Map;

/**
 * The endpoint an AWS client of one service is sent to, from the environment, as the AWS SDKs and
 * CLI define it: {@code AWS_ENDPOINT_URL_<SERVICE>} (the service id in capitals, spaces as
 * underscores: {@code KINESIS}, {@code SNS}, {@code CLOUDWATCH_LOGS}) before the global
 * {@code AWS_ENDPOINT_URL}; neither set (or blank) means the region's public endpoint.
 *
 * <p>The global variable alone sends every service to one address, which is enough for one local
 * stand-in; the per-service ones let a test or a developer point Kinesis, SNS and CloudWatch Logs
 * at three different stand-ins from one process environment (a Flink cluster's TaskManagers).
 */
public final class AwsEndpoints {
    public static final String GLOBAL = "AWS_ENDPOINT_URL";
    public static final String KINESIS = "Kinesis";
    public static final String SNS = "SNS";
    public static final String CLOUDWATCH_LOGS = "CloudWatch Logs";

    private AwsEndpoints() {}

    /** The variable that names {@code serviceId}'s own endpoint, e.g. {@code AWS_ENDPOINT_URL_CLOUDWATCH_LOGS}. */
    public static String variable(String serviceId) {
        return GLOBAL + "_" + serviceId.toUpperCase(Locale.ROOT).replace(' ', '_');
    }

    /** {@code serviceId}'s endpoint in {@code env}, trimmed, or null for the public one. */
    public static String of(Map<String, String> env, String serviceId) {
        String own = env.get(variable(serviceId));
        if (own != null && !own.isBlank()) {
            return own.trim();
        }
        String global = env.get(GLOBAL);
        return global == null || global.isBlank() ? null : global.trim();
    }

    /** Which variable {@link #of} took the endpoint from (for messages), or null. */
    public static String source(Map<String, String> env, String serviceId) {
        String own = env.get(variable(serviceId));
        if (own != null && !own.isBlank()) {
            return variable(serviceId);
        }
        String global = env.get(GLOBAL);
        return global == null || global.isBlank() ? null : GLOBAL;
    }
}
