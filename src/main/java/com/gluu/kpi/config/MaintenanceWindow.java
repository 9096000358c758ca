package com.gluu.kpi.config;

import java.io.Serializable;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * A recurring maintenance window of the rules file (SPEC §5 "Silences and maintenance"): every
 * day, or on some days of the week, from {@code start} (UTC) for {@code duration}, the
 * transitions of episodes its matchers match (equality on rule, severity or label, as
 * {@code kpi.silences}) are recorded but not sent. A window may run past midnight.
 */
public final class MaintenanceWindow implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final Map<String, String> match;
    private final Set<DayOfWeek> days;
    private final LocalTime start;
    private final Duration duration;

    public MaintenanceWindow(String name, Map<String, String> match, Set<DayOfWeek> days, LocalTime start,
            Duration duration) {
        this.name = name;
        this.match = new TreeMap<>(match);
        this.days = days.isEmpty() ? EnumSet.allOf(DayOfWeek.class) : EnumSet.copyOf(days);
        this.start = start;
        this.duration = duration;
    }

    public String name() {
        return name;
    }

    /** Whether {@code t} (event time) falls in an occurrence of the window. */
    public boolean covers(Instant t) {
        ZonedDateTime at = t.atZone(ZoneOffset.UTC);
        // an occurrence that covers t started on t's day or, for a window past midnight, up to
        // duration earlier: try every day back to that
        long daysBack = duration.toDays() + 1;
        for (long back = 0; back <= daysBack; back++) {
            ZonedDateTime day = at.minusDays(back);
            if (!days.contains(day.getDayOfWeek())) {
                continue;
            }
            ZonedDateTime begin = day.toLocalDate().atTime(start).atZone(ZoneOffset.UTC);
            if (!at.isBefore(begin) && at.isBefore(begin.plus(duration))) {
                return true;
            }
        }
        return false;
    }

    /** Whether its matchers all equal the episode's rule, severity or label of that name. */
    public boolean matches(String rule, String severity, Map<String, ?> labels) {
        for (Map.Entry<String, String> m : match.entrySet()) {
            Object actual;
            switch (m.getKey()) {
                case "rule": actual = rule; break;
                case "severity": actual = severity; break;
                default: actual = labels.get(m.getKey());
            }
            if (actual == null || !m.getValue().equals(actual.toString())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof MaintenanceWindow)) {
            return false;
        }
        MaintenanceWindow w = (MaintenanceWindow) o;
        return name.equals(w.name) && match.equals(w.match) && days.equals(w.days) && start.equals(w.start)
                && duration.equals(w.duration);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, match, days, start, duration);
    }

    @Override
    public String toString() {
        return name + ": " + match + " on " + days + " from " + start + " UTC for " + Durations.format(duration);
    }
}
