package com.gluu.kpi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.config.AlertRule.Comparison;
import com.gluu.kpi.config.AlertRule.Kpi;
import com.gluu.kpi.config.AlertRule.Severity;
import com.gluu.kpi.config.AlertRule.Statistic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AlertRulesTest {
    private static final Path SHIPPED = Path.of("jobs/alert-rules.yaml");

    /** A valid rule; tests replace or append one line to break it. */
    private static final String ERROR_RATE = "rules:\n"
            + "  - name: ecs_error_rate\n"
            + "    kpi: traffic\n"
            + "    statistic: error_rate\n"
            + "    comparison: \">\"\n"
            + "    threshold: 0.01\n"
            + "    min_sample: 20\n"
            + "    group_by: [service]\n"
            + "    severity: critical\n";

    @TempDir
    Path dir;

    @Test
    void shippedRulesAreSpecSectionFiveDefaults() {
        AlertRules rules = AlertRules.load(SHIPPED);

        assertThat(rules.rules()).extracting(AlertRule::name).containsExactly("latency_p95_warning",
                "latency_p95_critical", "ecs_error_rate", "endpoint_failed", "endpoint_restart", "accuracy_low",
                "idle_endpoint", "no_data", "jobs_stuck", "webhook_failures", "tenant_budget", "availability_fast_burn", "availability_slow_burn", "latency_fast_burn",
                "latency_slow_burn");
        // SPEC §5's hourly reminder, except the info rule idle_endpoint: every 4 h (README "Alerts")
        for (AlertRule r : rules.rules()) {
            assertThat(r.repeatInterval()).as(r.name())
                    .isEqualTo(Duration.ofHours(r.name().equals("idle_endpoint") ? 4 : 1));
        }
        // the anti-flap defaults (README "Alerts"): for, resolve threshold, keep_firing_for per rule
        assertThat(rules.rules()).extracting(r -> r.name() + " for " + r.forEvaluations() + " resolve "
                + (r.hasHysteresis() ? r.resolveThreshold() : "-") + " keep " + r.keepFiringFor().toMinutes() + "m")
                .containsExactly(
                        "latency_p95_warning for 3 resolve 4500.0 keep 10m",
                        "latency_p95_critical for 2 resolve 9000.0 keep 10m",
                        "ecs_error_rate for 2 resolve 0.005 keep 10m",
                        "endpoint_failed for 1 resolve - keep 0m",
                        "endpoint_restart for 1 resolve - keep 0m",
                        "accuracy_low for 1 resolve 0.82 keep 30m",
                        "idle_endpoint for 1 resolve - keep 15m",
                        "no_data for 1 resolve - keep 0m",
                        "jobs_stuck for 5 resolve - keep 0m",
                        "webhook_failures for 2 resolve 0.025 keep 10m",
                        "tenant_budget for 1 resolve - keep 0m",
                        // SLO burn rules (SloRulesTest): no hold time, the short window resolves them
                        "availability_fast_burn for 1 resolve - keep 0m",
                        "availability_slow_burn for 1 resolve - keep 0m",
                        "latency_fast_burn for 1 resolve - keep 0m",
                        "latency_slow_burn for 1 resolve - keep 0m");

        AlertRule warning = rules.rule("latency_p95_warning").orElseThrow();
        assertThat(warning.kpi()).isEqualTo(Kpi.LATENCY);
        assertThat(warning.stage()).isEqualTo("total");
        assertThat(warning.statistic()).isEqualTo(Statistic.P95);
        assertThat(warning.comparison()).isEqualTo(Comparison.GT);
        assertThat(warning.threshold()).isEqualTo(5000);
        assertThat(warning.window()).isEqualTo(Duration.ofMinutes(5));
        assertThat(warning.groupBy()).containsExactly("service", "model");
        assertThat(warning.severity()).isEqualTo(Severity.WARNING);

        AlertRule critical = rules.rule("latency_p95_critical").orElseThrow();
        assertThat(critical.statistic()).isEqualTo(Statistic.P95);
        assertThat(critical.threshold()).isEqualTo(10000);
        assertThat(critical.groupBy()).containsExactly("service", "model");
        assertThat(critical.severity()).isEqualTo(Severity.CRITICAL);

        AlertRule errors = rules.rule("ecs_error_rate").orElseThrow();
        assertThat(errors.kpi()).isEqualTo(Kpi.TRAFFIC);
        assertThat(errors.statistic()).isEqualTo(Statistic.ERROR_RATE);
        assertThat(errors.comparison()).isEqualTo(Comparison.GT);
        assertThat(errors.threshold()).isEqualTo(0.01);
        assertThat(errors.minSample()).isEqualTo(20);
        assertThat(errors.window()).isEqualTo(Duration.ofMinutes(5));
        assertThat(errors.groupBy()).containsExactly("service");
        assertThat(errors.severity()).isEqualTo(Severity.CRITICAL);

        AlertRule failed = rules.rule("endpoint_failed").orElseThrow();
        assertThat(failed.kpi()).isEqualTo(Kpi.ENDPOINT_EVENT);
        assertThat(failed.statistic()).isEqualTo(Statistic.FAILED);
        assertThat(failed.breached(1)).isTrue();
        assertThat(failed.breached(0)).isFalse();
        assertThat(failed.groupBy()).contains("endpoint");
        assertThat(failed.severity()).isEqualTo(Severity.CRITICAL);

        AlertRule restart = rules.rule("endpoint_restart").orElseThrow();
        assertThat(restart.statistic()).isEqualTo(Statistic.RESTART);
        assertThat(restart.breached(1)).isTrue();
        assertThat(restart.severity()).isEqualTo(Severity.WARNING);

        AlertRule accuracy = rules.rule("accuracy_low").orElseThrow();
        assertThat(accuracy.statistic()).isEqualTo(Statistic.ACCURACY);
        assertThat(accuracy.comparison()).isEqualTo(Comparison.LT);
        assertThat(accuracy.threshold()).isEqualTo(0.8);
        assertThat(accuracy.minSample()).isEqualTo(20);
        assertThat(accuracy.window()).isEqualTo(Duration.ofHours(1));
        assertThat(accuracy.groupBy()).containsExactly("model");
        assertThat(accuracy.severity()).isEqualTo(Severity.WARNING);

        AlertRule idle = rules.rule("idle_endpoint").orElseThrow();
        assertThat(idle.idleFor()).isEqualTo(Duration.ofMinutes(30));
        assertThat(idle.groupBy()).contains("endpoint");
        assertThat(idle.severity()).isEqualTo(Severity.INFO);

        AlertRule noData = rules.rule("no_data").orElseThrow();
        assertThat(noData.silentFor()).isEqualTo(Duration.ofMinutes(10));
        assertThat(noData.groupBy()).containsExactly("service");
        assertThat(noData.severity()).isEqualTo(Severity.WARNING);
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        AlertRules rules = AlertRules.load(SHIPPED);

        AlertRules copy = PricingTableTest.roundTrip(rules);

        assertThat(copy).isEqualTo(rules);
        assertThat(copy.rule("accuracy_low").orElseThrow().window()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void defaultsApplyWhenFieldsAreLeftOut() {
        AlertRule r = load("rules:\n  - {name: slow, kpi: latency, statistic: p99, comparison: '>=', threshold: 1, severity: info}\n")
                .rules().get(0);

        assertThat(r.stage()).isEqualTo("total");
        assertThat(r.window()).isEqualTo(Duration.ofMinutes(5));
        assertThat(r.forEvaluations()).isEqualTo(1);
        assertThat(r.minSample()).isZero();
        assertThat(r.groupBy()).isEmpty();
        assertThat(r.repeatInterval()).isEqualTo(Duration.ofHours(1));
        assertThat(r.resolveThreshold()).isEqualTo(1);
    }

    @Test
    void hysteresisOnTheResolvingSideIsKept() {
        AlertRule high = load(ERROR_RATE + "    resolve_threshold: 0.005\n    for: 3\n").rules().get(0);

        assertThat(high.hasHysteresis()).isTrue();
        assertThat(high.forEvaluations()).isEqualTo(3);
        assertThat(high.breached(0.008)).isFalse();
        assertThat(high.stillFiring(0.008)).isTrue();
        assertThat(high.stillFiring(0.005)).isFalse();

        AlertRule low = load("rules:\n  - {name: acc, kpi: accuracy, comparison: '<', threshold: 0.8, resolve_threshold: 0.85, "
                + "group_by: [model], severity: warning}\n").rules().get(0);
        assertThat(low.statistic()).isEqualTo(Statistic.ACCURACY);
        assertThat(low.stillFiring(0.82)).isTrue();
        assertThat(low.stillFiring(0.85)).isFalse();
    }

    @Test
    void hysteresisOnTheWrongSideIsRejected() {
        assertThatThrownBy(() -> load(ERROR_RATE + "    resolve_threshold: 0.02\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("alert-rules.yaml: rule 'ecs_error_rate': field 'resolve_threshold': 0.02 must be at most the threshold 0.01");
        assertThatThrownBy(() -> load("rules:\n  - {name: acc, kpi: accuracy, comparison: '<', threshold: 0.8, "
                + "resolve_threshold: 0.7, severity: warning}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("rule 'acc': field 'resolve_threshold': 0.7 must be at least the threshold 0.8");
    }

    @Test
    void duplicateNamesAreRejected() {
        String twice = ERROR_RATE + ERROR_RATE.substring("rules:\n".length());

        assertThatThrownBy(() -> load(twice))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("rule 'ecs_error_rate': field 'name': duplicate; rule #1 has the same name");
    }

    @Test
    void noRulesIsAllowedWhenExplicit() {
        assertThat(load("rules: []\n").rules()).isEmpty();
    }

    @Test
    void missingFileNamesTheConfigKey() {
        assertThatThrownBy(() -> AlertRules.load(dir.resolve("nope.yaml")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("alerts.rules_file")
                .hasMessageContaining("nope.yaml");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "threshold not a number     | threshold: 0.01     | threshold: high        | rule 'ecs_error_rate': field 'threshold': expected a number, got 'high'",
        "threshold missing          | '    threshold: 0.01\n' | ''                 | rule 'ecs_error_rate': field 'threshold': missing",
        "negative threshold         | threshold: 0.01     | threshold: -1          | rule 'ecs_error_rate': field 'threshold': -1 is negative",
        "percent instead of ratio   | threshold: 0.01     | threshold: 1.5         | rule 'ecs_error_rate': field 'threshold': 1.5 is above 1; error_rate is a fraction",
        "unknown comparison         | comparison: \">\"   | comparison: '=>'       | rule 'ecs_error_rate': field 'comparison': '=>' is not one of",
        "unknown kpi                | kpi: traffic        | kpi: errors            | rule 'ecs_error_rate': field 'kpi': 'errors' is not one of [latency, traffic, accuracy, endpoint_event, idle_endpoint, no_data, jobs, tenant_budget]",
        "statistic of another kpi   | statistic: error_rate | statistic: p95       | rule 'ecs_error_rate': field 'statistic': 'p95' is not one of [error_rate, requests]",
        "statistic missing          | '    statistic: error_rate\n' | ''           | rule 'ecs_error_rate': field 'statistic': missing",
        "unknown severity           | severity: critical  | severity: page         | rule 'ecs_error_rate': field 'severity': 'page' is not one of [info, warning, critical]",
        "severity missing           | '    severity: critical\n' | ''              | rule 'ecs_error_rate': field 'severity': missing",
        "min_sample not whole       | min_sample: 20      | min_sample: 2.5        | rule 'ecs_error_rate': field 'min_sample': expected a whole number, got 2.5",
        "negative min_sample        | min_sample: 20      | min_sample: -1         | rule 'ecs_error_rate': field 'min_sample': -1 is outside",
        "for zero                   | min_sample: 20      | for: 0                 | rule 'ecs_error_rate': field 'for': 0 is outside [1, 10000]",
        "for as text                | min_sample: 20      | for: twice             | rule 'ecs_error_rate': field 'for': expected a whole number, got 'twice'",
        "bad window                 | min_sample: 20      | window: five minutes   | rule 'ecs_error_rate': field 'window': 'five minutes' is not a duration",
        "window below a minute      | min_sample: 20      | window: 30s            | rule 'ecs_error_rate': field 'window': 30s must be a whole number of minutes",
        "window as a number         | min_sample: 20      | window: 300            | rule 'ecs_error_rate': field 'window': expected a duration like 5m or 1h, got 300",
        "bad repeat_interval        | min_sample: 20      | repeat_interval: often | rule 'ecs_error_rate': field 'repeat_interval': 'often' is not a duration",
        "label of another kpi       | group_by: [service] | group_by: [model_version] | rule 'ecs_error_rate': field 'group_by': 'model_version' is not a label of kpi traffic",
        "label twice                | group_by: [service] | group_by: [service, service] | rule 'ecs_error_rate': field 'group_by': 'service' is listed twice",
        "group_by not a list        | group_by: [service] | group_by: service     | rule 'ecs_error_rate': field 'group_by': expected a list of labels",
        "unknown field              | min_sample: 20      | threshhold: 0.02       | rule 'ecs_error_rate': field 'threshhold': unknown field",
        "field of another kpi       | min_sample: 20      | stage: total           | rule 'ecs_error_rate': field 'stage': not used by kpi traffic",
        "bad name                   | name: ecs_error_rate | name: ECS-errors      | rule #1: field 'name': 'ECS-errors' must be 1-64 of [a-z0-9_]",
        "name missing               | '  - name: ecs_error_rate\n    kpi: traffic\n' | '  - kpi: traffic\n' | rule #1: field 'name': missing",
        "name not text              | name: ecs_error_rate | name: [a, b]          | rule #1: field 'name': expected text, got a list",
    })
    void badFieldsFailNamingRuleAndField(String name, String replace, String with, String message) {
        String yaml = ERROR_RATE.replace(unescape(replace), unescape(with));
        assertThat(yaml).as("test setup replaced something").isNotEqualTo(ERROR_RATE);

        assertThatThrownBy(() -> load(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("alert-rules.yaml: ")
                .hasMessageContaining(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "latency stage unknown      | {name: r, kpi: latency, stage: gpu, statistic: p95, comparison: '>', threshold: 1, severity: info} | rule 'r': field 'stage': 'gpu' is not one of [total, model, llm]",
        "latency statistic unknown  | {name: r, kpi: latency, statistic: p42, comparison: '>', threshold: 1, severity: info} | rule 'r': field 'statistic': 'p42' is not one of [p50, p90, p95, p99, max, mean]",
        "accuracy above one         | {name: r, kpi: accuracy, comparison: '<', threshold: 80, severity: info} | rule 'r': field 'threshold': 80 is above 1",
        "endpoint rule min_sample   | {name: r, kpi: endpoint_event, statistic: failed, min_sample: 1, group_by: [endpoint], severity: info} | rule 'r': field 'min_sample': not used by kpi endpoint_event",
        "endpoint rule w/o endpoint | {name: r, kpi: endpoint_event, statistic: failed, group_by: [model], severity: info} | rule 'r': field 'group_by': must include 'endpoint' for kpi endpoint_event",
        "endpoint statistic unknown | {name: r, kpi: endpoint_event, statistic: deleted, group_by: [endpoint], severity: info} | rule 'r': field 'statistic': 'deleted' is not one of [failed, restart]",
        "idle without idle_for      | {name: r, kpi: idle_endpoint, group_by: [endpoint], severity: info} | rule 'r': field 'idle_for': missing",
        "idle with a threshold      | {name: r, kpi: idle_endpoint, idle_for: 30m, threshold: 30, group_by: [endpoint], severity: info} | rule 'r': field 'threshold': not used by kpi idle_endpoint",
        "idle with silent_for       | {name: r, kpi: idle_endpoint, idle_for: 30m, silent_for: 10m, group_by: [endpoint], severity: info} | rule 'r': field 'silent_for': not used by kpi idle_endpoint",
        "no_data without service    | {name: r, kpi: no_data, silent_for: 10m, group_by: [model], severity: info} | rule 'r': field 'group_by': must include 'service' for kpi no_data",
        "no_data bad silent_for     | {name: r, kpi: no_data, silent_for: 10, group_by: [service], severity: info} | rule 'r': field 'silent_for': expected a duration",
        "kpi missing                | {name: r, severity: info} | rule 'r': field 'kpi': missing",
        "rule not a mapping         | just_a_name | rule #1: expected a mapping",
    })
    void kpiSpecificMistakesFailNamingRuleAndField(String name, String rule, String message) {
        assertThatThrownBy(() -> load("rules:\n  - " + rule + "\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("alert-rules.yaml: " + message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "empty file            | ''                            | alert-rules.yaml: empty file",
        "no rules key          | 'alerts: []'                  | alert-rules.yaml: alerts: unknown field",
        "rules not a list      | 'rules: {a: 1}'               | alert-rules.yaml: rules: expected a list of rules",
        "rules key missing     | '{}'                          | alert-rules.yaml: rules: missing",
        "duplicate YAML key    | 'rules: []\nrules: []'        | rules",
    })
    void badDocumentsFailNamingTheFile(String name, String yaml, String message) {
        assertThatThrownBy(() -> load(unescape(yaml)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }

    @Test
    void describesItselfOnOneLine() {
        List<String> lines = AlertRules.load(SHIPPED).rules().stream().map(AlertRule::toString).toList();

        assertThat(lines).contains(
                "latency_p95_warning: latency total p95 > 5000 (resolves at 4500) over 5m for 3 evaluations keeps firing"
                        + " 10m by [service, model] (warning)",
                "ecs_error_rate: traffic error_rate > 0.01 (resolves at 0.005) over 5m with >= 20 for 2 evaluations keeps"
                        + " firing 10m by [service] (critical)",
                "endpoint_failed: endpoint_event failed >= 1 over 5m by [endpoint, model] (critical)",
                "idle_endpoint: idle_endpoint for 30m keeps firing 15m by [endpoint, model] (info)");
    }

    private static String unescape(String s) {
        return s.replace("\\n", "\n");
    }

    private AlertRules load(String yaml) {
        try {
            Path file = dir.resolve("alert-rules.yaml");
            Files.writeString(file, yaml);
            return AlertRules.load(file);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
