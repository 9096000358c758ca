package com.gluu.kpi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.config.AlertRule.Comparison;
import com.gluu.kpi.config.AlertRule.Kpi;
import com.gluu.kpi.config.AlertRule.Severity;
import com.gluu.kpi.config.AlertRule.Statistic;
import com.gluu.kpi.testing.RulesFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The rules file's {@code slos:} section: its defaults, the burn rules it makes, and every mistake named. */
class SloRulesTest {
    private static final String AVAILABILITY = "rules: []\nslos:\n  - {name: availability, kind: availability, objective: 0.995}\n";

    private static AlertRules load(String yaml) {
        return RulesFiles.load(yaml);
    }

    @Test
    void anSloLeftAtItsDefaultsMakesTheWorkbooksTwoBurnRules() {
        AlertRules rules = load(AVAILABILITY);

        Slo slo = rules.slos().get(0);
        assertThat(slo.kind()).isEqualTo(Slo.Kind.AVAILABILITY);
        assertThat(slo.objective()).isEqualTo(0.995);
        assertThat(slo.errorBudget()).isEqualTo(0.005);
        assertThat(slo.period()).isEqualTo(Duration.ofDays(30));
        assertThat(slo.services()).isEmpty();
        assertThat(slo.covers("anything")).isTrue();
        assertThat(slo.minSample()).isEqualTo(100);
        assertThat(Double.isNaN(slo.thresholdMs())).isTrue();

        assertThat(rules.rules()).extracting(AlertRule::toString).containsExactly(
                "availability_fast_burn: slo_burn burn_rate >= 14.4 over 1h and 5m with >= 100 by [service] (critical)",
                "availability_slow_burn: slo_burn burn_rate >= 6 over 6h and 30m with >= 100 by [service] (warning)");
        AlertRule fast = rules.rule("availability_fast_burn").orElseThrow();
        assertThat(fast.kpi()).isEqualTo(Kpi.SLO_BURN);
        assertThat(fast.statistic()).isEqualTo(Statistic.BURN_RATE);
        assertThat(fast.comparison()).isEqualTo(Comparison.GE);
        assertThat(fast.window()).isEqualTo(Duration.ofHours(1));
        assertThat(fast.shortWindow()).isEqualTo(Duration.ofMinutes(5));
        assertThat(fast.forEvaluations()).isEqualTo(1);
        assertThat(fast.hasHysteresis()).isFalse();
        assertThat(fast.keepFiringFor()).isZero();
        assertThat(fast.repeatInterval()).isEqualTo(Duration.ofHours(1));
        assertThat(fast.slo()).isSameAs(slo);
        assertThat(fast.breached(14.4)).isTrue();
        assertThat(fast.breached(14.39)).isFalse();
    }

    @Test
    void everyFieldCanBeSet() {
        AlertRules rules = load("rules: []\nslos:\n"
                + "  - name: api_latency\n"
                + "    kind: latency\n"
                + "    objective: 0.99\n"
                + "    threshold_ms: 5000\n"
                + "    period: 7d\n"
                + "    services: [analyze-api, annotate-worker]\n"
                + "    min_sample: 0\n"
                + "    burn_alerts:\n"
                + "      fast: {long: 2h, short: 10m, factor: 10, severity: warning}\n"
                + "      slow: {factor: 3}\n");

        Slo slo = rules.slos().get(0);
        assertThat(slo).hasToString("api_latency: 99 % of requests under 5000 ms over 7d, analyze-api, annotate-worker");
        assertThat(slo.covers("analyze-api")).isTrue();
        assertThat(slo.covers("thumbnail-worker")).isFalse();
        assertThat(rules.rules()).extracting(AlertRule::toString).containsExactly(
                "api_latency_fast_burn: slo_burn burn_rate >= 10 over 2h and 10m by [service] (warning)",
                "api_latency_slow_burn: slo_burn burn_rate >= 3 over 6h and 30m by [service] (warning)");
    }

    @Test
    void theShippedFileHasSpecSectionFivesTwoSlosAndTheFastBurnInhibitsTheSlow() throws Exception {
        AlertRules rules = AlertRules.load(Path.of("jobs/alert-rules.yaml"));

        assertThat(rules.slos()).extracting(Slo::toString).containsExactly(
                "availability: 99.5 % of requests not error over 30d, every service",
                "latency: 95 % of requests under 10000 ms over 30d, every service");
        assertThat(rules.rules().subList(rules.size() - 4, rules.size())).extracting(AlertRule::name).containsExactly(
                "availability_fast_burn", "availability_slow_burn", "latency_fast_burn", "latency_slow_burn");
        assertThat(rules.rule("latency_slow_burn").orElseThrow().severity()).isEqualTo(Severity.WARNING);
        assertThat(rules.inhibitRules()).anySatisfy(i -> {
            assertThat(i.sourceRules()).containsExactly("availability_fast_burn");
            assertThat(i.targetRules()).containsExactly("availability_slow_burn");
        });
        assertThat(PricingTableTest.roundTrip(rules)).isEqualTo(rules);
    }

