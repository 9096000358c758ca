package com.gluu.kpi.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What SPEC §4 says {@code kpi.jobs} adds up to over the whole demo trace, and the episodes SPEC
 * §5's {@code jobs_stuck} and {@code webhook_failures} (as shipped in {@code jobs/alert-rules.yaml})
 * give, worked out from the JSON lines alone: each job's first time of each state, then minute by
 * minute. No pipeline code.
 */
final class ExpectedDemoJobs {
    static final long MINUTE = 60_000;
    static final long STUCK_AFTER = 15 * MINUTE; // jobs.stuck_after
    static final long NONE = Long.MIN_VALUE;

    /** One job: its (service, kind) and the first ts of each state (NONE: it has none). */
    static final class Job {
        final String key;
        long submitted = NONE;
        long completed = NONE;
        long failed = NONE;
        long sent = NONE;
        /** attempt → first ts of its webhook_failed */
        final Map<Integer, Long> webhookFailures = new TreeMap<>();

        Job(String key) {
            this.key = key;
        }

        /** Open at a window's end: submitted before it and not completed, failed (or webhooked) before it. */
        boolean openAt(long cutoff) {
            return submitted != NONE && submitted <= cutoff && !before(completed, cutoff) && !before(failed, cutoff)
                    && !before(sent, cutoff);
        }

        private static boolean before(long ts, long cutoff) {
            return ts != NONE && ts <= cutoff;
        }
    }

    /** Whole-trace figures of one (service, kind), as the summary shows them. */
    static final class Totals {
        long submitted;
        long completed;
        long failed;
        long sent;
        long webhooksFailed;
        final List<Double> e2e = new ArrayList<>();
        long maxStuck;
        long stuckAtEnd;
    }

    /** "service/kind" → totals. */
    final Map<String, Totals> totals = new TreeMap<>();
    /** Every episode of the two rules: "rule labels start_ms [resolved_ms]", labels "service/kind" or "service". */
    final List<String> episodes = new ArrayList<>();
    /** The minutes the jobs_stuck rule evaluates and the latest event time seen (the input's end). */
    long firstMinute = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;

    private final Map<String, Job> jobs = new LinkedHashMap<>();

    static ExpectedDemoJobs of(List<String> lines) {
        ExpectedDemoJobs e = new ExpectedDemoJobs();
        e.read(lines);
        e.totals();
        e.jobsStuck();
        e.webhookFailures();
        return e;
    }

    private void read(List<String> lines) {
        ObjectMapper json = new ObjectMapper();
        Set<String> seen = new HashSet<>();
        for (String line : lines) {
            JsonNode e;
            try {
                e = json.readTree(line);
            } catch (Exception notJson) {
                continue;
            }
            String type = e.path("type").asText();
            if (!Set.of("inference", "feedback", "endpoint", "task", "job").contains(type)
                    || e.path("latency_ms").path("total").asDouble() < 0 || !seen.add(e.get("event_id").asText())) {
                continue;
            }
            long ts = OffsetDateTime.parse(e.get("ts").asText()).toInstant().toEpochMilli();
            end = Math.max(end, ts);
            firstMinute = Math.min(firstMinute, Math.floorDiv(ts, MINUTE));
            if (!type.equals("job")) {
                continue;
            }
            Job job = jobs.computeIfAbsent(e.get("job_id").asText(),
                    id -> new Job(e.get("service").asText() + "/" + e.path("kind").asText("")));
            switch (e.get("state").asText()) {
                case "submitted" -> job.submitted = first(job.submitted, ts);
                case "completed" -> job.completed = first(job.completed, ts);
                case "failed" -> job.failed = first(job.failed, ts);
                case "webhook_sent" -> job.sent = first(job.sent, ts);
                case "webhook_failed" -> job.webhookFailures.merge(e.get("attempt").asInt(), ts, Math::min);
                default -> { } // started: no figure of the summary needs it
            }
        }
    }

    private static long first(long known, long ts) {
        return known == NONE ? ts : Math.min(known, ts);
    }

