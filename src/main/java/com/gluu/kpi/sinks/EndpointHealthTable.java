package com.gluu.kpi.sinks;

import com.gluu.kpi.health.EndpointHealthRow;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/** {@code kpi.endpoint_health}, keyed by window and endpoint; a NaN uptime_ratio is written as NULL. */
public final class EndpointHealthTable implements UpsertStatement<EndpointHealthRow> {
    private static final long serialVersionUID = 1L;

    @Override
    public String sql() {
        return "INSERT INTO kpi.endpoint_health (window_start, window_end, endpoint, in_service_seconds, uptime_ratio,"
                + " restarts, failures, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, now())"
                + " ON CONFLICT (window_start, window_end, endpoint) DO UPDATE SET"
                + " in_service_seconds = EXCLUDED.in_service_seconds, uptime_ratio = EXCLUDED.uptime_ratio,"
                + " restarts = EXCLUDED.restarts, failures = EXCLUDED.failures, updated_at = now()";
    }

    @Override
    public Object key(EndpointHealthRow r) {
        return List.of(r.windowStart, r.windowEnd, r.endpoint);
    }

    @Override
    public void bind(PreparedStatement s, EndpointHealthRow r) throws SQLException {
        s.setObject(1, KpiTables.time(r.windowStart));
        s.setObject(2, KpiTables.time(r.windowEnd));
        s.setString(3, r.endpoint);
        s.setDouble(4, r.inServiceSeconds);
        if (Double.isNaN(r.uptimeRatio)) {
            s.setNull(5, Types.DOUBLE);
        } else {
            s.setDouble(5, r.uptimeRatio);
        }
        s.setLong(6, r.restarts);
        s.setLong(7, r.failures);
    }
}