    @Test
    void burnRulesCanBeInhibitedAndTheirNamesMustNotClash() {
        assertThat(load("rules: []\nslos:\n  - {name: avail, kind: availability, objective: 0.999}\n"
                + "inhibit_rules:\n  - {source_rules: [avail_fast_burn], target_rules: [avail_slow_burn], equal: [service]}\n")
                .inhibitRules()).hasSize(1);
        assertThatThrownBy(() -> load("rules:\n  - {name: availability_fast_burn, kpi: no_data, silent_for: 5m, "
                + "group_by: [service], severity: info}\nslos:\n  - {name: availability, kind: availability, objective: 0.995}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("slo 'availability': its rule 'availability_fast_burn' has the name of rule #1");
    }

    @Test
    void slo_burnIsNotAKpiARuleMayName() {
        assertThatThrownBy(() -> load("rules:\n  - {name: b, kpi: slo_burn, threshold: 1, comparison: '>', severity: info}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("rule 'b': field 'kpi': 'slo_burn' is not one of [latency, traffic, accuracy,"
                        + " endpoint_event, idle_endpoint, no_data, jobs, tenant_budget]");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "name missing          | {kind: availability, objective: 0.995}                                      | slo #1: field 'name': missing",
        "name with capitals    | {name: Avail, kind: availability, objective: 0.995}                         | slo #1: field 'name': 'Avail' must be 1-54 of [a-z0-9_]",
        "unknown field         | {name: a, kind: availability, objective: 0.995, window: 5m}                  | slo 'a': field 'window': unknown field",
        "kind missing          | {name: a, objective: 0.995}                                                 | slo 'a': field 'kind': missing",
        "unknown kind          | {name: a, kind: errors, objective: 0.995}                                   | slo 'a': field 'kind': 'errors' is not one of [availability, latency]",
        "objective as percent  | {name: a, kind: availability, objective: 99.5}                              | slo 'a': field 'objective': 99.5 must be above 0 and below 1 (99.5 % is 0.995)",
        "objective of one      | {name: a, kind: availability, objective: 1}                                 | slo 'a': field 'objective': 1 must be above 0 and below 1",
        "objective missing     | {name: a, kind: availability}                                               | slo 'a': field 'objective': missing",
        "latency, no threshold | {name: a, kind: latency, objective: 0.95}                                   | slo 'a': field 'threshold_ms': missing",
        "threshold zero        | {name: a, kind: latency, objective: 0.95, threshold_ms: 0}                  | slo 'a': field 'threshold_ms': must be above 0",
        "threshold, available  | {name: a, kind: availability, objective: 0.995, threshold_ms: 10}           | slo 'a': field 'threshold_ms': only for kind latency",
        "period in minutes     | {name: a, kind: availability, objective: 0.995, period: 90m}                | slo 'a': field 'period': 90m must be whole hours, from 1h to 30d",
        "period too long       | {name: a, kind: availability, objective: 0.995, period: 31d}                | slo 'a': field 'period': 31d must be whole hours, from 1h to 30d",
        "period not a duration | {name: a, kind: availability, objective: 0.995, period: month}              | slo 'a': field 'period': 'month' is not a duration",
        "services empty        | {name: a, kind: availability, objective: 0.995, services: []}               | slo 'a': field 'services': expected a non-empty list",
        "services twice        | {name: a, kind: availability, objective: 0.995, services: [x, x]}           | slo 'a': field 'services': 'x' is listed twice",
        "min_sample negative   | {name: a, kind: availability, objective: 0.995, min_sample: -1}             | slo 'a': field 'min_sample': expected a whole number >= 0, got -1",
        "unknown burn alert    | {name: a, kind: availability, objective: 0.995, burn_alerts: {page: {}}}    | slo 'a': field 'burn_alerts': page: unknown field",
        "unknown burn field    | {name: a, kind: availability, objective: 0.995, burn_alerts: {fast: {for: 2}}} | slo 'a': field 'burn_alerts': fast: for: unknown field",
        "short not shorter     | {name: a, kind: availability, objective: 0.995, burn_alerts: {fast: {short: 1h}}} | slo 'a': field 'burn_alerts': fast: short (1h) must be shorter than long (1h)",
        "long over a day       | {name: a, kind: availability, objective: 0.995, burn_alerts: {slow: {long: 2d}}}  | slo 'a': field 'burn_alerts': slow: long (2d) must be at most 1d and at most the period",
        "long over the period  | {name: a, kind: availability, objective: 0.995, period: 3h}                 | slo 'a': field 'burn_alerts': slow: long (6h) must be at most 1d and at most the period",
        "seconds in a window   | {name: a, kind: availability, objective: 0.995, burn_alerts: {fast: {short: 30s}}} | slo 'a': field 'burn_alerts': fast: short: 30s must be a whole number of minutes",
        "factor never reached  | {name: a, kind: availability, objective: 0.95, burn_alerts: {fast: {factor: 25}}}  | slo 'a': field 'burn_alerts': fast: factor: 25.0 can never be reached: with objective 0.95 the burn rate is at most 20",
        "factor zero           | {name: a, kind: availability, objective: 0.995, burn_alerts: {slow: {factor: 0}}}  | slo 'a': field 'burn_alerts': slow: factor: must be above 0",
        "unknown severity      | {name: a, kind: availability, objective: 0.995, burn_alerts: {slow: {severity: page}}} | slo 'a': field 'burn_alerts': slow: severity: 'page' is not one of [info, warning, critical]",
    })
    void mistakesAreNamed(String what, String slo, String message) {
        assertThatThrownBy(() -> load("rules: []\nslos:\n  - " + slo + "\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }

    @Test
    void twoSlosWithOneNameAreRejected() {
        assertThatThrownBy(() -> load(AVAILABILITY + "  - {name: availability, kind: latency, objective: 0.99, threshold_ms: 1}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("slo 'availability': field 'name': duplicate");
        assertThatThrownBy(() -> load("rules: []\nslos: {name: a}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("slos: expected a list of SLOs, got a mapping");
        assertThat(load("rules: []\n").slos()).isEqualTo(List.of());
    }
}
