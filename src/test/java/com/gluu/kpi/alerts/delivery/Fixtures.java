package com.gluu.kpi.alerts.delivery;

import java.time.Instant;
import java.util.Map;

/** Notifications with values worked out by hand for the channel tests. */
final class Fixtures {
    static final String ALERT_ID = "ecs_error_rate:analyze-api:1767225600000";
    /** MD5 name-based (v3) UUIDs of "ALERT_ID#1", "#2", "#3", computed independently (Python hashlib). */
    static final String UUID_1 = "415d452a-29ac-335b-9a1c-2b4096cce533";
    static final String UUID_2 = "86aa62fd-0bed-31fd-85bb-19b325daecc5";
    static final String UUID_3 = "40963db2-f024-3cd0-bb89-225a4424b92a";
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private Fixtures() {}

    static Notification firing(int seq) {
        return new Notification(ALERT_ID, "ecs_error_rate", "critical", Map.of("service", "analyze-api"), "firing", 0.05,
                0.01, "error rate 5% > 1% for analyze-api", T0, null, T0.plusSeconds(3600L * (seq - 1)), seq);
    }

    static Notification resolved(int seq) {
        Instant at = T0.plusSeconds(3600L * (seq - 1));
        return new Notification(ALERT_ID, "ecs_error_rate", "critical", Map.of("service", "analyze-api"), "resolved", 0.004,
                0.01, "error rate 0.4% <= 1% for analyze-api", T0, at, at, seq);
    }
}
