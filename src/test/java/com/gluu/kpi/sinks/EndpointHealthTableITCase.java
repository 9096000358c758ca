package com.gluu.kpi.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.health.EndpointHealthRow;
import com.gluu.kpi.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@code kpi.endpoint_health} upsert against the real migrated table. */
class EndpointHealthTableITCase {
    static TestDatabase db;

    @BeforeAll
    static void start() {
        db = TestDatabase.startMigrated();
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    private static void upsert(EndpointHealthRow row) throws Exception {
        var table = KpiTables.ENDPOINT_HEALTH;
        try (Connection c = db.jdbc().connect(); PreparedStatement s = c.prepareStatement(table.sql())) {
            table.bind(s, row);
            s.executeUpdate();
        }
    }

    @Test
    void aRewrittenRowReplacesTheOldOneAndNanUptimeIsNull() throws Exception {
        EndpointHealthRow r = new EndpointHealthRow();
        r.windowStart = 1_795_323_600_000L; // 2026-11-22T05:00Z
        r.windowEnd = 1_795_327_200_000L;   // 06:00Z
        r.endpoint = "blip2-endpoint";
        r.inServiceSeconds = 125;
        r.uptimeRatio = 0.5;
        r.restarts = 1;
        r.failures = 1;
        upsert(r);

        r.inServiceSeconds = 0;
        r.uptimeRatio = Double.NaN;
        r.restarts = 0;
        r.failures = 3;
        upsert(r);

        List<Map<String, Object>> rows = db.rows("SELECT window_start::text AS ws, window_end::text AS we, endpoint,"
                + " in_service_seconds, uptime_ratio, restarts, failures FROM kpi.endpoint_health");
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0))
                .containsEntry("ws", "2026-11-22 05:00:00+00")
                .containsEntry("we", "2026-11-22 06:00:00+00")
                .containsEntry("endpoint", "blip2-endpoint")
                .containsEntry("in_service_seconds", 0.0)
                .containsEntry("uptime_ratio", null)
                .containsEntry("restarts", 0L)
                .containsEntry("failures", 3L);
    }
}
