package com.gluu.kpi.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The demo's input: the bundled real request trace (Azure LLM inference trace 2023, "code"
 * sample; see {@code data/NOTICE.md}) turned into SPEC §2 events, with incidents injected.
 *
 * <p>Each CSV row ({@code TIMESTAMP, ContextTokens, GeneratedTokens}) becomes one
 * {@code inference} event at the row's own time (2023-11-16, UTC; the pipeline accepts any past
 * time), so the real arrival process — bursts and quiet minutes — drives the job. Everything
 * the CSV does not give is drawn from a {@link Random} with a fixed seed: the same CSV always
 * gives byte for byte the same file.
 *
 * <p>Latency model (milliseconds), per request:
 * <ul>
 *   <li>model (SageMaker BLIP-2): lognormal, median 1 200 × (1 + 0.35 × (images − 1)), σ 0.35;
 *   <li>llm (GPT-4o): (350 + prompt_tokens × 0.02 + completion_tokens × 25) × lognormal(σ 0.2);
 *   <li>total (ECS): model + llm + 50–150 of ECS overhead.
 * </ul>
 * About 1 % of requests are client errors (400 {@code invalid_image} / 413
 * {@code image_too_large}, answered in tens of ms), 0.3 % are server errors, and the rest ok.
 * Only a request whose GPT-4o call completed carries {@code llm} tokens (the CSV's tokens).
 *
 * <p>Injected incidents, at fixed offsets from the first full minute of the trace (for the
 * bundled trace, 18:17 UTC) and placed in busy stretches of it:
 * <ol>
 *   <li><b>latency spike</b>, minutes +18 to +24 (18:35–18:41): BLIP-2 inference 8× slower on
 *       the shared endpoint, so total p95 goes well above 10 s;
 *   <li><b>error burst</b>, minutes +26 to +30 (18:43–18:47): ~15 % of requests fail, half
 *       {@code sagemaker_timeout} (HTTP 504 after the app's 8 s SageMaker timeout), half
 *       {@code openai_429} (HTTP 500);
 *   <li><b>endpoint failure and restart</b>: {@code blip2-endpoint} is Failed at +36 (18:53) and
 *       InService again at +39 (18:56). In between every request, whatever its service (they all
 *       call that endpoint), fails fast with {@code sagemaker_unavailable} (HTTP 503).
 *   <li><b>webhook outage</b>, minutes +42 to +50 (18:59–19:07): the clients' webhook receivers
 *       answer 503, so every webhook attempt of the async analyses fails (see the jobs below).
 * </ol>
 *
 * <p>Operations around the requests, all on whole minutes:
 * <ul>
 *   <li>{@code endpoint} events: {@code blip2-endpoint} (ml.g5.xlarge × 1) Creating at −17 (18:00),
 *       InService at −10 (18:07); a scale-out in the spike, Updating × 2 at +20 (18:37) and
 *       InService × 2 at +23 (18:40); the failure and restart above. And an idle second endpoint,
 *       {@code llava-endpoint} (model llava, ml.g5.2xlarge × 1), InService from −10 and never
 *       called: its hosting is what shutting it down would save.
 *   <li>{@code task} events (Fargate): {@code analyze-api-1} and {@code -2} (1 vCPU, 2 GB),
 *       {@code annotate-worker-1} and {@code thumbnail-worker-1} (0.5 vCPU, 1 GB) RUNNING from −10;
 *       {@code analyze-api-3} RUNNING at +19 (in the spike) and STOPPED 20 minutes later.
 *   <li>{@code feedback} on about 10 % of the ok inferences, from a second seeded {@link Random}
 *       (so the inference lines are the same as without it): most 10 s–20 min after the
 *       inference, about a tenth 1–3 h after (past the last request, so the file's events run
 *       until about 22:00), about a tenth 1–8 min before it (overtaking it, within the
 *       pipeline's 10-minute wait); verdicts about 85 % right, about 60 % for requests in the
 *       spike or burst; 30 % from reviewers with a {@code score}. Plus
 *       {@link #UNMATCHED_FEEDBACK} verdicts on request ids no inference has (model
 *       {@code unmatched}).
 *   <li>{@code job} events, from a third seeded {@link Random} (so every other line stays as it
 *       was): each ok {@code async} request of analyze-api submits an {@code analyze} job at its
 *       own time with its {@code client_id}, started 0.2–3 s later, completed (or, about
 *       {@link #JOB_FAILED_SHARE 3 %}, failed) 5–30 s after that, and webhooked 0.2–2 s after
 *       the finish; about 1 % of webhooks fail once (HTTP 500) and go through 1–5 s later. A
 *       webhook attempt in the webhook outage fails (503): attempts 1 and 2, then attempt 3 is
 *       sent 1–60 s after the outage ends. About {@link #ANNOTATION_JOB_SHARE 20 %} of the ok
 *       annotate-worker requests queue an {@code annotation} job for their image (no webhook).
 *       And one {@link #STUCK_JOB_ID stuck} analyze job, submitted and started at +3 (18:20) and
 *       never finished.
 * </ul>
 * Every event goes in at its time, so the file is in event-time order (the retries apart).
 * Plus what real producers send: {@link #DUPLICATES} producer retries (the same line again a
 * few lines later, so the same {@code event_id}), and three bad records — a truncated JSON line,
 * an inference with a negative latency and an event of unknown type — that must end up in
 * {@code kpi.dead_letters}.
 */
public final class DemoTrace {
    /** Classpath location of the bundled trace (pom.xml ships {@code data/} as {@code demo/}). */
    public static final String CSV_RESOURCE = "/demo/azure-llm-inference-2023-code.csv";
    public static final long SEED = 20231116L;

    public static final String ENDPOINT = "blip2-endpoint";
    public static final String MODEL = "blip2";
    public static final String MODEL_VERSION = "blip2-opt-2.7b-2025-09";
    public static final String LLM_MODEL = "gpt-4o";
    public static final String ANALYZE = "analyze-api";
    public static final String ANNOTATE = "annotate-worker";
    public static final String THUMBNAIL = "thumbnail-worker";

    /** Incident windows, in minutes after the trace's first full minute: [start, end). */
    static final int SPIKE_FROM = 18;
    static final int SPIKE_TO = 24;
    static final int BURST_FROM = 26;
    static final int BURST_TO = 30;
    static final int OUTAGE_FROM = 36;
    static final int OUTAGE_TO = 39;

    static final double SPIKE_FACTOR = 8;
    static final double BURST_ERROR_SHARE = 0.15;
    /** CSV rows (0-based) whose event is sent a second time, {@link #RETRY_DELAY_LINES} lines later. */
    static final int[] RETRIED_ROWS = {500, 2500, 4500, 6500, 8500};
    public static final int DUPLICATES = RETRIED_ROWS.length;
    static final int RETRY_DELAY_LINES = 3;
    /** The three bad records go in front of these CSV rows. */
    static final int MALFORMED_AT = 1000;
    static final int NEGATIVE_LATENCY_AT = 3000;
    static final int UNKNOWN_TYPE_AT = 6000;
    public static final int BAD_RECORDS = 3;

    /** The deployment comes up at these minutes (relative to the first full minute): endpoints, then tasks. */
    static final int CREATING_AT = -17;
    static final int READY_AT = -10;
    /** blip2-endpoint scales out from 1 to 2 instances during the spike: Updating, then InService. */
    static final int SCALE_OUT_FROM = 20;
    static final int SCALE_OUT_TO = 23;
    /** A third analyze-api task runs from here for {@link #EXTRA_TASK_MINUTES} minutes. */
    static final int EXTRA_TASK_AT = 19;
    static final int EXTRA_TASK_MINUTES = 20;
    public static final String IDLE_ENDPOINT = "llava-endpoint";
    public static final String IDLE_MODEL = "llava";
    public static final String INSTANCE_TYPE = "ml.g5.xlarge";
    public static final String IDLE_INSTANCE_TYPE = "ml.g5.2xlarge";
    /** blip2: Creating, InService, Updating, InService, Failed, InService; llava: InService. */
    public static final int ENDPOINT_EVENTS = 7;
    /** Four tasks RUNNING from the start, a fifth RUNNING and later STOPPED. */
    public static final int TASK_EVENTS = 6;

    /** The webhook outage, in minutes after the trace's first full minute: [start, end). */
    static final int WEBHOOK_OUTAGE_FROM = 42;
    static final int WEBHOOK_OUTAGE_TO = 50;
    /** Job kinds (SPEC §2): analyze-api's webhooked analyses, annotate-worker's per-image jobs. */
    public static final String ANALYZE_KIND = "analyze";
    public static final String ANNOTATION_KIND = "annotation";
    /** Share of ok annotate-worker requests whose image goes through an annotation job. */
    static final double ANNOTATION_JOB_SHARE = 0.20;
    /** Share of jobs that fail instead of completing (an analyze job still sends its webhook). */
    static final double JOB_FAILED_SHARE = 0.03;
    /** Share of webhooks (outside the outage) whose first attempt fails and is retried. */
    static final double WEBHOOK_RETRY_SHARE = 0.01;
    /** The job that never finishes: submitted at this minute (+12.345 s) and started 1.5 s later. */
    static final int STUCK_JOB_AT = 3;
    public static final String STUCK_JOB_ID = "job-stuck-1";
    /** Mixed into the seed for the jobs' own {@link Random}. */
    private static final long JOB_SEED_XOR = 0x10B5L;

    /** Share of ok inferences that get a feedback event, and how that feedback is timed. */
    static final double FEEDBACK_SHARE = 0.10;
    static final double EARLY_FEEDBACK_SHARE = 0.10; // 1–8 min before its inference
    static final double LATE_FEEDBACK_SHARE = 0.10;  // 1–3 h after it; the rest 10 s–20 min after
    /** Feedback for request ids no inference has: counted under model 'unmatched'. */
    public static final int UNMATCHED_FEEDBACK = 5;
    /** Verdict odds {correct, partial} (the rest incorrect): normally, and for requests in the spike or burst. */
    static final double[] VERDICTS_NORMAL = {0.83, 0.08};
    static final double[] VERDICTS_INCIDENT = {0.50, 0.20};
    /** Share of feedback from reviewers, who give a score as well as a verdict. */
    static final double SCORED_SHARE = 0.30;

    private static final DateTimeFormatter CSV_TIME = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .toFormatter(Locale.ROOT);
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final String[] CLIENTS = {"acme-insurance", "fleetco", "homecheck", "rentals-eu", "autoparts-us"};

    /** One injected incident: what and when (UTC, [start, end)). */
    public static final class Incident {
        public final String name;
        public final Instant start;
        public final Instant end;
        public final String description;

        Incident(String name, Instant start, Instant end, String description) {
            this.name = name;
            this.start = start;
            this.end = end;
            this.description = description;
        }

        public boolean covers(Instant t) {
            return !t.isBefore(start) && t.isBefore(end);
        }

        @Override
        public String toString() {
            return name + " " + start + "–" + end + ": " + description;
        }
    }

    /** One row of the CSV. */
    public static final class Row {
        public final Instant time;
        public final long contextTokens;
        public final long generatedTokens;

        Row(Instant time, long contextTokens, long generatedTokens) {
            this.time = time;
            this.contextTokens = contextTokens;
            this.generatedTokens = generatedTokens;
        }
    }

    private final List<Row> rows;
    private final List<String> lines = new ArrayList<>();
    private final List<Incident> incidents;
    private final Instant firstMinute;
    private final Random random;
    private final long seed;
    /** What each CSV row's inference was: the jobs follow from it. */
    private final List<Request> requests = new ArrayList<>();
    private int feedbackEvents;
    private int jobEvents;
    private final ObjectMapper json = new ObjectMapper();

    private DemoTrace(List<Row> rows, long seed) {
        if (rows.size() <= RETRIED_ROWS[RETRIED_ROWS.length - 1] + RETRY_DELAY_LINES) {
            throw new IllegalArgumentException("the demo trace needs more than " + RETRIED_ROWS[RETRIED_ROWS.length - 1]
                    + " rows, got " + rows.size());
        }
        this.rows = rows;
        this.random = new Random(seed);
        this.seed = seed;
        this.firstMinute = rows.get(0).time.truncatedTo(ChronoUnit.MINUTES);
        this.incidents = List.of(
                new Incident("latency spike", minute(SPIKE_FROM), minute(SPIKE_TO),
                        "BLIP-2 inference ×" + (int) SPIKE_FACTOR + " slower on " + ENDPOINT + " (total p95 > 10 s)"),
                new Incident("error burst", minute(BURST_FROM), minute(BURST_TO),
                        "~" + Math.round(BURST_ERROR_SHARE * 100) + " % of requests fail: sagemaker_timeout (504),"
                                + " openai_429 (500)"),
                new Incident("endpoint failure + restart", minute(OUTAGE_FROM), minute(OUTAGE_TO),
                        ENDPOINT + " Failed, InService again 3 min later; requests meanwhile fail with"
                                + " sagemaker_unavailable (503)"),
                new Incident("webhook outage", minute(WEBHOOK_OUTAGE_FROM), minute(WEBHOOK_OUTAGE_TO),
                        "clients' webhook receivers answer 503: every webhook attempt of " + ANALYZE
                                + "'s async analyses fails, retried after it"));
    }

    /** The bundled trace with the fixed seed: what {@code demo} replays. */
    public static DemoTrace bundled() {
        try (InputStream in = DemoTrace.class.getResourceAsStream(CSV_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the demo trace " + CSV_RESOURCE + " is not on the classpath");
            }
            return generate(in, SEED);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the CSV and builds the events; the same CSV and seed always give the same lines. */
    public static DemoTrace generate(InputStream csv, long seed) throws IOException {
        DemoTrace trace = new DemoTrace(readCsv(csv), seed);
        trace.build();
        return trace;
    }

    /** The rows of a {@code TIMESTAMP,ContextTokens,GeneratedTokens} CSV (times in UTC). */
    public static List<Row> readCsv(InputStream csv) throws IOException {
        List<Row> rows = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(csv, StandardCharsets.UTF_8));
        String header = reader.readLine();
        if (header == null || !header.trim().startsWith("TIMESTAMP,ContextTokens,GeneratedTokens")) {
            throw new IOException("not the expected CSV header: " + header);
        }
        String line;
        int number = 1;
        while ((line = reader.readLine()) != null) {
            number++;
            line = line.trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] cells = line.split(",");
            if (cells.length != 3) {
                throw new IOException("CSV line " + number + ": expected 3 cells, got " + cells.length);
            }
            Instant time = LocalDateTime.parse(cells[0].trim(), CSV_TIME).toInstant(ZoneOffset.UTC)
                    .truncatedTo(ChronoUnit.MILLIS);
            rows.add(new Row(time, Long.parseLong(cells[1].trim()), Long.parseLong(cells[2].trim())));
        }
        return rows;
    }

    public List<Row> rows() {
        return Collections.unmodifiableList(rows);
    }

    /** The JSON Lines, in file order. */
    public List<String> lines() {
        return Collections.unmodifiableList(lines);
    }

    public List<Incident> incidents() {
        return incidents;
    }

    /** Lines that do not come from a CSV row: endpoint, task, feedback and job events, bad records and producer retries. */
    public int injectedRecords() {
        return ENDPOINT_EVENTS + TASK_EVENTS + feedbackEvents + jobEvents + BAD_RECORDS + DUPLICATES;
    }

    /** Job events: the async analyses, the annotation jobs and the stuck job. */
    public int jobEvents() {
        return jobEvents;
    }

    /** Feedback events, {@link #UNMATCHED_FEEDBACK} of them for request ids no inference has. */
    public int feedbackEvents() {
        return feedbackEvents;
    }

    public Instant start() {
        return rows.get(0).time;
    }

    public Instant end() {
        return rows.get(rows.size() - 1).time;
    }

    public void writeTo(Path file) throws IOException {
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    private Instant minute(int offset) {
        return firstMinute.plus(Duration.ofMinutes(offset));
    }

    private Incident incident(int index) {
        return incidents.get(index);
    }

    /** One line of the file with the event time it is placed by. */
    private static final class Timed {
        final Instant ts;
        final String line;

        Timed(Instant ts, String line) {
            this.ts = ts;
            this.line = line;
        }
    }

    /** The outcome of one CSV row's inference, as the jobs need it. */
    private static final class Request {
        final String service;
        final boolean async;
        final String status;
        final String clientId;

        Request(String service, boolean async, String status, String clientId) {
            this.service = service;
            this.async = async;
            this.status = status;
            this.clientId = clientId;
        }
    }

    /**
     * The CSV rows' inferences (with the bad records and retries among them, as a producer sends
     * them), then every other event put in by its time: an event goes in front of the first row
     * that is not earlier, and events at the same time keep the order they were made in.
     */
    private void build() throws JsonProcessingException {
        List<Timed> inferences = inferenceLines();
        List<Timed> others = new ArrayList<>();
        others.addAll(endpointLines());
        others.addAll(taskLines());
        List<Timed> feedback = feedbackLines();
        feedbackEvents = feedback.size();
        others.addAll(feedback);
        List<Timed> jobs = jobLines();
        jobEvents = jobs.size();
        others.addAll(jobs);
        others.sort(Comparator.comparing((Timed t) -> t.ts)); // stable
        int next = 0;
        for (Timed inference : inferences) {
            while (next < others.size() && !others.get(next).ts.isAfter(inference.ts)) {
                lines.add(others.get(next++).line);
            }
            lines.add(inference.line);
        }
        while (next < others.size()) {
            lines.add(others.get(next++).line);
        }
    }

    /** One line per CSV row, plus the bad records and producer retries; each keyed by its row's time. */
    private List<Timed> inferenceLines() throws JsonProcessingException {
        Incident spike = incident(0);
        Incident burst = incident(1);
        Incident outage = incident(2);
        List<Timed> out = new ArrayList<>();
        List<Integer> retryAt = new ArrayList<>(); // row index after which a retry is due
        List<String> retries = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            if (i == MALFORMED_AT) { // a producer crashed mid-write
                String whole = json.writeValueAsString(inference(i, row, spike, burst, outage, "demo-bad-1"));
                out.add(new Timed(row.time, whole.substring(0, whole.length() / 2)));
            } else if (i == NEGATIVE_LATENCY_AT) { // a clock bug in the app
                out.add(new Timed(row.time, json.writeValueAsString(inference(i, row, spike, burst, outage, "demo-bad-2"))
                        .replaceFirst("\"total\":[0-9.]+", "\"total\":-42.0")));
            } else if (i == UNKNOWN_TYPE_AT) { // a newer producer's event type
                ObjectNode e = json.createObjectNode();
                e.put("event_id", "demo-bad-3");
                e.put("type", "heartbeat");
                e.put("ts", TS.format(row.time));
                e.put("service", ANALYZE);
                out.add(new Timed(row.time, json.writeValueAsString(e)));
            }
            ObjectNode inference = inference(i, row, spike, burst, outage, null);
            requests.add(new Request(inference.get("service").asText(), inference.get("mode").asText().equals("async"),
                    inference.get("status").asText(), inference.get("client_id").asText()));
            String line = json.writeValueAsString(inference);
            out.add(new Timed(row.time, line));
            for (int r : RETRIED_ROWS) {
                if (r == i) {
                    retryAt.add(i + RETRY_DELAY_LINES);
                    retries.add(line);
                }
            }
            while (!retryAt.isEmpty() && retryAt.get(0) == i) {
                out.add(new Timed(row.time, retries.remove(0)));
                retryAt.remove(0);
            }
        }
        return out;
    }

    /**
     * The endpoints' lives: blip2-endpoint is created, InService 10 minutes before the first
     * full minute, scales out to 2 instances in the spike, fails and comes back; llava-endpoint
     * is InService from then on and never called.
     */
    private List<Timed> endpointLines() throws JsonProcessingException {
        Incident outage = incident(2);
        List<Timed> out = new ArrayList<>();
        out.add(endpointEvent(out.size() + 1, minute(CREATING_AT), ENDPOINT, MODEL, "Creating", INSTANCE_TYPE, 1,
                "CreateEndpoint"));
        out.add(endpointEvent(out.size() + 1, minute(READY_AT), ENDPOINT, MODEL, "InService", INSTANCE_TYPE, 1, ""));
        out.add(endpointEvent(out.size() + 1, minute(READY_AT), IDLE_ENDPOINT, IDLE_MODEL, "InService",
                IDLE_INSTANCE_TYPE, 1, "Deployed for an evaluation; no traffic is routed to it"));
        out.add(endpointEvent(out.size() + 1, minute(SCALE_OUT_FROM), ENDPOINT, MODEL, "Updating", INSTANCE_TYPE, 2,
                "Auto scaling: InvocationsPerInstance above target, 1 -> 2 instances"));
        out.add(endpointEvent(out.size() + 1, minute(SCALE_OUT_TO), ENDPOINT, MODEL, "InService", INSTANCE_TYPE, 2,
                "Scaling complete"));
        out.add(endpointEvent(out.size() + 1, outage.start, ENDPOINT, MODEL, "Failed", INSTANCE_TYPE, 2,
                "Health check failed: model container exited (CUDA out of memory)"));
        out.add(endpointEvent(out.size() + 1, outage.end, ENDPOINT, MODEL, "InService", INSTANCE_TYPE, 2,
                "Replacement instance passed health checks"));
        return out;
    }

    private Timed endpointEvent(int n, Instant ts, String endpoint, String model, String state, String instanceType,
            int instanceCount, String reason) throws JsonProcessingException {
        ObjectNode e = json.createObjectNode();
        e.put("event_id", String.format(Locale.ROOT, "demo-endpoint-%d", n));
        e.put("type", "endpoint");
        e.put("ts", TS.format(ts));
        e.put("endpoint", endpoint);
        e.put("model", model);
        e.put("state", state);
        e.put("instance_type", instanceType);
        e.put("instance_count", instanceCount);
        if (!reason.isEmpty()) {
            e.put("reason", reason);
        }
        return new Timed(ts, json.writeValueAsString(e));
    }

    /**
     * ECS tasks on Fargate: two analyze-api tasks (1 vCPU, 2 GB) and one task of each worker
     * (0.5 vCPU, 1 GB) RUNNING from the start, and a third analyze-api task started in the spike
     * and STOPPED {@link #EXTRA_TASK_MINUTES} minutes later.
     */
    private List<Timed> taskLines() throws JsonProcessingException {
        Instant ready = minute(READY_AT);
        Instant extraFrom = minute(EXTRA_TASK_AT);
        Instant extraTo = extraFrom.plus(Duration.ofMinutes(EXTRA_TASK_MINUTES));
        List<Timed> out = new ArrayList<>();
        out.add(taskEvent(out.size() + 1, ready, ANALYZE + "-1", ANALYZE, "RUNNING", 1, 2));
        out.add(taskEvent(out.size() + 1, ready, ANALYZE + "-2", ANALYZE, "RUNNING", 1, 2));
        out.add(taskEvent(out.size() + 1, ready, ANNOTATE + "-1", ANNOTATE, "RUNNING", 0.5, 1));
        out.add(taskEvent(out.size() + 1, ready, THUMBNAIL + "-1", THUMBNAIL, "RUNNING", 0.5, 1));
        out.add(taskEvent(out.size() + 1, extraFrom, ANALYZE + "-3", ANALYZE, "RUNNING", 1, 2));
        out.add(taskEvent(out.size() + 1, extraTo, ANALYZE + "-3", ANALYZE, "STOPPED", 1, 2));
        return out;
    }

    private Timed taskEvent(int n, Instant ts, String taskId, String service, String state, double vcpu, double memoryGb)
            throws JsonProcessingException {
        ObjectNode e = json.createObjectNode();
        e.put("event_id", String.format(Locale.ROOT, "demo-task-%d", n));
        e.put("type", "task");
        e.put("ts", TS.format(ts));
        e.put("task_id", taskId);
        e.put("service", service);
        e.put("state", state);
        e.put("vcpu", vcpu);
        e.put("memory_gb", memoryGb);
        return new Timed(ts, json.writeValueAsString(e));
    }

    /**
     * Feedback on about {@link #FEEDBACK_SHARE} of the ok inferences (a failed request has no
     * output to judge), from its own seeded {@link Random} so the inferences stay as they were:
     * most 10 s–20 min after the inference, {@link #LATE_FEEDBACK_SHARE} 1–3 h after (past the
     * last request), {@link #EARLY_FEEDBACK_SHARE} 1–8 min before it (overtaking it, within the
     * pipeline's 10-minute wait). Accuracy about 85 %, about 60 % for requests in the latency
     * spike or error burst. Then {@link #UNMATCHED_FEEDBACK} verdicts on request ids that no
     * inference has.
     */
    private List<Timed> feedbackLines() throws JsonProcessingException {
        Random r = new Random(seed ^ 0xFEEDBACL);
        Incident spike = incident(0);
        Incident burst = incident(1);
        List<Timed> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            double pick = r.nextDouble();
            double timing = r.nextDouble();
            double offset = r.nextDouble();
            double verdictDice = r.nextDouble();
            double scoredDice = r.nextDouble();
            double scoreDice = r.nextDouble();
            if (pick >= FEEDBACK_SHARE || !requests.get(i).status.equals("ok")) {
                continue;
            }
            Instant at = rows.get(i).time;
            long offsetMs = timing < EARLY_FEEDBACK_SHARE ? -Math.round(60_000 + offset * 7 * 60_000)
                    : timing < EARLY_FEEDBACK_SHARE + LATE_FEEDBACK_SHARE ? Math.round(3_600_000 + offset * 2 * 3_600_000)
                    : Math.round(10_000 + offset * (20 * 60_000 - 10_000));
            boolean incident = spike.covers(at) || burst.covers(at);
            out.add(feedbackEvent(out.size() + 1, at.plusMillis(offsetMs), requestId(i),
                    verdict(incident ? VERDICTS_INCIDENT : VERDICTS_NORMAL, verdictDice), scoredDice, scoreDice));
        }
        for (int k = 0; k < UNMATCHED_FEEDBACK; k++) {
            Instant at = minute(5 + 10 * k).plusSeconds(30);
            out.add(feedbackEvent(out.size() + 1, at, String.format(Locale.ROOT, "req-unknown-%d", k + 1),
                    verdict(VERDICTS_NORMAL, r.nextDouble()), r.nextDouble(), r.nextDouble()));
        }
        return out;
    }

    /**
     * The async jobs (see the class comment), from their own seeded {@link Random}, which draws
     * the same values for every CSV row whatever comes of them, so a change to one job's fate
     * moves no other.
     */
    private List<Timed> jobLines() throws JsonProcessingException {
        Random r = new Random(seed ^ JOB_SEED_XOR);
        Incident webhookOutage = incident(3);
        List<Timed> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            double pick = r.nextDouble();
            double queue = r.nextDouble();
            double run = r.nextDouble();
            double failDice = r.nextDouble();
            double webhookDelay = r.nextDouble();
            double retryDice = r.nextDouble();
            double retryDelay = r.nextDouble();
            double drainDelay = r.nextDouble();
            Request request = requests.get(i);
            boolean analyze = request.service.equals(ANALYZE) && request.async;
            boolean annotation = request.service.equals(ANNOTATE) && pick < ANNOTATION_JOB_SHARE;
            if (!request.status.equals("ok") || !(analyze || annotation)) {
                continue;
            }
            String jobId = String.format(Locale.ROOT, "job-%05d", i + 1);
            String service = analyze ? ANALYZE : ANNOTATE;
            String kind = analyze ? ANALYZE_KIND : ANNOTATION_KIND;
            Instant submitted = rows.get(i).time;
            Instant started = submitted.plusMillis(Math.round(analyze ? 200 + queue * 2_800 : 100 + queue * 1_900));
            Instant finished = started.plusMillis(Math.round(analyze ? 5_000 + run * 25_000 : 1_000 + run * 7_000));
            out.add(jobEvent(out.size() + 1, submitted, jobId, service, kind, request.clientId, "submitted", 0, 0));
            out.add(jobEvent(out.size() + 1, started, jobId, service, kind, request.clientId, "started", 0, 0));
            out.add(jobEvent(out.size() + 1, finished, jobId, service, kind, request.clientId,
                    failDice < JOB_FAILED_SHARE ? "failed" : "completed", 0, 0));
            if (!analyze) {
                continue;
            }
            // Webhook attempts: one in the outage fails (503), the second still in it, the third
            // after it; elsewhere a first attempt fails now and then (500) and the retry goes through.
            Instant at = finished.plusMillis(Math.round(200 + webhookDelay * 1_800));
            for (int attempt = 1; ; attempt++) {
                if (webhookOutage.covers(at)) {
                    out.add(jobEvent(out.size() + 1, at, jobId, service, kind, request.clientId, "webhook_failed", attempt,
                            503));
                    long toEnd = webhookOutage.end.toEpochMilli() - at.toEpochMilli();
                    at = attempt == 1 ? at.plusMillis(Math.min(30_000, toEnd / 2))
                            : webhookOutage.end.plusMillis(Math.round(1_000 + drainDelay * 59_000));
                } else if (attempt == 1 && retryDice < WEBHOOK_RETRY_SHARE) {
                    out.add(jobEvent(out.size() + 1, at, jobId, service, kind, request.clientId, "webhook_failed", attempt,
                            500));
                    at = at.plusMillis(Math.round(1_000 + retryDelay * 4_000));
                } else {
                    out.add(jobEvent(out.size() + 1, at, jobId, service, kind, request.clientId, "webhook_sent", attempt,
                            200));
                    break;
                }
            }
        }
        Instant stuck = minute(STUCK_JOB_AT).plusMillis(12_345);
        String client = CLIENTS[2];
        out.add(jobEvent(out.size() + 1, stuck, STUCK_JOB_ID, ANALYZE, ANALYZE_KIND, client, "submitted", 0, 0));
        out.add(jobEvent(out.size() + 1, stuck.plusMillis(1_500), STUCK_JOB_ID, ANALYZE, ANALYZE_KIND, client, "started",
                0, 0));
        return out;
    }

    /** A job event; {@code attempt} and {@code httpStatus} 0 when the state has none (not a webhook). */
    private Timed jobEvent(int n, Instant ts, String jobId, String service, String kind, String clientId, String state,
            int attempt, int httpStatus) throws JsonProcessingException {
        ObjectNode e = json.createObjectNode();
        e.put("event_id", String.format(Locale.ROOT, "demo-job-%05d", n));
        e.put("type", "job");
        e.put("ts", TS.format(ts));
        e.put("job_id", jobId);
        e.put("service", service);
        e.put("kind", kind);
        e.put("state", state);
        e.put("client_id", clientId);
        e.put("model", MODEL);
        if (attempt > 0) {
            e.put("attempt", attempt);
            e.put("http_status", httpStatus);
        }
        return new Timed(ts, json.writeValueAsString(e));
    }

    private static String verdict(double[] odds, double dice) {
        return dice < odds[0] ? "correct" : dice < odds[0] + odds[1] ? "partial" : "incorrect";
    }

    /** A reviewer's feedback carries a score in the verdict's band; a client's only the verdict. */
    private Timed feedbackEvent(int n, Instant ts, String requestId, String verdict, double scoredDice, double scoreDice)
            throws JsonProcessingException {
        ObjectNode e = json.createObjectNode();
        e.put("event_id", String.format(Locale.ROOT, "demo-feedback-%04d", n));
        e.put("type", "feedback");
        e.put("ts", TS.format(ts));
        e.put("request_id", requestId);
        e.put("verdict", verdict);
        if (scoredDice < SCORED_SHARE) {
            double low = verdict.equals("correct") ? 0.8 : verdict.equals("partial") ? 0.3 : 0.0;
            double width = verdict.equals("partial") ? 0.4 : 0.2;
            e.put("score", Math.round((low + scoreDice * width) * 100) / 100.0);
            e.put("source", "reviewer");
        } else {
            e.put("source", "client");
        }
        return new Timed(ts, json.writeValueAsString(e));
    }

    private static String requestId(int index) {
        return String.format(Locale.ROOT, "req-%05d", index + 1);
    }

    /**
     * The event of one CSV row. Draws the same number of random values whatever the outcome, so
     * an incident does not shift the randomness of the rows after it.
     */
    private ObjectNode inference(int index, Row row, Incident spike, Incident burst, Incident outage, String idOverride) {
        double serviceDice = random.nextDouble();
        double modeDice = random.nextDouble();
        double imagesDice = random.nextDouble();
        double statusDice = random.nextDouble();
        double kindDice = random.nextDouble();
        double modelNoise = random.nextGaussian();
        double llmNoise = random.nextGaussian();
        double overhead = 50 + random.nextDouble() * 100;
        double fastFail = 15 + random.nextDouble() * 45;
        int client = random.nextInt(CLIENTS.length);

        String service;
        String route;
        boolean async;
        int images;
        if (serviceDice < 0.80) {
            service = ANALYZE;
            route = "/analyze";
            async = modeDice < 0.20;
            images = imagesDice < 0.55 ? 1 : imagesDice < 0.80 ? 2 : imagesDice < 0.92 ? 3 : 4;
        } else if (serviceDice < 0.92) {
            service = ANNOTATE;
            route = "/annotate";
            async = true;
            images = 1;
        } else {
            service = THUMBNAIL;
            route = "/thumbnail";
            async = true;
            images = imagesDice < 0.7 ? 1 : 2;
        }

        double modelMs = 1200 * (1 + 0.35 * (images - 1)) * Math.exp(0.35 * modelNoise);
        if (spike.covers(row.time)) {
            modelMs *= SPIKE_FACTOR;
        }
        double llmMs = (350 + row.contextTokens * 0.02 + row.generatedTokens * 25.0) * Math.exp(0.2 * llmNoise);

        String status = "ok";
        int http = 200;
        String errorType = null;
        Double model = modelMs;
        Double llm = llmMs;
        double total;
        if (outage.covers(row.time)) {
            status = "error";
            http = 503;
            errorType = "sagemaker_unavailable";
            model = null;
            llm = null;
            total = fastFail;
        } else if (statusDice < 0.01) {
            status = "client_error";
            http = kindDice < 0.7 ? 400 : 413;
            errorType = http == 400 ? "invalid_image" : "image_too_large";
            model = null;
            llm = null;
            total = fastFail;
        } else if (statusDice < 0.013 || (burst.covers(row.time) && statusDice < 0.01 + BURST_ERROR_SHARE)) {
            status = "error";
            if (kindDice < 0.5) {
                http = 504;
                errorType = "sagemaker_timeout";
                model = 8000 + fastFail; // the app's SageMaker client gives up after 8 s
                llm = null;
                total = model + overhead;
            } else {
                http = 500;
                errorType = "openai_429";
                llm = 150 + fastFail * 4; // retried, then rejected by the rate limit
                total = model + llm + overhead;
            }
        } else {
            total = modelMs + llmMs + overhead;
        }

        String id = idOverride != null ? idOverride : String.format(Locale.ROOT, "demo-%05d", index + 1);
        ObjectNode e = json.createObjectNode();
        e.put("event_id", id);
        e.put("type", "inference");
        e.put("ts", TS.format(row.time));
        e.put("request_id", idOverride != null ? "req-" + idOverride : requestId(index));
        e.put("service", service);
        e.put("route", route);
        e.put("model", MODEL);
        e.put("model_version", MODEL_VERSION);
        e.put("endpoint", ENDPOINT);
        e.put("client_id", CLIENTS[client]);
        e.put("mode", async ? "async" : "sync");
        e.put("status", status);
        e.put("http_status", http);
        if (errorType != null) {
            e.put("error_type", errorType);
        }
        ObjectNode latency = e.putObject("latency_ms");
        latency.put("total", round(total));
        if (model != null) {
            latency.put("model", round(model));
        }
        if (llm != null) {
            latency.put("llm", round(llm));
        }
        if (status.equals("ok")) {
            ObjectNode l = e.putObject("llm");
            l.put("model", LLM_MODEL);
            l.put("prompt_tokens", row.contextTokens);
            l.put("completion_tokens", row.generatedTokens);
        }
        e.put("images", images);
        return e;
    }

    /** Milliseconds to 0.1 ms, as an app would log them. */
    private static double round(double ms) {
        return Math.round(ms * 10) / 10.0;
    }
}
