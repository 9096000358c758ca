package com.gluu.kpi.config;

import java.nio.file.Path;

/** Placeholder replaced by the alert-rules work in progress. */
public final class AlertRules {
    public static AlertRules load(Path file) {
        return new AlertRules();
    }
}
