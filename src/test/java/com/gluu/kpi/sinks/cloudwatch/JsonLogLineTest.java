package com.gluu.kpi.sinks.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.DefaultConfiguration;
import org.apache.logging.log4j.core.impl.JdkMapAdapterStringMap;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;
import org.apache.logging.log4j.message.ParameterizedMessage;
import org.junit.jupiter.api.Test;

/** The job's JSON log line (template {@code gluu-log.json}) field by field. */
class JsonLogLineTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode format(Log4jLogEvent event) throws Exception {
        JsonTemplateLayout layout = JsonTemplateLayout.newBuilder().setConfiguration(new DefaultConfiguration())
                .setEventTemplateUri("classpath:gluu-log.json").build();
        String line = layout.toSerializable(event);
        assertThat(line).endsWith("\n").doesNotContain("\n\n");
        assertThat(line.trim()).doesNotContain("\n"); // one line, even with a stack trace
        return JSON.readTree(line);
    }

    @Test
    void aTaskThreadLineNamesJobOperatorAndItsContextFields() throws Exception {
        System.setProperty(CloudWatchLogging.JOB_PROPERTY, "gluu-kpi-test");
        try {
            long at = Instant.parse("2026-11-22T08:00:12.345Z").toEpochMilli();
            Log4jLogEvent event = Log4jLogEvent.newBuilder()
                    .setLoggerName("com.gluu.kpi.pipeline.ParseEvents")
                    .setLevel(Level.WARN)
                    .setMessage(new ParameterizedMessage("dead letter {}: {}", "e-0009", "bad_value"))
                    .setThreadName("parse + validate (1/2)#0")
                    .setTimeMillis(at)
                    .setContextData(new JdkMapAdapterStringMap(Map.of("flink-job-id", "0123abcd", "event_id", "e-0009"), true))
                    .setThrown(new IllegalStateException("boom"))
                    .build();
            JsonNode line = format(event);
            assertThat(line.path("time").asText()).isEqualTo("2026-11-22T08:00:12.345Z");
            assertThat(line.path("level").asText()).isEqualTo("WARN");
            assertThat(line.path("logger").asText()).isEqualTo("com.gluu.kpi.pipeline.ParseEvents");
            assertThat(line.path("message").asText()).isEqualTo("dead letter e-0009: bad_value");
            assertThat(line.path("thread").asText()).isEqualTo("parse + validate (1/2)#0");
            assertThat(line.path("operator").asText()).isEqualTo("parse + validate");
            assertThat(line.path("job").asText()).isEqualTo("gluu-kpi-test");
            assertThat(line.path("job_id").asText()).isEqualTo("0123abcd");
            assertThat(line.path("event_id").asText()).isEqualTo("e-0009");
            assertThat(line.has("flink-job-id")).isFalse();
            assertThat(line.path("error").asText()).isEqualTo("java.lang.IllegalStateException");
            assertThat(line.path("error_message").asText()).isEqualTo("boom");
            assertThat(line.path("stack_trace").asText()).contains("IllegalStateException: boom")
                    .contains("at com.gluu.kpi.sinks.cloudwatch.JsonLogLineTest");
        } finally {
            System.clearProperty(CloudWatchLogging.JOB_PROPERTY);
        }
    }

    @Test
    void aLineOutsideATaskHasTheDefaultJobNameAndNoTaskFields() throws Exception {
        Log4jLogEvent event = Log4jLogEvent.newBuilder().setLoggerName("com.gluu.kpi.cli.KpiJob").setLevel(Level.INFO)
                .setMessage(new ParameterizedMessage("plain \"quoted\" message")).setThreadName("main")
                .setTimeMillis(1_000).build();
        JsonNode line = format(event);
        assertThat(line.path("time").asText()).isEqualTo("1970-01-01T00:00:01.000Z");
        assertThat(line.path("message").asText()).isEqualTo("plain \"quoted\" message");
        assertThat(line.path("job").asText()).isEqualTo("gluu-kpi");
        assertThat(line.path("operator").asText()).isEqualTo("main");
        assertThat(line.has("job_id")).isFalse();
        assertThat(line.has("error")).isFalse();
    }
}
