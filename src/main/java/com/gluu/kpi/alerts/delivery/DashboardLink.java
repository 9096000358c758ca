package com.gluu.kpi.alerts.delivery;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * The link a notification carries (SPEC §5 "Every notification links to the dashboard"): the
 * dashboard page (SPEC §8) with {@code from} and {@code to} around the episode — its start and its
 * resolution (or the latest transition while firing), widened by {@link #MARGIN} on each side and
 * rounded out to whole minutes — and the episode's {@code service} label, if it has one.
 */
public final class DashboardLink {
    /** Context before and after the episode on the charts. */
    public static final Duration MARGIN = Duration.ofMinutes(15);

    private DashboardLink() {}

    /** The link, or null when {@code baseUrl} is empty (no dashboard configured) or the episode has no start. */
    public static String of(String baseUrl, Map<String, Object> labels, Instant start, Instant end) {
        if (baseUrl == null || baseUrl.isBlank() || start == null) {
            return null;
        }
        Instant from = start.minus(MARGIN).truncatedTo(ChronoUnit.MINUTES);
        Instant last = end == null ? start : end;
        Instant to = last.plus(MARGIN).plus(Duration.ofMinutes(1)).minusNanos(1).truncatedTo(ChronoUnit.MINUTES);
        StringBuilder b = new StringBuilder(baseUrl.strip());
        b.append(b.indexOf("?") < 0 ? '?' : '&');
        b.append("from=").append(encode(from.toString())).append("&to=").append(encode(to.toString()));
        Object service = labels == null ? null : labels.get("service");
        if (service != null && !service.toString().isEmpty()) {
            b.append("&service=").append(encode(service.toString()));
        }
        return b.toString();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
