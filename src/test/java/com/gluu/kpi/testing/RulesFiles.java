package com.gluu.kpi.testing;

import com.gluu.kpi.config.AlertRules;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Alert rules from YAML text, through the real loader and its validation (a temporary file). */
public final class RulesFiles {
    private RulesFiles() {}

    public static AlertRules load(String yaml) {
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
}
