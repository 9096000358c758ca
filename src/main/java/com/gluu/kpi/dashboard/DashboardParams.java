package com.gluu.kpi.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * The page's URL query, which is also the JSON API's: {@code from}, {@code to} (ISO-8601),
 * {@code service} and {@code window} ({@code 1m}, {@code 1h} or {@code auto}). Everything is
 * optional; what is absent is resolved against the data by {@link DashboardReader}. A value that
 * cannot be understood fails with a message that names it (HTTP 400), never silently falls back.
 */
final class DashboardParams {
    /** Which window rows to read; AUTO picks by the range's length. */
    enum Window {
        AUTO(null), ONE_MINUTE(Duration.ofMinutes(1)), ONE_HOUR(Duration.ofHours(1));

        final Duration size;

        Window(Duration size) {
            this.size = size;
        }
    }

    /** A dimension longer than this cannot be stored (SPEC §2 limits), so it cannot be asked for. */
    private static final int MAX_SERVICE_LENGTH = 256;

    final Instant from;
    final Instant to;
    /** null: all services. */
    final String service;
    final Window window;

    DashboardParams(Instant from, Instant to, String service, Window window) {
        this.from = from;
        this.to = to;
        this.service = service;
        this.window = window;
    }

    static DashboardParams parse(Map<String, String> query) {
        Instant from = instant("from", query.get("from"));
        Instant to = instant("to", query.get("to"));
        if (from != null && to != null && !to.isAfter(from)) {
            throw new IllegalArgumentException("to (" + to + ") must be after from (" + from + ")");
        }
        String service = query.get("service");
        if (service != null && service.isEmpty()) {
            service = null;
        }
        if (service != null && service.length() > MAX_SERVICE_LENGTH) {
            throw new IllegalArgumentException("service: longer than " + MAX_SERVICE_LENGTH + " characters");
        }
        return new DashboardParams(from, to, service, window(query.get("window")));
    }

    private static Window window(String value) {
        if (value == null || value.isEmpty() || value.equals("auto")) {
            return Window.AUTO;
        }
        switch (value) {
            case "1m":
                return Window.ONE_MINUTE;
            case "1h":
                return Window.ONE_HOUR;
            default:
                throw new IllegalArgumentException("window: '1m', '1h' or 'auto', not the given value");
        }
    }

    /**
     * An instant with an offset ({@code 2023-11-16T10:00:00Z}, {@code …+01:00}), a local date-time
     * or a date, both read as UTC (the page shows UTC throughout).
     */
    static Instant instant(String name, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException notWithOffset) {
            // fall through to the forms without an offset
        }
        try {
            return LocalDateTime.parse(value).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException notLocal) {
            // fall through
        }
        try {
            return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + ": not an ISO-8601 time such as 2023-11-16T10:00:00Z");
        }
    }
}
