package com.gluu.kpi.alerts;

import com.gluu.kpi.config.AlertRule;
import com.gluu.kpi.config.AlertRules;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Alert rules from YAML text, through the real loader and its validation. */
final class TestRules {
    private TestRules() {}

    static AlertRules rules(String yaml) {
        try {
            Path file = Files.createTempFile("alert-rules", ".yaml");
            try {
                Files.writeString(file, yaml);
                return AlertRules.load(file);
            } finally {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One rule given as the inside of a YAML flow mapping, e.g. {@code "name: a, kpi: latency, ..."}. */
    static AlertRule rule(String fields) {
        return rules("rules:\n  - {" + fields + "}\n").rules().get(0);
    }
}