    private void totals() {
        jobs.values().forEach(j -> {
            Totals t = totals.computeIfAbsent(j.key, k -> new Totals());
            t.submitted += j.submitted != NONE ? 1 : 0;
            t.completed += j.completed != NONE ? 1 : 0;
            t.failed += j.failed != NONE ? 1 : 0;
            t.sent += j.sent != NONE ? 1 : 0;
            t.webhooksFailed += j.webhookFailures.size();
            if (j.sent != NONE && j.submitted != NONE) {
                t.e2e.add((double) (j.sent - j.submitted));
            }
        });
        totals.values().forEach(t -> t.e2e.sort(null));
        for (long m = firstMinute; m <= Math.floorDiv(end, MINUTE); m++) {
            for (Map.Entry<String, Totals> t : totals.entrySet()) {
                long stuck = stuck(t.getKey(), m);
                t.getValue().maxStuck = Math.max(t.getValue().maxStuck, stuck);
                t.getValue().stuckAtEnd = stuck; // the last minute's: the input's end
            }
        }
    }

    /** stuck_at_end of the 1-minute window m: at its end, or at the input's end for the window holding it. */
    long stuck(String key, long m) {
        boolean holdsEnd = end < (m + 1) * MINUTE;
        long at = holdsEnd ? end : (m + 1) * MINUTE;
        long cutoff = holdsEnd ? end : at - 1; // events before window_end
        return jobs.values().stream().filter(j -> j.key.equals(key) && j.openAt(cutoff) && at - j.submitted > STUCK_AFTER)
                .count();
    }

    /**
     * jobs_stuck per (service, kind), every minute of the input: breached when the minute's
     * stuck_at_end ≥ 1; fires on the 5th breach in a row, the episode starting at the end of the
     * first; resolves at the end of the first minute without a stuck job.
     */
    private void jobsStuck() {
        for (String key : totals.keySet()) {
            int run = 0;
            long start = NONE;
            for (long m = firstMinute; m <= Math.floorDiv(end, MINUTE); m++) {
                long stuck = stuck(key, m);
                if (start != NONE) {
                    if (stuck == 0) {
                        episodes.add("jobs_stuck " + key + " " + start + " " + (m + 1) * MINUTE);
                        start = NONE;
                        run = 0;
                    }
                    continue;
                }
                run = stuck > 0 ? run + 1 : 0;
                if (run == 5) {
                    start = (m - 3) * MINUTE;
                }
            }
            if (start != NONE) {
                episodes.add("jobs_stuck " + key + " " + start);
            }
        }
    }

    /**
     * webhook_failures per service: failed / (sent + failed) attempts over the last 15 minutes
     * (each job's first webhook_sent and each failed attempt once, in the minute of its ts),
     * judged with at least 20 attempts; fires on the 2nd breach above 5 % in a row, the episode
     * starting at the end of the first; resolves once it has stayed at or below 2.5 % (or had no
     * value) for 10 minutes.
     */
    private void webhookFailures() {
        Map<String, TreeMap<Long, long[]>> byService = new TreeMap<>(); // service → minute → {attempts, failed}
        for (Job j : jobs.values()) {
            TreeMap<Long, long[]> attempts = byService.computeIfAbsent(j.key.substring(0, j.key.indexOf('/')),
                    k -> new TreeMap<>());
            if (j.sent != NONE) {
                attempts.computeIfAbsent(Math.floorDiv(j.sent, MINUTE), k -> new long[2])[0]++;
            }
            for (long ts : j.webhookFailures.values()) {
                long[] a = attempts.computeIfAbsent(Math.floorDiv(ts, MINUTE), k -> new long[2]);
                a[0]++;
                a[1]++;
            }
        }
        byService.forEach((service, attempts) -> {
            int breaches = 0;
            long start = NONE;
            long clearSince = NONE;
            for (long m = firstMinute; m <= Math.floorDiv(end, MINUTE); m++) {
                long n = 0;
                long failed = 0;
                for (long[] a : attempts.subMap(m - 14, true, m, true).values()) {
                    n += a[0];
                    failed += a[1];
                }
                boolean hasValue = n >= 20;
                double rate = hasValue ? failed / (double) n : Double.NaN;
                long t = (m + 1) * MINUTE; // the evaluation's minute end
                if (start == NONE) {
                    breaches = hasValue && rate > 0.05 ? breaches + 1 : 0;
                    if (breaches == 2) {
                        start = t - MINUTE;
                    }
                } else if (hasValue && rate > 0.025) {
                    clearSince = NONE;
                } else {
                    clearSince = clearSince == NONE ? t : clearSince;
                    if (t - clearSince >= 10 * MINUTE) {
                        episodes.add("webhook_failures " + service + " " + start + " " + t);
                        start = NONE;
                        clearSince = NONE;
                        breaches = 0;
                    }
                }
            }
            if (start != NONE) {
                episodes.add("webhook_failures " + service + " " + start);
            }
        });
    }
}
