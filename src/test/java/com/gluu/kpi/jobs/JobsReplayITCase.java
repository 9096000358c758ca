package com.gluu.kpi.jobs;

import static com.gluu.kpi.pipeline.GeneratedReplayITCase.assertWithinOnePercentOfRank;
import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.pipeline.JobCounts;
import com.gluu.kpi.testing.PostgresExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A generated 70-minute trace of async jobs — webhooked analyses, per-image annotation and
 * thumbnail jobs, failures, webhook retries, stuck jobs, a job whose {@code submitted} never
 * comes, repeated states and producer duplicates, all arriving up to 20 s out of order — replayed
 * through the real job into a real PostgreSQL. Every {@code kpi.jobs} row is compared with what
 * this test computes from the generator's own record of each job, by SPEC §4 (percentiles within
 * 1 % of the true value at their rank), and the stored end-to-end sketches merge in SQL. The
 * shipped rules {@code jobs_stuck} and {@code webhook_failures} must give exactly the episodes and
 * evidence this test works out minute by minute from the same records (a webhook outage from
 * minute 40 to 46 fails every attempt).
 */
class JobsReplayITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final long SECOND = 1_000;
    private static final long MINUTE = 60 * SECOND;
    private static final long[] SIZES = {MINUTE, 60 * MINUTE};
    private static final long STUCK_AFTER = 15 * MINUTE;
    private static final long T0 = Instant.parse("2026-11-21T21:00:00Z").toEpochMilli();
    private static final long NONE = Long.MIN_VALUE;
    private static final long OUTAGE_FROM = T0 + 40 * MINUTE;
    private static final long OUTAGE_TO = T0 + 46 * MINUTE;

    @TempDir
    static Path tmp;

    /** What the generator made of one job: the first ts of each state (NONE: it has none). */
    static final class Job {
        final String id;
        final String service;
        final String kind;
        long submitted = NONE;
        long started = NONE;
        long finished = NONE;
        boolean failed;
        long sent = NONE;
        /** Attempt → first ts of its webhook_failed. */
        final TreeMap<Integer, Long> webhookFailures = new TreeMap<>();

        Job(String id, String service, String kind) {
            this.id = id;
            this.service = service;
            this.kind = kind;
        }
    }

    /** One line of the file: its event and when it arrives. */
    record Line(long arrival, long ts, String json) {}

    private final Random random = new Random(15);
    private final List<Job> jobs = new ArrayList<>();
    private final List<Line> lines = new ArrayList<>();
    /** Every job event's (service, kind, ts), repeats included: each window holding one has a row. */
    private final List<Object[]> eventTimes = new ArrayList<>();
    private int eventIds;

    @Test
    void everyJobsRowEqualsTheIndependentComputation() throws Exception {
        generate();
        Path file = tmp.resolve("jobs.jsonl");
        List<Line> arrival = new ArrayList<>(lines);
        arrival.sort(Comparator.comparingLong(Line::arrival));
        Files.write(file, arrival.stream().map(Line::json).toList(), StandardCharsets.UTF_8);
        long inversions = 0;
        for (int i = 1; i < arrival.size(); i++) {
            inversions += arrival.get(i).ts() < arrival.get(i - 1).ts() ? 1 : 0;
        }
        assertThat(inversions).as("lines out of ts order").isGreaterThan(50);

        long started = System.nanoTime();
        // Parallelism 1 for the CI budget: 21.7 s at 2 in the full suite, 12 s at 1 alone. (JobJoinTest
        // covers the join's logic; at 2, the other replay tests run it, without job events.)
        JobConfig config = JobConfig.defaults().with(Map.of(JobConfig.PARALLELISM.key(), "1"));
        JobCounts counts = JobCounts.of(KpiJob.replayFile(config, file, POSTGRES.db().jdbc()));
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        assertThat(counts.records).isEqualTo(lines.size());
        assertThat(counts.deadLetters).isZero();
        assertThat(counts.duplicates).as("the producer retries").isEqualTo(8);

        Map<List<Object>, Expected> expected = expected();
        Map<List<Object>, Map<String, Object>> actual = new HashMap<>();
        for (Map<String, Object> r : POSTGRES.db().rows("SELECT * FROM kpi.jobs")) {
            actual.put(List.of(millis(r.get("window_start")), millis(r.get("window_end")), r.get("service"), r.get("kind")), r);
        }
        assertThat(new TreeSet<>(actual.keySet().stream().map(Object::toString).toList()))
                .isEqualTo(new TreeSet<>(expected.keySet().stream().map(Object::toString).toList()));
        for (Map.Entry<List<Object>, Expected> e : expected.entrySet()) {
            e.getValue().check(actual.get(e.getKey()), e.getKey().toString());
        }
        assertThat(expected.values().stream().mapToLong(x -> x.stuck).max().orElse(0)).as("stuck jobs seen").isEqualTo(3);
        assertThat(expected.values().stream().filter(x -> x.events == 0)).as("rows of idle windows with open jobs")
                .isNotEmpty();
        assertSketchesMergeInSql();
        assertJobsAlerts();
        System.out.println("JobsReplayITCase: " + lines.size() + " lines, " + actual.size() + " kpi.jobs rows, replay "
                + seconds + " s");
    }

    // ---------------------------------------------------------------- the trace

    private void generate() {
        for (int n = 0; n < 240; n++) {
            int type = n % 3;
            Job job = type == 0 ? new Job("a-" + n, "analyze-api", "analyze")
                    : type == 1 ? new Job("n-" + n, "annotation-worker", "annotation")
                    : new Job("t-" + n, "thumbnail-worker", ""); // kind absent: ''
            long s = T0 + (long) (random.nextDouble() * 65 * MINUTE);
            event(job, "submitted", s, 0);
            long st = s + 200 + random.nextInt(4_800);
            event(job, "started", st, 0);
            if (n % 24 == 5) {
                event(job, "started", st + 1_000 + random.nextInt(2_000), 0); // a repeated started (a worker retry)
            }
            long f = st + 1_000 + random.nextInt(29_000);
            event(job, n % 10 == 7 ? "failed" : "completed", f, 0);
            if (type == 0) {
                long w = f + 200 + random.nextInt(2_800);
                if (w >= OUTAGE_FROM && w < OUTAGE_TO) {
                    // the client's endpoint is down: attempts 1 and 2 fail, the third after it is back
                    event(job, "webhook_failed", w, 1);
                    event(job, "webhook_failed", Math.min(w + 30 * SECOND, OUTAGE_TO - 1), 2);
                    event(job, "webhook_sent", OUTAGE_TO + random.nextInt(20_000), 3);
                    jobs.add(job);
                    continue;
                }
                if (n % 42 == 3) {
                    event(job, "webhook_failed", w, 1);
                    if (n % 14 == 3) {
                        event(job, "webhook_failed", w + 500, 1); // the same attempt reported twice
                    }
                    w += 1_000 + random.nextInt(4_000);
                    event(job, "webhook_failed", w, 2);
                    w += 1_000 + random.nextInt(4_000);
                }
                event(job, "webhook_sent", w, 3);
            }
            jobs.add(job);
        }
        // Stuck: submitted (one also started) and never finished, at 2, 10 and 30 min.
        for (int i = 0; i < 3; i++) {
            Job stuck = new Job("stuck-" + i, "analyze-api", "analyze");
            long s = T0 + new long[] {2, 10, 30}[i] * MINUTE + 7 * SECOND;
            event(stuck, "submitted", s, 0);
            if (i == 1) {
                event(stuck, "started", s + 3 * SECOND, 0);
            }
            jobs.add(stuck);
        }
        // Its submitted never comes: it still counts, without queue and end-to-end durations.
        Job orphan = new Job("orphan", "analyze-api", "analyze");
        event(orphan, "started", T0 + 20 * MINUTE, 0);
        event(orphan, "completed", T0 + 20 * MINUTE + 4 * SECOND, 0);
        event(orphan, "webhook_sent", T0 + 20 * MINUTE + 5 * SECOND, 1);
        jobs.add(orphan);
        // Producer retries: 8 lines repeated with their event_id.
        for (int i = 0; i < 8; i++) {
            Line l = lines.get(i * 37);
            lines.add(new Line(l.arrival() + random.nextInt(5_000), l.ts(), l.json()));
        }
    }

    private void event(Job job, String state, long ts, int attempt) {
        String id = "e-" + (++eventIds);
        StringBuilder json = new StringBuilder("{\"event_id\":\"").append(id).append("\",\"type\":\"job\",\"ts\":\"")
                .append(Instant.ofEpochMilli(ts)).append("\",\"job_id\":\"").append(job.id).append("\",\"service\":\"")
                .append(job.service).append("\",\"state\":\"").append(state).append('"');
        if (!job.kind.isEmpty()) {
            json.append(",\"kind\":\"").append(job.kind).append('"');
        }
        if (attempt > 0) {
            json.append(",\"attempt\":").append(attempt);
        }
        json.append(",\"client_id\":\"acme\"}");
        lines.add(new Line(ts + random.nextInt(20_000), ts, json.toString()));
        eventTimes.add(new Object[] {job.service, job.kind, ts});
        // The job's record: the first ts of each state (events are generated in ts order per state).
        switch (state) {
            case "submitted" -> job.submitted = first(job.submitted, ts);
            case "started" -> job.started = first(job.started, ts);
            case "completed", "failed" -> {
                job.finished = first(job.finished, ts);
                job.failed = state.equals("failed");
            }
            case "webhook_failed" -> job.webhookFailures.merge(attempt, ts, Math::min);
            case "webhook_sent" -> job.sent = first(job.sent, ts);
            default -> throw new IllegalArgumentException(state);
        }
    }

    private static long first(long known, long ts) {
        return known == NONE ? ts : Math.min(known, ts);
    }

    // ---------------------------------------------------------------- the expectation

    /** One expected row, computed by the SPEC's definitions from the jobs' records. */
    static final class Expected {
        long events;
        long submitted;
        long completed;
        long failed;
        long sent;
        long webhookFailures;
        final List<Double> queue = new ArrayList<>();
        final List<Double> run = new ArrayList<>();
        final List<Double> e2e = new ArrayList<>();
        long open;
        long stuck;
        double oldestSeconds;

        void check(Map<String, Object> row, String what) {
            assertThat(row).as(what).isNotNull();
            assertThat(List.of(row.get("submitted"), row.get("completed"), row.get("failed"), row.get("webhooks_sent"),
                    row.get("webhooks_failed"))).as(what + " counts")
                    .isEqualTo(List.of(submitted, completed, failed, sent, webhookFailures));
            assertThat(List.of(row.get("open_at_end"), row.get("stuck_at_end"))).as(what + " open, stuck")
                    .isEqualTo(List.of(open, stuck));
            assertThat((Double) row.get("oldest_open_seconds")).as(what + " oldest").isEqualTo(oldestSeconds);
            percentile(row, "queue_p95_ms", queue, 0.95, what);
            percentile(row, "run_p95_ms", run, 0.95, what);
            percentile(row, "e2e_p50_ms", e2e, 0.50, what);
            percentile(row, "e2e_p95_ms", e2e, 0.95, what);
            percentile(row, "e2e_p99_ms", e2e, 0.99, what);
            assertThat(row.get("e2e_sketch") == null).as(what + " e2e_sketch null").isEqualTo(e2e.isEmpty());
        }

        private static void percentile(Map<String, Object> row, String column, List<Double> values, double q, String what) {
            Object value = row.get(column);
            if (values.isEmpty()) {
                assertThat(value).as(what + " " + column).isNull();
                return;
            }
            List<Double> sorted = values.stream().sorted().toList();
            assertWithinOnePercentOfRank((Double) value, sorted, q, what + " " + column);
        }
    }

    private Map<List<Object>, Expected> expected() {
        long end = lines.stream().mapToLong(Line::ts).max().orElseThrow(); // the latest event time seen
        Map<List<Object>, Expected> rows = new HashMap<>();
        for (long size : SIZES) {
            for (Object[] e : eventTimes) {
                row(rows, size, (long) e[2], (String) e[0], (String) e[1]).events++;
            }
            for (Job j : jobs) {
                count(rows, size, j, j.submitted, x -> x.submitted++);
                count(rows, size, j, j.finished, x -> {
                    if (j.failed) {
                        x.failed++;
                    } else {
                        x.completed++;
                    }
                });
                count(rows, size, j, j.sent, x -> x.sent++);
                for (long ts : j.webhookFailures.values()) {
                    count(rows, size, j, ts, x -> x.webhookFailures++);
                }
                if (j.started != NONE && j.submitted != NONE) {
                    row(rows, size, j.started, j.service, j.kind).queue.add((double) (j.started - j.submitted));
                }
                if (j.finished != NONE && j.started != NONE) {
                    row(rows, size, j.finished, j.service, j.kind).run.add((double) (j.finished - j.started));
                }
                if (j.sent != NONE && j.submitted != NONE) {
                    row(rows, size, j.sent, j.service, j.kind).e2e.add((double) (j.sent - j.submitted));
                }
            }
            // Gauges at each window's end, or at the end of the input for the window holding it;
            // nothing after it.
            for (long start = T0; start <= end; start += size) {
                boolean holdsEnd = end < start + size;
                long at = holdsEnd ? end : start + size;
                long cutoff = holdsEnd ? end : start + size - 1; // events before window_end: ts ≤ end − 1
                for (Job j : jobs) {
                    boolean open = j.submitted != NONE && j.submitted <= cutoff
                            && !(j.finished != NONE && j.finished <= cutoff) && !(j.sent != NONE && j.sent <= cutoff);
                    if (open) {
                        Expected x = row(rows, size, start, j.service, j.kind);
                        x.open++;
                        x.stuck += at - j.submitted > STUCK_AFTER ? 1 : 0;
                        x.oldestSeconds = Math.max(x.oldestSeconds, (at - j.submitted) / 1000.0);
                    }
                }
            }
        }
        return rows;
    }

    private static void count(Map<List<Object>, Expected> rows, long size, Job j, long ts,
            java.util.function.Consumer<Expected> add) {
        if (ts != NONE) {
            add.accept(row(rows, size, ts, j.service, j.kind));
        }
    }

    private static Expected row(Map<List<Object>, Expected> rows, long size, long ts, String service, String kind) {
        long start = ts - Math.floorMod(ts, size);
        return rows.computeIfAbsent(List.of(start, start + size, service, kind), k -> new Expected());
    }

    // ---------------------------------------------------------------- alerts

    /**
     * The shipped rules worked out minute by minute over the input's minutes (evaluation time = the
     * minute's end): {@code jobs_stuck} per (service, kind), breached when the 1-minute row's
     * stuck_at_end ≥ 1, fires on the 5th breach in a row (the episode starts at the first), resolves
     * at the first minute without a stuck job; {@code webhook_failures} per service, the failed
     * share of attempts in the last 15 minutes with at least 20 attempts, fires on the 2nd breach
     * above 5 % in a row, resolves once it has stayed at or below 2.5 % (or had no value) for 10 minutes.
     */
    private void assertJobsAlerts() throws Exception {
        Map<List<Object>, Expected> rows = expected();
        long first = lines.stream().mapToLong(Line::ts).min().orElseThrow() / MINUTE;
        long last = lines.stream().mapToLong(Line::ts).max().orElseThrow() / MINUTE;
        List<String> want = new ArrayList<>();
        Map<String, List<String>> wantEvidence = new HashMap<>();
        // jobs_stuck
        for (List<String> group : List.of(List.of("analyze-api", "analyze"), List.of("annotation-worker", "annotation"),
                List.of("thumbnail-worker", ""))) {
            long run = 0;
            long start = NONE;
            for (long m = first; m <= last; m++) {
                Expected x = rows.get(List.of(m * MINUTE, (m + 1) * MINUTE, group.get(0), group.get(1)));
                long stuck = x == null ? 0 : x.stuck;
                if (start != NONE) {
                    if (stuck == 0) {
                        want.add("jobs_stuck " + group + " " + start + " resolved " + (m + 1 - T0 / MINUTE));
                        start = NONE;
                        run = 0;
                    }
                    continue;
                }
                run = stuck > 0 ? run + 1 : 0;
                if (run == 5) {
                    start = m - 4 + 1 - T0 / MINUTE;
                    List<String> ids = new ArrayList<>();
                    long at = (m + 1) * MINUTE;
                    jobs.stream().filter(j -> j.service.equals(group.get(0)) && j.kind.equals(group.get(1))
                            && j.submitted != NONE && j.submitted < at && at - j.submitted > STUCK_AFTER
                            && !(j.finished != NONE && j.finished < at) && !(j.sent != NONE && j.sent < at))
                            .sorted(Comparator.comparingLong((Job j) -> j.submitted).thenComparing(j -> j.id))
                            .forEach(j -> ids.add(j.id));
                    wantEvidence.put("jobs_stuck " + group + " " + start, ids);
                }
            }
            if (start != NONE) {
                want.add("jobs_stuck " + group + " " + start + " firing");
            }
        }
        // webhook_failures: attempts by minute, each job's first webhook_sent and each failed attempt once
        TreeMap<Long, long[]> attempts = new TreeMap<>();
        for (Job j : jobs) {
            if (!j.service.equals("analyze-api")) {
                continue;
            }
            if (j.sent != NONE) {
                attempts.computeIfAbsent(j.sent / MINUTE, k -> new long[2])[0]++;
            }
            for (long ts : j.webhookFailures.values()) {
                long[] a = attempts.computeIfAbsent(ts / MINUTE, k -> new long[2]);
                a[0]++;
                a[1]++;
            }
        }
        long breaches = 0;
        long start = NONE;
        long clearSince = NONE;
        for (long m = first; m <= last; m++) {
            long n = 0;
            long failed = 0;
            for (long[] a : attempts.subMap(m - 14, true, m, true).values()) {
                n += a[0];
                failed += a[1];
            }
            boolean hasValue = n >= 20;
            double rate = hasValue ? failed / (double) n : Double.NaN;
            long t = m + 1 - T0 / MINUTE; // evaluation time, minutes after T0
            if (start == NONE) {
                breaches = hasValue && rate > 0.05 ? breaches + 1 : 0;
                if (breaches == 2) {
                    start = t - 1;
                    List<Object[]> failures = new ArrayList<>();
                    for (Job j : jobs) {
                        for (long ts : j.webhookFailures.values()) {
                            if (j.service.equals("analyze-api") && ts / MINUTE > m - 15 && ts / MINUTE <= m) {
                                failures.add(new Object[] {ts, j.id});
                            }
                        }
                    }
                    failures.sort(Comparator.comparingLong((Object[] f) -> -(long) f[0]).thenComparing(f -> (String) f[1]));
                    List<String> ids = new ArrayList<>();
                    for (Object[] f : failures) {
                        if (!ids.contains(f[1]) && ids.size() < 20) {
                            ids.add((String) f[1]);
                        }
                    }
                    wantEvidence.put("webhook_failures [analyze-api] " + start, ids);
                }
            } else if (hasValue && rate > 0.025) {
                clearSince = NONE;
            } else {
                clearSince = clearSince == NONE ? t : clearSince;
                if (t - clearSince >= 10) {
                    want.add("webhook_failures [analyze-api] " + start + " resolved " + t);
                    start = NONE;
                    clearSince = NONE;
                    breaches = 0;
                }
            }
        }
        if (start != NONE) {
            want.add("webhook_failures [analyze-api] " + start + " firing");
        }
        assertThat(want).as("the trace has a stuck episode and a webhook outage episode")
                .anyMatch(w -> w.startsWith("jobs_stuck")).anyMatch(w -> w.startsWith("webhook_failures"));

        List<String> got = new ArrayList<>();
        Map<String, List<String>> gotEvidence = new HashMap<>();
        for (Map<String, Object> r : POSTGRES.db().rows("SELECT a.alert_id, rule, labels->>'service' AS service,"
                + " labels->>'kind' AS kind, state, started_at, resolved_at,"
                + " (SELECT string_agg(request_id, ',' ORDER BY ts DESC, request_id) FROM kpi.alert_evidence e"
                + "  WHERE e.alert_id = a.alert_id) AS evidence FROM kpi.alerts a")) {
            List<String> group = r.get("rule").equals("jobs_stuck") ? List.of((String) r.get("service"), (String) r.get("kind"))
                    : List.of((String) r.get("service"));
            String key = r.get("rule") + " " + group + " " + (millis(r.get("started_at")) - T0) / MINUTE;
            got.add(key + " " + r.get("state")
                    + (r.get("resolved_at") == null ? "" : " " + (millis(r.get("resolved_at")) - T0) / MINUTE));
            gotEvidence.put(key, r.get("evidence") == null ? List.of() : List.of(((String) r.get("evidence")).split(",")));
        }
        assertThat(got).containsExactlyInAnyOrderElementsOf(want);
        // the evidence rows' order in SQL is by ts: stuck jobs were all taken at the same minute's end,
        // so compare as sets there; failed webhooks latest first
        for (Map.Entry<String, List<String>> e : wantEvidence.entrySet()) {
            if (e.getKey().startsWith("jobs_stuck")) {
                assertThat(gotEvidence.get(e.getKey())).as(e.getKey()).containsExactlyInAnyOrderElementsOf(e.getValue());
            } else {
                assertThat(gotEvidence.get(e.getKey())).as(e.getKey()).containsExactlyElementsOf(e.getValue());
            }
        }
        System.out.println("JobsReplayITCase alerts: " + got + " evidence " + gotEvidence);
    }

    // ---------------------------------------------------------------- SQL

    /** The 1-minute e2e sketches of analyze-api merged in SQL: p95 within 1 % of all its end-to-end durations. */
    private void assertSketchesMergeInSql() throws Exception {
        List<Double> all = jobs.stream().filter(j -> j.service.equals("analyze-api") && j.sent != NONE && j.submitted != NONE)
                .map(j -> (double) (j.sent - j.submitted)).sorted().toList();
        Map<String, Object> merged = POSTGRES.db().rows("SELECT kpi.sketch_quantile(kpi.sketch_merge(e2e_sketch), 0.95) AS p95"
                + " FROM kpi.jobs WHERE window_end - window_start = interval '1 minute' AND service = 'analyze-api'").get(0);
        assertWithinOnePercentOfRank((Double) merged.get("p95"), all, 0.95, "merged e2e p95");
    }

    private static long millis(Object timestamp) {
        return timestamp instanceof OffsetDateTime o ? o.toInstant().toEpochMilli()
                : ((java.sql.Timestamp) timestamp).getTime();
    }
}
