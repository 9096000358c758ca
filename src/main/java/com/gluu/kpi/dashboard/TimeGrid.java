package com.gluu.kpi.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The windows one dashboard answer covers: every window of one size whose start lies in
 * [{@link #start}, {@link #end}), aligned to the epoch as the job's windows are (SPEC §3). The
 * first one is the window holding the range's {@code from}, so a range that starts mid-window
 * shows that whole window rather than silently dropping it; {@link #start} and {@link #end} are
 * what the page prints as the span it shows. Every chart series is one value per window, null
 * where the table has no row.
 */
final class TimeGrid {
    final Instant start;
    final Instant end;
    final Duration step;
    final int size;

    TimeGrid(Instant from, Instant to, Duration step) {
        long stepMs = step.toMillis();
        long first = Math.floorDiv(from.toEpochMilli(), stepMs) * stepMs;
        long count = Math.max(1, Math.floorDiv(to.toEpochMilli() - first + stepMs - 1, stepMs));
        if (count > DashboardReader.MAX_WINDOWS) {
            throw new IllegalArgumentException("the range holds " + count + " windows of " + step.toMinutes()
                    + " min; at most " + DashboardReader.MAX_WINDOWS + " are drawn (choose a shorter range or window=1h)");
        }
        this.start = Instant.ofEpochMilli(first);
        this.step = step;
        this.size = (int) count;
        this.end = Instant.ofEpochMilli(first + count * stepMs);
    }

    /** The index of the window starting at {@code windowStart}, or -1 if it is not in the grid. */
    int index(Instant windowStart) {
        long offset = windowStart.toEpochMilli() - start.toEpochMilli();
        if (offset < 0 || offset % step.toMillis() != 0) {
            return -1;
        }
        long i = offset / step.toMillis();
        return i < size ? (int) i : -1;
    }

    /** The window starts in epoch seconds: the charts' x values. */
    List<Long> epochSeconds() {
        List<Long> t = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            t.add(start.getEpochSecond() + i * step.getSeconds());
        }
        return t;
    }

    /** A series of nulls, one per window. */
    Double[] empty() {
        return new Double[size];
    }
}
