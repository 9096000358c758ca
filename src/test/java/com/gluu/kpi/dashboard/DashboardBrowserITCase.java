package com.gluu.kpi.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.sinks.JdbcSettings;
import com.gluu.kpi.sinks.cloudwatch.CloudWatchSettings;
import com.gluu.kpi.testing.ExpectedKpis;
import com.gluu.kpi.testing.GeneratedTrace;
import com.gluu.kpi.testing.PostgresExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.devtools.DevTools;
import org.openqa.selenium.devtools.v156.log.Log;
import org.openqa.selenium.devtools.v156.log.model.LogEntry;
import org.openqa.selenium.devtools.v156.runtime.Runtime;
import org.openqa.selenium.devtools.v156.runtime.model.ConsoleAPICalled;

/**
 * The dashboard in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}, driven by Selenium): a {@link GeneratedTrace} replayed through the
 * job into PostgreSQL, served as a login granted only {@code kpi_reader} behind a token, and
 * opened with a {@code from}/{@code to} and the token once. The summary table's text must equal
 * SQL (requests, errors, error rate) and the exact percentiles of the trace's own latencies
 * (within the sketches' 1 %), every chart must have drawn (saturated, opaque pixels on its
 * canvas: axes and grid are grey, alert shading faint), the browser must report no console
 * error or exception, and a row written while the page is open must appear without a reload.
 * The screenshot is saved as {@code target/dashboard-browser.png}.
 *
 * <p>Skips where Chromium or its driver is not installed, unless {@code GLUU_REQUIRE_BROWSER}
 * is set ({@code .ci/run} sets it and installs both), so CI cannot skip it silently.
 */
class DashboardBrowserITCase {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String TOKEN = "browser-test-token-5f0c2a9d41";
    private static final long MINUTE = 60_000L;
    private static final Instant START = Instant.parse("2025-03-10T08:00:00Z");
    private static final Instant FROM = START.plus(Duration.ofMinutes(30));
    private static final Instant TO = START.plus(Duration.ofMinutes(150));
    private static final List<String> CHARTS = List.of("chart-traffic", "chart-latency", "chart-accuracy", "chart-cost",
            "chart-endpoints", "chart-jobs", "chart-alerts", "chart-dead-letters");
    /** The async jobs added to the generated trace: {submitted, webhook_sent} ms of each (sent NONE: none). */
    static final List<long[]> JOBS = new ArrayList<>();

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @TempDir
    static Path tmp;

    static ExpectedKpis expected;
    static DashboardServer server;
    static ChromeDriver browser;
    static final List<String> consoleErrors = new CopyOnWriteArrayList<>();
    static long startedNanos;

    @BeforeAll
    static void replayServeAndOpenTheBrowser() throws Exception {
        requireBrowser();
        startedNanos = System.nanoTime();
        GeneratedTrace trace = GeneratedTrace.generate(3, START, 3, 4_000);
        Path file = tmp.resolve("generated.jsonl");
        trace.writeTo(file);
        // byte for byte (the trace has invalid UTF-8 on purpose), split at '\n' only
        String bytes = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
        boolean endsWithNewline = bytes.endsWith("\n");
        List<String> lines = new ArrayList<>(List.of((endsWithNewline ? bytes.substring(0, bytes.length() - 1) : bytes).split("\n", -1)));
        Files.write(file, (String.join("\n", mergedByTs(lines, jobLines())) + "\n")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        expected = ExpectedKpis.of(trace, new long[] {MINUTE, 60 * MINUTE}, 30_000, 5 * MINUTE, 10 * MINUTE);
        KpiJob.replayFile(JobConfig.defaults(), file, POSTGRES.db().jdbc(), (CloudWatchSettings) null);
        System.out.printf("DashboardBrowserITCase: replay done after %.1f s%n", seconds());

        POSTGRES.db().execute("CREATE ROLE browser_panel LOGIN IN ROLE kpi_reader");
        JdbcSettings reader = new JdbcSettings(POSTGRES.db().jdbc().url().replaceAll("[?&]user=postgres", ""),
                "browser_panel", null);
        server = DashboardServer.start(reader, "127.0.0.1", 0, TOKEN);

        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // DEPENDENCIES.md: without the networking flags Chromium tries to reach the internet (closed here).
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createDirectory(tmp.resolve("chromium-profile")),
                "--window-size=1400,1000", "--force-device-scale-factor=1");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        DevTools devTools = browser.getDevTools();
        devTools.createSession();
        devTools.send(Log.enable());
        devTools.send(Runtime.enable());
        devTools.addListener(Log.entryAdded(), e -> {
            if (e.getLevel() == LogEntry.Level.ERROR) {
                consoleErrors.add("log " + e.getSource() + ": " + e.getText() + " " + e.getUrl().orElse(""));
            }
        });
        devTools.addListener(Runtime.consoleAPICalled(), e -> {
            if (e.getType() == ConsoleAPICalled.Type.ERROR || e.getType() == ConsoleAPICalled.Type.ASSERT) {
                consoleErrors.add("console." + e.getType() + ": " + e.getArgs());
            }
        });
        devTools.addListener(Runtime.exceptionThrown(), e -> consoleErrors.add("exception: "
                + e.getExceptionDetails().getText() + " " + e.getExceptionDetails().getException()
                        .flatMap(x -> x.getDescription()).orElse("")));
    }

