package com.gluu.kpi.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MaintenanceWindowTest {
    @Test
    void aWeeklyWindowCoversItsHoursOnItsDaysOnly() {
        // Sunday 02:00-04:00 UTC; 2026-11-29 is a Sunday
        MaintenanceWindow w = new MaintenanceWindow("patch", Map.of(), Set.of(DayOfWeek.SUNDAY), LocalTime.of(2, 0),
                Duration.ofHours(2));
        assertThat(w.covers(Instant.parse("2026-11-29T02:00:00Z"))).isTrue();
        assertThat(w.covers(Instant.parse("2026-11-29T03:59:59Z"))).isTrue();
        assertThat(w.covers(Instant.parse("2026-11-29T04:00:00Z"))).isFalse();
        assertThat(w.covers(Instant.parse("2026-11-29T01:59:59Z"))).isFalse();
        assertThat(w.covers(Instant.parse("2026-11-30T03:00:00Z"))).as("Monday").isFalse();
    }

    @Test
    void aWindowPastMidnightCoversTheNextMorning() {
        // Saturday 23:00 for 3 h: until Sunday 02:00
        MaintenanceWindow w = new MaintenanceWindow("late", Map.of(), Set.of(DayOfWeek.SATURDAY), LocalTime.of(23, 0),
                Duration.ofHours(3));
        assertThat(w.covers(Instant.parse("2026-11-29T01:30:00Z"))).isTrue();
        assertThat(w.covers(Instant.parse("2026-11-29T02:00:00Z"))).isFalse();
        assertThat(w.covers(Instant.parse("2026-11-28T22:59:00Z"))).isFalse();
    }

    @Test
    void matchersAreEqualitiesOnRuleSeverityAndLabels() {
        MaintenanceWindow w = new MaintenanceWindow("w", Map.of("rule", "no_data", "service", "api"), Set.of(),
                LocalTime.MIDNIGHT, Duration.ofHours(1));
        assertThat(w.matches("no_data", "warning", Map.of("service", "api"))).isTrue();
        assertThat(w.matches("no_data", "warning", Map.of("service", "worker"))).isFalse();
        assertThat(w.matches("ecs_error_rate", "critical", Map.of("service", "api"))).isFalse();
        assertThat(w.matches("no_data", "warning", Map.of())).isFalse();
        assertThat(new MaintenanceWindow("all", Map.of(), Set.of(), LocalTime.MIDNIGHT, Duration.ofHours(1))
                .matches("any", "info", Map.of())).isTrue();
    }

    @Test
    void theRulesFileReadsThemAndRefusesMistakes() {
        AlertRules rules = com.gluu.kpi.testing.RulesFiles.load("rules: []\nmaintenance:\n"
                + "  - {name: patch, match: {service: api}, days: [sun, Sat], start: \"02:00\", duration: 2h}\n");
        assertThat(rules.maintenance()).hasSize(1);
        MaintenanceWindow w = rules.maintenance().get(0);
        assertThat(w.name()).isEqualTo("patch");
        assertThat(w.covers(Instant.parse("2026-11-28T03:00:00Z"))).as("Saturday").isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> com.gluu.kpi.testing.RulesFiles.load(
                "rules: []\nmaintenance:\n  - {name: x, days: [sunday], start: \"02:00\", duration: 2h}\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'sunday' is not one of");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> com.gluu.kpi.testing.RulesFiles.load(
                "rules: []\nmaintenance:\n  - {name: x, start: \"25:00\", duration: 2h}\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("start");
    }
}
