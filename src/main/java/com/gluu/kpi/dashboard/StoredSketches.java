package com.gluu.kpi.dashboard;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.gluu.kpi.latency.LatencySketches;

/**
 * The one place where the dashboard turns a stored {@code kpi.latency.sketch} into a DDSketch.
 * The stored byte format may change in a later migration (issue 12, part 2); when it does, this
 * method is the line to change, and every percentile the dashboard shows follows.
 */
final class StoredSketches {
    private StoredSketches() {}

    static DDSketch decode(byte[] stored) {
        return LatencySketches.fromBytes(stored);
    }

    /** Merges {@code other} into {@code into} (creating it if null) and returns it. */
    static DDSketch merge(DDSketch into, DDSketch other) {
        if (into == null) {
            DDSketch copy = LatencySketches.create();
            copy.mergeWith(other);
            return copy;
        }
        into.mergeWith(other);
        return into;
    }

    /** The sketch's value at {@code quantile}, or null when it holds nothing. */
    static Double quantile(DDSketch sketch, double quantile) {
        if (sketch == null || sketch.isEmpty()) {
            return null;
        }
        return sketch.getValueAtQuantile(quantile);
    }
}
