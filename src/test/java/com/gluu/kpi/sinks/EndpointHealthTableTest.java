package com.gluu.kpi.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.health.EndpointHealthRow;
import java.lang.reflect.Proxy;
import java.sql.PreparedStatement;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class EndpointHealthTableTest {
    /** Parameter index → what was bound ("null:<sql type>" for setNull). */
    private static Map<Integer, Object> bind(EndpointHealthRow row) throws Exception {
        Map<Integer, Object> bound = new TreeMap<>();
        PreparedStatement s = (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                    if (method.getName().equals("setNull")) {
                        bound.put((Integer) args[0], "null:" + args[1]);
                    } else if (method.getName().startsWith("set")) {
                        bound.put((Integer) args[0], args[1]);
                    }
                    return null;
                });
        KpiTables.ENDPOINT_HEALTH.bind(s, row);
        return bound;
    }

    private static EndpointHealthRow row(double uptime) {
        EndpointHealthRow r = new EndpointHealthRow();
        r.windowStart = 1_795_323_600_000L; // 2026-11-22T05:00Z
        r.windowEnd = 1_795_323_660_000L;
        r.endpoint = "blip2-endpoint";
        r.inServiceSeconds = 45.5;
        r.uptimeRatio = uptime;
        r.restarts = 1;
        r.failures = 2;
        return r;
    }

    @Test
    void bindsEveryColumnInOrder() throws Exception {
        Map<Integer, Object> bound = bind(row(0.75));
        assertThat(bound).hasSize(7);
        assertThat(bound.get(1)).isEqualTo(OffsetDateTime.parse("2026-11-22T05:00:00Z"));
        assertThat(bound.get(2)).isEqualTo(OffsetDateTime.parse("2026-11-22T05:01:00Z"));
        assertThat(bound.get(3)).isEqualTo("blip2-endpoint");
        assertThat(bound.get(4)).isEqualTo(45.5);
        assertThat(bound.get(5)).isEqualTo(0.75);
        assertThat(bound.get(6)).isEqualTo(1L);
        assertThat(bound.get(7)).isEqualTo(2L);
    }

    @Test
    void nanUptimeIsWrittenAsSqlNull() throws Exception {
        assertThat(bind(row(Double.NaN)).get(5)).isEqualTo("null:" + Types.DOUBLE);
    }

    @Test
    void keyIsWindowAndEndpoint() {
        assertThat(KpiTables.ENDPOINT_HEALTH.key(row(0.5)))
                .isEqualTo(List.of(1_795_323_600_000L, 1_795_323_660_000L, "blip2-endpoint"));
        assertThat(KpiTables.ENDPOINT_HEALTH.sql()).contains("ON CONFLICT (window_start, window_end, endpoint)");
    }
}
