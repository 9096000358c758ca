package com.gluu.kpi.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The arithmetic of the freshness benchmark (the figure itself comes from scripts/freshness.sh). */
class FreshnessTest {

    @Test
    void lagIsVisibilityMinusWindowEndMinusTheWatermarkDelay() {
        // Window [12:00, 12:01) = ends at 60,000 ms; with a 30 s delay the watermark can pass it at
        // 90,000 ms at the earliest. First row seen at 91,250, last at 92,000.
        Freshness.WindowSeen w = new Freshness.WindowSeen(60_000, 91_250, 92_000);

        assertThat(w.firstLag(30_000)).isEqualTo(1_250);
        assertThat(w.lastLag(30_000)).isEqualTo(2_000);
    }

    @Test
    void onlyWindowsEndingAfterTheFirstRowAndFollowedByAnotherCount() {
        TreeMap<Long, long[]> byEnd = new TreeMap<>();
        byEnd.put(60_000L, new long[] {95_000, 95_000, 3});   // ended before the first row: the job may have joined mid-window
        byEnd.put(120_000L, new long[] {151_000, 151_500, 4}); // counted
        byEnd.put(180_000L, new long[] {211_000, 211_000, 4}); // counted
        byEnd.put(240_000L, new long[] {271_000, 271_000, 2}); // the newest: more of its rows may come

        List<Freshness.WindowSeen> measured = Freshness.measured(byEnd, 95_000);

        assertThat(measured).containsExactly(new Freshness.WindowSeen(120_000, 151_000, 151_500),
                new Freshness.WindowSeen(180_000, 211_000, 211_000));
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(Freshness.median(List.of(1L, 2L, 4L, 9L))).isEqualTo(3.0);
        assertThat(Freshness.median(List.of(1L, 2L, 9L))).isEqualTo(2.0);
    }
}
