package com.gluu.kpi.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The KPI rows SPEC §3–4 prescribe for a {@link GeneratedTrace}, computed the slow, obvious way:
 * walk the file in order applying the lateness and duplicate rules as SPEC words them, then
 * group the surviving inferences by window and key and keep every value.
 */
public final class ExpectedKpis {
    /** Expected dead-letter reason by line number. */
    public final Map<Integer, String> deadLetters = new TreeMap<>();
    /** Traffic key → counts {requests, ok, client_errors, errors, async, images}. */
    public final Map<List<Object>, long[]> traffic = new HashMap<>();
    /** Latency key (window_start, window_end, service, model, endpoint, stage) → all values. */
    public final Map<List<Object>, List<Double>> latency = new HashMap<>();
    public int duplicates;

    public static ExpectedKpis of(GeneratedTrace trace, long[] windowSizesMs, long outOfOrdernessMs, long latenessMs,
            long dedupMs) {
        ExpectedKpis expected = new ExpectedKpis();
        long maxAccepted = Long.MIN_VALUE;
        Map<String, Long> firstSeen = new LinkedHashMap<>();
        List<GeneratedTrace.Line> counted = new ArrayList<>();
        for (GeneratedTrace.Line line : trace.lines) {
            if (line.badReason != null) {
                expected.deadLetters.put(line.number, line.badReason);
                continue;
            }
            // SPEC §3: later than watermark − allowed lateness is too late; the watermark trails
            // the highest event time seen by the allowed disorder (Flink: max − bound − 1 ms).
            if (maxAccepted != Long.MIN_VALUE && line.ts + latenessMs <= maxAccepted - outOfOrdernessMs - 1) {
                expected.deadLetters.put(line.number, "too_late");
                continue;
            }
            maxAccepted = Math.max(maxAccepted, line.ts);
            Long first = firstSeen.get(line.eventId);
            if (first != null && Math.abs(line.ts - first) <= dedupMs) {
                expected.duplicates++;
                continue;
            }
            firstSeen.putIfAbsent(line.eventId, line.ts);
            counted.add(line);
        }
        for (GeneratedTrace.Line line : counted) {
            if (line.inference == null) {
                continue;
            }
            GeneratedTrace.Inference inf = line.inference;
            for (long size : windowSizesMs) {
                long start = Math.floorDiv(line.ts, size) * size;
                long end = start + size;
                long[] c = expected.traffic.computeIfAbsent(
                        List.of(start, end, inf.service, inf.route, inf.model, inf.endpoint), k -> new long[6]);
                c[0]++;
                c[1] += inf.status.equals("ok") ? 1 : 0;
                c[2] += inf.status.equals("client_error") ? 1 : 0;
                c[3] += inf.status.equals("error") ? 1 : 0;
                c[4] += inf.async ? 1 : 0;
                c[5] += inf.images;
                expected.addLatency(start, end, inf, "total", round3(inf.total));
                if (inf.modelMs != null) {
                    expected.addLatency(start, end, inf, "model", round3(inf.modelMs));
                }
                if (inf.llmMs != null) {
                    expected.addLatency(start, end, inf, "llm", round3(inf.llmMs));
                }
            }
        }
        return expected;
    }

    /** The file carries values with three decimals. */
    private static double round3(double v) {
        return Double.parseDouble(String.format(java.util.Locale.ROOT, "%.3f", v));
    }

    private void addLatency(long start, long end, GeneratedTrace.Inference inf, String stage, double value) {
        latency.computeIfAbsent(List.of(start, end, inf.service, inf.model, inf.endpoint, stage), k -> new ArrayList<>())
                .add(value);
    }
}
