package com.gluu.kpi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jobs/budgets.yaml} (SPEC §7) and the tenant_budget rule's place in the rules file. */
class TenantBudgetsTest {
    @TempDir
    Path dir;

    private TenantBudgets load(String yaml) throws Exception {
        Path f = dir.resolve("budgets.yaml");
        Files.writeString(f, yaml);
        return TenantBudgets.forJob(JobConfig.defaults().with(Map.of(JobConfig.BUDGETS_FILE.key(), f.toString())));
    }

    @Test
    void theSpecExampleAndTenantsWithoutABudget() throws Exception {
        TenantBudgets b = load("monthly_usd:\n  acme: 500\n  globex: 120.5\n");
        assertThat(b.monthlyUsd("acme")).isEqualTo(500.0);
        assertThat(b.monthlyUsd("globex")).isEqualTo(120.5);
        assertThat(b.monthlyUsd("initech")).isNaN();
        assertThat(load("# nothing yet\n").isEmpty()).isTrue();
    }

    @Test
    void theShippedFileIsRead() {
        TenantBudgets b = TenantBudgets.forJob(JobConfig.defaults());
        assertThat(b.all()).containsOnlyKeys("acme-insurance", "fleetco", "homecheck", "rentals-eu", "autoparts-us");
    }

    @Test
    void mistakesNameTheFileAndTheTenant() {
        assertThatThrownBy(() -> load("monthly_usd:\n  acme: -5\n")).hasMessageEndingWith("monthly_usd.acme: -5 is not a positive budget");
        assertThatThrownBy(() -> load("monthly_usd:\n  acme: '500'\n")).hasMessageContaining("monthly_usd.acme: expected a number");
        assertThatThrownBy(() -> load("monthly:\n  acme: 5\n")).hasMessageContaining("monthly: unknown field");
        assertThatThrownBy(() -> TenantBudgets.forJob(JobConfig.defaults().with(Map.of(JobConfig.BUDGETS_FILE.key(),
                dir.resolve("missing.yaml").toString())))).hasMessageContaining("alerts.budgets_file: cannot read");
    }

    @Test
    void atMostOneTenantBudgetRuleAndItGroupsByClientId() {
        String rule = "  - {name: NAME, kpi: tenant_budget, group_by: [client_id], severity: warning}\n";
        assertThatThrownBy(() -> com.gluu.kpi.testing.RulesFiles.load("rules:\n" + rule.replace("NAME", "a") + rule.replace("NAME", "b")))
                .hasMessageContaining("rule 'b': field 'kpi': at most one rule of kpi tenant_budget");
        assertThatThrownBy(() -> com.gluu.kpi.testing.RulesFiles.load("rules:\n  - {name: a, kpi: tenant_budget, severity: warning}\n"))
                .hasMessageContaining("must include 'client_id'");
    }
}
