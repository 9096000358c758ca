package com.gluu.kpi.alerts;

import com.gluu.kpi.config.AlertRule;
import com.gluu.kpi.config.AlertRules;

/** Alert rules from YAML text, through the real loader and its validation. */
final class TestRules {
    private TestRules() {}

    static AlertRules rules(String yaml) {
        return com.gluu.kpi.testing.RulesFiles.load(yaml);
    }

    /** One rule given as the inside of a YAML flow mapping, e.g. {@code "name: a, kpi: latency, ..."}. */
    static AlertRule rule(String fields) {
        return rules("rules:\n  - {" + fields + "}\n").rules().get(0);
    }
}