    /**
     * 60 async analyses of analyze-api over the trace's three hours (every 10th fails its first
     * webhook and succeeds 30 s later) and one job that is submitted and never finishes (stuck).
     */
    private static List<String> jobLines() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 61; i++) {
            // the stuck one is submitted at 100 min + 7 s
            long submitted = START.toEpochMilli() + (i == 60 ? 100 * MINUTE : i * 150_000L) + 7_000;
            String id = i == 60 ? "stuck-job" : "job-" + i;
            lines.add(job(id, "submitted", submitted, 0));
            if (i == 60) {
                JOBS.add(new long[] {submitted, Long.MIN_VALUE});
                continue;
            }
            long done = submitted + 2_000 + 10_000 + (i % 7) * 3_000;
            lines.add(job(id, "started", submitted + 2_000, 0));
            lines.add(job(id, "completed", done, 0));
            long sent = done + 1_000;
            if (i % 10 == 3) {
                lines.add(job(id, "webhook_failed", sent, 1));
                sent += 30_000;
            }
            lines.add(job(id, "webhook_sent", sent, i % 10 == 3 ? 2 : 1));
            JOBS.add(new long[] {submitted, sent});
        }
        return lines;
    }

    /** {@code extra} (in ts order) put in front of the first line of {@code lines} whose ts is not earlier. */
    private static List<String> mergedByTs(List<String> lines, List<String> extra) {
        java.util.regex.Pattern ts = java.util.regex.Pattern.compile("\"ts\":\"([^\"]+)\"");
        List<String> sorted = new ArrayList<>(extra);
        sorted.sort(java.util.Comparator.comparing(l -> tsOf(ts, l)));
        List<String> out = new ArrayList<>();
        int next = 0;
        for (String line : lines) {
            Instant t = tsOf(ts, line);
            while (t != null && next < sorted.size() && !tsOf(ts, sorted.get(next)).isAfter(t)) {
                out.add(sorted.get(next++));
            }
            out.add(line);
        }
        out.addAll(sorted.subList(next, sorted.size()));
        return out;
    }

    private static Instant tsOf(java.util.regex.Pattern ts, String line) {
        java.util.regex.Matcher m = ts.matcher(line);
        try {
            return m.find() ? Instant.parse(m.group(1)) : null;
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private static String job(String id, String state, long ts, int attempt) {
        return "{\"event_id\":\"" + id + "-" + state + "-" + attempt + "\",\"type\":\"job\",\"ts\":\"" + Instant.ofEpochMilli(ts)
                + "\",\"job_id\":\"" + id + "\",\"service\":\"analyze-api\",\"kind\":\"analyze\",\"state\":\"" + state + "\""
                + (attempt > 0 ? ",\"attempt\":" + attempt : "") + "}";
    }

    /** The jobs table: analyze-api/analyze's counts and submit-to-webhook percentiles of the range, from the jobs made above. */
    private static void assertJobsTableEqualsTheJobs() {
        List<Map<String, String>> rows = tableRows("#jobs");
        assertThat(rows).hasSize(1);
        Map<String, String> row = rows.get(0);
        long from = FROM.toEpochMilli();
        long to = TO.toEpochMilli();
        long submitted = JOBS.stream().filter(j -> j[0] >= from && j[0] < to).count();
        List<Double> e2e = JOBS.stream().filter(j -> j[1] != Long.MIN_VALUE && j[1] >= from && j[1] < to)
                .map(j -> (double) (j[1] - j[0])).toList();
        assertThat(row.get("service")).isEqualTo("analyze-api");
        assertThat(number(row.get("submitted"))).isEqualTo(submitted);
        assertThat(number(row.get("webhooks-sent"))).isEqualTo(e2e.size());
        for (String[] q : new String[][] {{"p50", "0.50"}, {"p95", "0.95"}, {"p99", "0.99"}}) {
            double exact = rank(e2e, Double.parseDouble(q[1]));
            assertThat(number(row.get(q[0]))).as("jobs " + q[0] + " (exact " + exact + ")")
                    .isBetween(exact * 0.99 - 0.05, exact * 1.01 + 0.05);
        }
        // the stuck job (submitted at 100 min + 7 s) is open at the range's end, 150 min: 50 min old,
        // more than jobs.stuck_after (15 min)
        assertThat(row.get("stuck-at-end")).isEqualTo("1");
    }

    /** The tenants table: per client_id of the range, requests and total USD as SQL sums them, and no budget. */
    private static void assertTenantsTableEqualsSql() throws Exception {
        List<Map<String, String>> rows = tableRows("#tenants");
        List<Map<String, Object>> sql = POSTGRES.db().rows("SELECT client_id, sum(requests) AS requests, sum(total_usd) AS total"
                + " FROM kpi.tenant_usage WHERE window_end - window_start = interval '1 minute' AND window_start >= '" + FROM
                + "' AND window_start < '" + TO + "' GROUP BY client_id ORDER BY sum(total_usd) DESC, client_id");
        assertThat(sql).as("the trace has tenant usage").isNotEmpty();
        assertThat(rows).hasSize(sql.size());
        for (int i = 0; i < sql.size(); i++) {
            String client = (String) sql.get(i).get("client_id");
            assertThat(rows.get(i).get("tenant")).isEqualTo(client.isEmpty() ? "(none)" : client);
            assertThat(number(rows.get(i).get("requests"))).isEqualTo(((Number) sql.get(i).get("requests")).doubleValue());
            assertThat(number(rows.get(i).get("total").replace("$", ""))).as(client + " total")
                    .isCloseTo(((Number) sql.get(i).get("total")).doubleValue(), org.assertj.core.data.Offset.offset(0.00005 + 1e-9));
            assertThat(rows.get(i).get("budget")).as("no budget for " + client).isEqualTo("–");
        }
    }

    /** Skips without Chromium, unless GLUU_REQUIRE_BROWSER is set: then its absence fails. */
    private static void requireBrowser() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (present) {
            return;
        }
        String message = "needs Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER + ")";
        if (System.getenv("GLUU_REQUIRE_BROWSER") != null) {
            throw new IllegalStateException(message + ": required here (GLUU_REQUIRE_BROWSER)");
        }
        System.err.println("DashboardBrowserITCase: " + message + "; test skipped");
        assumeTrue(false, message);
    }

    @AfterAll
    static void closeBrowserAndServer() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        if (startedNanos != 0) {
            System.out.printf("DashboardBrowserITCase: %.1f s in all (replay, server, Chromium, page)%n", seconds());
        }
    }

    private static double seconds() {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    @Test
    void thePageShowsTheSqlNumbersDrawsEveryChartLogsNoErrorAndFollowsNewRows() throws Exception {
        // The token once in the address: the server sets its cookie and drops it from the URL.
        browser.get(server.url() + "?from=" + FROM + "&to=" + TO + "&refresh=1&token=" + TOKEN);
        waitUntil("the page loaded", () -> !"loading".equals(browser.findElement(By.tagName("body")).getAttribute("data-state")));
        assertThat(browser.findElement(By.id("error")).isDisplayed()).as(browser.findElement(By.id("error")).getText())
                .isFalse();
        assertThat(browser.getCurrentUrl()).doesNotContain(TOKEN).contains("from=" + FROM);

        assertSummaryEqualsSqlAndTheRawLatencies();
        assertThat(browser.findElements(By.cssSelector("#alerts tbody tr"))).hasSize(alertsOverlapping());
        assertJobsTableEqualsTheJobs();
        assertTenantsTableEqualsSql();

        Map<String, Long> drawn = drawnPixels();
        assertThat(drawn.keySet()).containsExactlyInAnyOrderElementsOf(CHARTS);
        assertThat(drawn).allSatisfy((chart, pixels) -> assertThat(pixels).as(chart + " drew").isGreaterThan(50));

        // The page polls: a row the job writes now shows up without a reload.
        POSTGRES.db().execute("INSERT INTO kpi.traffic (window_start, window_end, service, requests, ok, client_errors,"
                + " errors, error_rate, async_requests, images) VALUES ('" + FROM.plus(Duration.ofMinutes(5)) + "', '"
                + FROM.plus(Duration.ofMinutes(6)) + "', 'late-service', 7, 6, 0, 1, " + 1 / 7.0 + ", 0, 0)");
        waitUntil("the new row shows", () -> summaryRow("late-service") != null);
        Map<String, String> late = summaryRow("late-service");
        assertThat(late.get("requests")).isEqualTo("7");
        assertThat(late.get("error-rate")).isEqualTo("14.29 %");
        assertThat(late.get("p95")).as("no latency row for it").isEqualTo("–");

        screenshot(Path.of("target", "dashboard-browser.png"));
        assertThat(consoleErrors).as("browser console errors").isEmpty();
    }

    /** Waits (at most a minute, so a broken page fails instead of hanging) for what the page must come to show. */
    private static void waitUntil(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited a minute for: " + what + "; console: " + consoleErrors);
            }
            Thread.sleep(100);
        }
    }

    private void assertSummaryEqualsSqlAndTheRawLatencies() throws Exception {
        Map<String, long[]> sql = new LinkedHashMap<>();
        long[] all = new long[2];
        for (Map<String, Object> r : POSTGRES.db().rows("SELECT service, sum(requests) AS requests, sum(errors) AS errors"
                + " FROM kpi.traffic WHERE window_end - window_start = interval '1 minute'"
                + " AND window_start >= '" + FROM + "' AND window_start < '" + TO + "' GROUP BY service ORDER BY service")) {
            long[] v = {((Number) r.get("requests")).longValue(), ((Number) r.get("errors")).longValue()};
            sql.put((String) r.get("service"), v);
            all[0] += v[0];
            all[1] += v[1];
        }
        sql.put("all services", all);

        List<String> services = new ArrayList<>();
        for (Map<String, String> row : summaryRows()) {
            String service = row.get("service");
            services.add(service);
            long[] want = sql.get(service);
            assertThat(want).as("a row SQL has: " + service).isNotNull();
            assertThat(number(row.get("requests"))).as(service + " requests").isEqualTo(want[0]);
            assertThat(number(row.get("errors"))).as(service + " errors").isEqualTo(want[1]);
            assertThat(row.get("error-rate")).endsWith(" %");
            assertThat(number(row.get("error-rate"))).as(service + " error rate, %")
                    .isCloseTo(100.0 * want[1] / want[0], org.assertj.core.data.Offset.offset(0.005 + 1e-9));
            List<Double> raw = rawTotalLatencies(service);
            for (String[] q : new String[][] {{"p50", "0.50"}, {"p95", "0.95"}, {"p99", "0.99"}}) {
                String text = row.get(q[0]);
                assertThat(text).endsWith(" ms");
                double exact = rank(raw, Double.parseDouble(q[1]));
                // within the sketch's 1 %, and the page rounds to 0.1 ms
                assertThat(number(text)).as(service + " " + q[0] + " (exact " + exact + ")")
                        .isBetween(exact * 0.99 - 0.05, exact * 1.01 + 0.05);
            }
        }
        assertThat(services).containsExactlyElementsOf(sql.keySet());
        assertThat(all[1]).as("the trace has errors").isPositive();
    }

    /** The trace's own total latencies of {@code service} ("all services": every one) in the range. */
    private static List<Double> rawTotalLatencies(String service) {
        List<Double> raw = new ArrayList<>();
        expected.latency.forEach((key, values) -> {
            long start = (Long) key.get(0);
            if ((Long) key.get(1) - start == MINUTE && start >= FROM.toEpochMilli() && start < TO.toEpochMilli()
                    && key.get(5).equals("total") && (service.equals("all services") || key.get(2).equals(service))) {
                raw.addAll(values);
            }
        });
        return raw;
    }

    /** The value at rank ⌊q·(n−1)⌋, which a DDSketch quantile is within 1 % of. */
    private static double rank(List<Double> raw, double q) {
        List<Double> sorted = new ArrayList<>(raw);
        Collections.sort(sorted);
        return sorted.get((int) Math.floor(q * (sorted.size() - 1)));
    }

    private static int alertsOverlapping() throws Exception {
        return ((Number) POSTGRES.db().rows("SELECT count(*) AS n FROM kpi.alerts WHERE started_at < '" + TO
                + "' AND (resolved_at IS NULL OR resolved_at > '" + FROM + "')").get(0).get("n")).intValue();
    }

    /** The summary table's visible text ({@link #tableRows}). */
    private static List<Map<String, String>> summaryRows() {
        return tableRows("#summary");
    }

    /**
     * The visible text of a table's body ({@code table} a CSS selector), row by row and column by
     * column ({@code data-col}), read in one script so that a poll rebuilding it cannot change it half-way.
     */
    @SuppressWarnings("unchecked")
    private static List<Map<String, String>> tableRows(String table) {
        return (List<Map<String, String>>) ((JavascriptExecutor) browser).executeScript(String.join("\n",
                "return Array.from(document.querySelectorAll(arguments[0] + ' tbody tr')).map(tr => {",
                "  const row = {};",
                "  for (const cell of tr.querySelectorAll('[data-col]')) row[cell.dataset.col] = cell.innerText;",
                "  return row;",
                "});"), table);
    }

    private static Map<String, String> summaryRow(String service) {
        return summaryRows().stream().filter(r -> service.equals(r.get("service"))).findFirst().orElse(null);
    }

    /** "12,345", "9.53 %", "2,618.1 ms" as numbers. */
    private static double number(String text) {
        return Double.parseDouble(text.replace(",", "").replace(" %", "").replace(" ms", ""));
    }

    /**
     * Per chart section, the pixels of its canvas that are opaque enough and far from grey: what
     * the series drew (axes, grid and text are grey or black; the alert shading is nearly clear).
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Long> drawnPixels() {
        Object counted = ((JavascriptExecutor) browser).executeScript(String.join("\n",
                "const out = {};",
                "for (const s of document.querySelectorAll('section.chart')) {",
                "  const c = s.querySelector('.plot canvas');",
                "  if (!c) { out[s.id] = 0; continue; }",
                "  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;",
                "  let n = 0;",
                "  for (let i = 0; i < d.length; i += 4) {",
                "    if (d[i + 3] > 64 && Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) n++;",
                "  }",
                "  out[s.id] = n;",
                "}",
                "return out;"));
        return new LinkedHashMap<>((Map<String, Long>) counted);
    }

    /** The whole page: the window is made as tall as the document first. */
    private static void screenshot(Path file) throws Exception {
        long height = (Long) ((JavascriptExecutor) browser).executeScript("return document.documentElement.scrollHeight");
        browser.manage().window().setSize(new Dimension(1400, (int) Math.min(height + 40, 8000)));
        Files.createDirectories(file.getParent());
        Files.write(file, browser.getScreenshotAs(OutputType.BYTES));
        System.out.println("DashboardBrowserITCase: screenshot " + file.toAbsolutePath());
    }
}
