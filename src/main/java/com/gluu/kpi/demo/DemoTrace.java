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
 *   <li><b>endpoint failure and restart</b>: {@code blip2-endpoint} is InService from the start,
 *       Failed at +36 (18:53) and InService again at +39 (18:56). In between every request,
 *       whatever its service (they all call that endpoint), fails fast with
 *       {@code sagemaker_unavailable} (HTTP 503).
 * </ol>
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
    public static final int ENDPOINT_EVENTS = 3;

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
    private final ObjectMapper json = new ObjectMapper();

    private DemoTrace(List<Row> rows, long seed) {
        if (rows.size() <= RETRIED_ROWS[RETRIED_ROWS.length - 1] + RETRY_DELAY_LINES) {
            throw new IllegalArgumentException("the demo trace needs more than " + RETRIED_ROWS[RETRIED_ROWS.length - 1]
                    + " rows, got " + rows.size());
        }
        this.rows = rows;
        this.random = new Random(seed);
        this.firstMinute = rows.get(0).time.truncatedTo(ChronoUnit.MINUTES);
        this.incidents = List.of(
                new Incident("latency spike", minute(SPIKE_FROM), minute(SPIKE_TO),
                        "BLIP-2 inference ×" + (int) SPIKE_FACTOR + " slower on " + ENDPOINT + " (total p95 > 10 s)"),
                new Incident("error burst", minute(BURST_FROM), minute(BURST_TO),
                        "~" + Math.round(BURST_ERROR_SHARE * 100) + " % of requests fail: sagemaker_timeout (504),"
                                + " openai_429 (500)"),
                new Incident("endpoint failure + restart", minute(OUTAGE_FROM), minute(OUTAGE_TO),
                        ENDPOINT + " Failed, InService again 3 min later; requests meanwhile fail with"
                                + " sagemaker_unavailable (503)"));
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

    /** Lines that do not come from a CSV row: endpoint events, bad records and producer retries. */
    public int injectedRecords() {
        return ENDPOINT_EVENTS + BAD_RECORDS + DUPLICATES;
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

    private void build() throws JsonProcessingException {
        Incident spike = incident(0);
        Incident burst = incident(1);
        Incident outage = incident(2);
        // The endpoint's life: InService before the first request, Failed, InService again.
        List<Instant> endpointTimes = List.of(firstMinute, outage.start, outage.end);
        List<String> endpointStates = List.of("InService", "Failed", "InService");
        List<String> endpointReasons = List.of("", "Health check failed: model container exited (CUDA out of memory)",
                "Replacement instance passed health checks");
        int nextEndpoint = 0;
        List<Integer> retryAt = new ArrayList<>(); // line index where a retry is due
        List<String> retries = new ArrayList<>();

        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            while (nextEndpoint < endpointTimes.size() && !endpointTimes.get(nextEndpoint).isAfter(row.time)) {
                lines.add(endpointEvent(nextEndpoint + 1, endpointTimes.get(nextEndpoint), endpointStates.get(nextEndpoint),
                        endpointReasons.get(nextEndpoint)));
                nextEndpoint++;
            }
            if (i == MALFORMED_AT) { // a producer crashed mid-write
                String whole = inference(i, row, spike, burst, outage, "demo-bad-1");
                lines.add(whole.substring(0, whole.length() / 2));
            } else if (i == NEGATIVE_LATENCY_AT) { // a clock bug in the app
                lines.add(inference(i, row, spike, burst, outage, "demo-bad-2")
                        .replaceFirst("\"total\":[0-9.]+", "\"total\":-42.0"));
            } else if (i == UNKNOWN_TYPE_AT) { // a newer producer's event type
                ObjectNode e = json.createObjectNode();
                e.put("event_id", "demo-bad-3");
                e.put("type", "heartbeat");
                e.put("ts", TS.format(row.time));
                e.put("service", ANALYZE);
                lines.add(json.writeValueAsString(e));
            }
            String line = inference(i, row, spike, burst, outage, null);
            lines.add(line);
            for (int r : RETRIED_ROWS) {
                if (r == i) {
                    retryAt.add(i + RETRY_DELAY_LINES);
                    retries.add(line);
                }
            }
            while (!retryAt.isEmpty() && retryAt.get(0) == i) {
                lines.add(retries.remove(0));
                retryAt.remove(0);
            }
        }
        while (nextEndpoint < endpointTimes.size()) {
            lines.add(endpointEvent(nextEndpoint + 1, endpointTimes.get(nextEndpoint), endpointStates.get(nextEndpoint),
                    endpointReasons.get(nextEndpoint)));
            nextEndpoint++;
        }
    }

    private String endpointEvent(int n, Instant ts, String state, String reason) throws JsonProcessingException {
        ObjectNode e = json.createObjectNode();
        e.put("event_id", String.format(Locale.ROOT, "demo-endpoint-%d", n));
        e.put("type", "endpoint");
        e.put("ts", TS.format(ts));
        e.put("endpoint", ENDPOINT);
        e.put("model", MODEL);
        e.put("state", state);
        e.put("instance_type", "ml.g5.xlarge");
        e.put("instance_count", 1);
        if (!reason.isEmpty()) {
            e.put("reason", reason);
        }
        return json.writeValueAsString(e);
    }

    /**
     * The event of one CSV row. Draws the same number of random values whatever the outcome, so
     * an incident does not shift the randomness of the rows after it.
     */
    private String inference(int index, Row row, Incident spike, Incident burst, Incident outage, String idOverride)
            throws JsonProcessingException {
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
        e.put("request_id", idOverride != null ? "req-" + idOverride : String.format(Locale.ROOT, "req-%05d", index + 1));
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
        return json.writeValueAsString(e);
    }

    /** Milliseconds to 0.1 ms, as an app would log them. */
    private static double round(double ms) {
        return Math.round(ms * 10) / 10.0;
    }
}
