package com.gluu.kpi.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A 40-minute trace with three alert episodes worked out by hand (the analysis is in
 * {@code AlertsReplayITCase}'s class comment): analyze-api / blip2 / blip2-endpoint, 60 requests
 * a minute of 1000 ms, half of them errors in minutes 10..14; blip2-endpoint InService at T,
 * Failed at T+20m30s, InService again at T+23m10s.
 */
public final class AlertScenario {
    public static final long MIN = 60_000L;
    public static final Instant T = Instant.parse("2026-11-23T10:00:00Z");
    public static final long T_MS = T.toEpochMilli(); // 1795428000000
    /** Lines of the trace: 40 × 60 inference events and 3 endpoint events. */
    public static final int LINES = 40 * 60 + 3;

    /** Alert ids (first 32 hex of SHA-256 of rule\nlabels\nstart ms), computed with Python hashlib. */
    public static final String ERROR_ID = "b10a0285b0dddfc0096519871f1d3ace";
    public static final String FAILED_ID = "ef5e5af149969347db011b440dda3b12";
    public static final String RESTART_ID = "f243f33ee3fc2c67809a08dc1dd2530f";
    /** The default availability SLO's burn episodes the error burst fires (AlertsReplayITCase), same hash. */
    public static final String SLOW_BURN_ID = "a1389f8923fe31f4994da8dec9446500";
    public static final String FAST_BURN_ID = "08d2dc7058c848d1c4b4f264eef4a197";

    private AlertScenario() {}

    public static String ts(long ms) {
        return Instant.ofEpochMilli(ms).toString();
    }

    private static String endpointEvent(int n, long ms, String state) {
        return "{\"event_id\":\"ep-" + n + "\",\"type\":\"endpoint\",\"ts\":\"" + ts(ms) + "\",\"endpoint\":\"blip2-endpoint\","
                + "\"model\":\"blip2\",\"state\":\"" + state + "\",\"instance_type\":\"ml.g5.xlarge\",\"instance_count\":1}";
    }

    private static boolean isError(int m, int s) {
        return m >= 10 && m <= 14 && s % 2 == 0;
    }

    public static String requestId(int m, int s) {
        return String.format("r-%02d-%02d", m, s);
    }

    /** Writes the trace as JSON Lines, in event-time order, to {@code events}. */
    public static Path write(Path events) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int m = 0; m < 40; m++) {
            for (int s = 0; s < 60; s++) {
                long at = T_MS + m * MIN + s * 1000L;
                if (m == 0 && s == 0) {
                    lines.add(endpointEvent(1, T_MS, "InService"));
                }
                if (m == 20 && s == 30) {
                    lines.add(endpointEvent(2, at, "Failed"));
                }
                if (m == 23 && s == 10) {
                    lines.add(endpointEvent(3, at, "InService"));
                }
                boolean error = isError(m, s);
                lines.add("{\"event_id\":\"e-" + requestId(m, s) + "\",\"type\":\"inference\",\"ts\":\"" + ts(at) + "\","
                        + "\"request_id\":\"" + requestId(m, s) + "\",\"service\":\"analyze-api\",\"route\":\"/analyze\","
                        + "\"model\":\"blip2\",\"endpoint\":\"blip2-endpoint\",\"mode\":\"sync\","
                        + (error ? "\"status\":\"error\",\"http_status\":500,\"error_type\":\"model_error\","
                                : "\"status\":\"ok\",\"http_status\":200,")
                        + "\"latency_ms\":{\"total\":1000,\"model\":800}}");
            }
        }
        Files.write(events, lines);
        return events;
    }
}
