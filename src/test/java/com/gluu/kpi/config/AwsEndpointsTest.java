package com.gluu.kpi.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AwsEndpointsTest {
    @Test
    void theServicesOwnVariableComesBeforeTheGlobalOne() {
        Map<String, String> env = Map.of("AWS_ENDPOINT_URL", "http://127.0.0.1:1",
                "AWS_ENDPOINT_URL_SNS", " http://127.0.0.1:2 ", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "http://127.0.0.1:3");
        assertThat(AwsEndpoints.of(env, AwsEndpoints.SNS)).isEqualTo("http://127.0.0.1:2");
        assertThat(AwsEndpoints.of(env, AwsEndpoints.CLOUDWATCH_LOGS)).isEqualTo("http://127.0.0.1:3");
        assertThat(AwsEndpoints.of(env, AwsEndpoints.KINESIS)).isEqualTo("http://127.0.0.1:1");
        assertThat(AwsEndpoints.source(env, AwsEndpoints.KINESIS)).isEqualTo("AWS_ENDPOINT_URL");
        assertThat(AwsEndpoints.source(env, AwsEndpoints.SNS)).isEqualTo("AWS_ENDPOINT_URL_SNS");
    }

    @Test
    void blankOrUnsetMeansThePublicEndpoint() {
        assertThat(AwsEndpoints.of(Map.of(), AwsEndpoints.KINESIS)).isNull();
        assertThat(AwsEndpoints.of(Map.of("AWS_ENDPOINT_URL_KINESIS", " ", "AWS_ENDPOINT_URL", ""), AwsEndpoints.KINESIS))
                .isNull();
        assertThat(AwsEndpoints.source(Map.of(), AwsEndpoints.KINESIS)).isNull();
    }

    @Test
    void variableNamesFollowTheSdksServiceIds() {
        assertThat(AwsEndpoints.variable(AwsEndpoints.CLOUDWATCH_LOGS)).isEqualTo("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS");
        assertThat(AwsEndpoints.variable(AwsEndpoints.KINESIS)).isEqualTo("AWS_ENDPOINT_URL_KINESIS");
    }
}
