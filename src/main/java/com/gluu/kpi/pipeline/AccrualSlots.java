package com.gluu.kpi.pipeline;

import java.time.Duration;
import java.util.List;

/**
 * The accrual slot: the longest stretch of event time that no window boundary of any configured
 * size cuts, i.e. the greatest common divisor of the window sizes (1 minute for the default
 * [1m, 1h]). Slots are aligned to the epoch like the windows, so every slot lies inside exactly
 * one window of each size and a window's value is the sum of its slots.
 */
public final class AccrualSlots {
    private AccrualSlots() {}

    /** The slot size in milliseconds for these window sizes (each at least 1 ms). */
    public static long size(List<Duration> windowSizes) {
        if (windowSizes == null || windowSizes.isEmpty()) {
            throw new IllegalArgumentException("no window sizes");
        }
        long gcd = 0;
        for (Duration d : windowSizes) {
            long ms = d.toMillis();
            if (ms <= 0) {
                throw new IllegalArgumentException("window size " + d + " is not positive");
            }
            gcd = gcd(gcd, ms);
        }
        return gcd;
    }

    /** Start of the slot that contains {@code t} (epoch-aligned, also for negative times). */
    public static long slotStart(long t, long slotMs) {
        return t - Math.floorMod(t, slotMs);
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long r = a % b;
            a = b;
            b = r;
        }
        return a;
    }
}
