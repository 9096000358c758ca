package com.gluu.kpi.pipeline;

/**
 * Sent once by each parse subtask when a bounded input ends, before the final watermark: the
 * latest event time it admitted ({@code Long.MIN_VALUE} if none). Operators that accrue time
 * through windows (endpoint billing, task time) stop there instead of at the end of time
 * (SPEC §4: "at the end of a bounded input, up to the latest event time seen").
 */
public class InputEnd {
    public long maxEventTs = Long.MIN_VALUE;

    public InputEnd() {}

    public InputEnd(long maxEventTs) {
        this.maxEventTs = maxEventTs;
    }
}
