package com.gluu.kpi.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.sinks.JdbcSettings;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code dashboard} server (SPEC §8): one page, its scripts and styles (uPlot from its
 * WebJar, so nothing comes from the internet) and {@code api/dashboard}, the JSON the page
 * draws, read from Postgres by {@link DashboardReader}. Built on the JDK's own
 * {@code com.sun.net.httpserver}: a read-only page with one JSON endpoint needs no framework,
 * and a server library would add a second Netty or Jetty beside the one Flink ships.
 *
 * <p>Every request passes {@link AccessGuard} first. Only GET and HEAD are served. Responses
 * carry a Content-Security-Policy that allows nothing but this server's own scripts, styles and
 * JSON. Nothing about a request is logged (its query may hold the token).
 */
public final class DashboardServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DashboardServer.class);
    private static final String UPLOT_POM = "/META-INF/maven/org.webjars.npm/uplot/pom.properties";
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads one answer of the JSON API. */
    interface Source {
        Map<String, Object> read(DashboardParams params) throws SQLException;
    }

    private static final class Asset {
        final byte[] bytes;
        final String type;

        Asset(byte[] bytes, String type) {
            this.bytes = bytes;
            this.type = type;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final AccessGuard guard;
    private final Source source;
    private final AutoCloseable onClose;
    private final Map<String, Asset> assets;

    private DashboardServer(HttpServer server, AccessGuard guard, Source source, AutoCloseable onClose) {
        this.server = server;
        this.guard = guard;
        this.source = source;
        this.onClose = onClose;
        this.assets = assets();
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "dashboard-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /**
     * Serves the KPI tables of {@code reader} on {@code host}:{@code port} ({@code 0}: any free
     * port). {@code token} null serves loopback only; a host that is not a loopback address
     * needs one.
     */
    public static DashboardServer start(JdbcSettings reader, String host, int port, String token) throws IOException {
        ReaderConnection connection = new ReaderConnection(reader);
        DashboardReader data = new DashboardReader(Clock.systemUTC(), budgets());
        return start(params -> connection.read(c -> data.read(c, params)), host, port, token, connection);
    }

    /**
     * The tenants' monthly budgets the tenants table shows beside their spend: the default
     * {@code alerts.budgets_file} ({@code jobs/budgets.yaml}, or the copy in the jar); none if it
     * cannot be read (the table then has no budget column values).
     */
    private static com.gluu.kpi.config.TenantBudgets budgets() {
        try {
            return com.gluu.kpi.config.TenantBudgets.forJob(com.gluu.kpi.config.JobConfig.defaults());
        } catch (com.gluu.kpi.config.ConfigException e) {
            return com.gluu.kpi.config.TenantBudgets.none();
        }
    }

    /**
     * Fails (IllegalArgumentException, with what to do) unless {@code host} is a loopback address
     * or {@code token} is a usable token: a command checks this before it connects to anything.
     */
    public static InetAddress checkBinding(String host, String token) throws IOException {
        InetAddress address = InetAddress.getByName(host);
        if (token == null && !address.isLoopbackAddress()) {
            throw new IllegalArgumentException("--host " + host + " is not a loopback address: set DASHBOARD_TOKEN"
                    + " (at least " + AccessGuard.MIN_TOKEN_LENGTH + " characters) so that every request must carry it");
        }
        new AccessGuard(token); // checks the token's form
        return address;
    }

    static DashboardServer start(Source source, String host, int port, String token, AutoCloseable onClose)
            throws IOException {
        InetAddress address = checkBinding(host, token);
        AccessGuard guard = new AccessGuard(token);
        HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 0);
        DashboardServer dashboard = new DashboardServer(server, guard, source, onClose);
        server.start();
        LOG.info("dashboard listening on {}:{} ({})", address.getHostAddress(), dashboard.port(),
                guard.tokenRequired() ? "token required" : "loopback only, no token");
        return dashboard;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The page's URL on this machine, without a query. */
    public String url() {
        InetAddress address = server.getAddress().getAddress();
        String host = address.isAnyLocalAddress() || address.isLoopbackAddress() ? "localhost" : address.getHostAddress();
        return "http://" + host + ":" + port() + "/";
    }

    public boolean tokenRequired() {
        return guard.tokenRequired();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            securityHeaders(exchange);
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                text(exchange, 405, "only GET and HEAD");
                return;
            }
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            AccessGuard.Verdict verdict = guard.check(exchange.getRequestHeaders(), query);
            switch (verdict) {
                case WRONG_HOST:
                    text(exchange, 403, "this dashboard answers to localhost only (Host header)");
                    return;
                case UNAUTHORIZED:
                    exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"gluu-kpi dashboard\"");
                    text(exchange, 401, "a token is required: open the page with ?token=… or send"
                            + " Authorization: Bearer …");
                    return;
                case ALLOW_BY_QUERY:
                    exchange.getResponseHeaders().add("Set-Cookie", AccessGuard.cookieFor(query.get("token")));
                    break;
                default:
                    break;
            }
            String path = exchange.getRequestURI().getPath();
            if (verdict == AccessGuard.Verdict.ALLOW_BY_QUERY && path.equals("/")) {
                // The cookie carries the token from here on: take it out of the address bar and history.
                // Relative, so it also works behind a proxy that serves the page under a path.
                exchange.getResponseHeaders().set("Location", "./" + queryWithout(exchange.getRequestURI().getRawQuery()));
                send(exchange, 303, "text/plain; charset=utf-8", new byte[0]);
                return;
            }
            if (path.equals("/api/dashboard")) {
                api(exchange, query);
                return;
            }
            Asset asset = assets.get(path);
            if (asset == null) {
                text(exchange, 404, "not found");
                return;
            }
            send(exchange, 200, asset.type, asset.bytes);
        }
    }

    private void api(HttpExchange exchange, Map<String, String> query) throws IOException {
        DashboardParams params;
        try {
            params = DashboardParams.parse(query);
        } catch (IllegalArgumentException e) {
            text(exchange, 400, e.getMessage());
            return;
        }
        Map<String, Object> answer;
        try {
            answer = source.read(params);
        } catch (IllegalArgumentException e) { // a range the grid refuses
            text(exchange, 400, e.getMessage());
            return;
        } catch (SQLException e) {
            LOG.warn("dashboard: reading the KPI tables failed: SQLSTATE {} {}", e.getSQLState(), e.getMessage());
            text(exchange, 503, "could not read the KPI tables (SQLSTATE " + e.getSQLState() + "); see the server's log");
            return;
        } catch (RuntimeException e) { // a bug or a row it cannot read: an answer, not a dropped connection
            LOG.error("dashboard: answering failed", e);
            text(exchange, 500, "the dashboard failed to answer; see the server's log");
            return;
        }
        send(exchange, 200, "application/json; charset=utf-8", JSON.writeValueAsBytes(answer));
    }

    private static void securityHeaders(HttpExchange exchange) {
        var h = exchange.getResponseHeaders();
        h.set("Content-Security-Policy", CSP);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set("X-Frame-Options", "DENY");
        h.set("Cache-Control", "no-store");
    }

    private static void text(HttpExchange exchange, int status, String message) throws IOException {
        send(exchange, status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** The first value of each name; names and values percent-decoded as UTF-8. */
    static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.putIfAbsent(name, value);
        }
        return out;
    }

    /** The raw query without its {@code token} parameter, with a leading '?' if anything is left. */
    static String queryWithout(String raw) {
        if (raw == null) {
            return "";
        }
        StringBuilder kept = new StringBuilder();
        for (String pair : raw.split("&")) {
            if (pair.isEmpty() || pair.equals("token") || pair.startsWith("token=")) {
                continue;
            }
            kept.append(kept.length() == 0 ? "?" : "&").append(pair);
        }
        return kept.toString();
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) { // a stray '%': keep the text as it came
            return s;
        }
    }

    /** The page and what it loads, read once from the jar: a missing one fails at start, not on a click. */
    private static Map<String, Asset> assets() {
        String uplot = "/META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
        Map<String, Asset> a = new LinkedHashMap<>();
        a.put("/", new Asset(resource("/dashboard/index.html"), "text/html; charset=utf-8"));
        a.put("/assets/dashboard.js", new Asset(resource("/dashboard/dashboard.js"), "text/javascript; charset=utf-8"));
        a.put("/assets/dashboard.css", new Asset(resource("/dashboard/dashboard.css"), "text/css; charset=utf-8"));
        Asset icon = new Asset(resource("/dashboard/favicon.svg"), "image/svg+xml");
        a.put("/assets/favicon.svg", icon);
        a.put("/favicon.ico", icon);
        a.put("/assets/uPlot.iife.min.js", new Asset(resource(uplot + "uPlot.iife.min.js"), "text/javascript; charset=utf-8"));
        a.put("/assets/uPlot.min.css", new Asset(resource(uplot + "uPlot.min.css"), "text/css; charset=utf-8"));
        return a;
    }

    /** The WebJar's version, from its own Maven metadata: the pom names it once. */
    private static String uplotVersion() {
        try (InputStream in = DashboardServer.class.getResourceAsStream(UPLOT_POM)) {
            if (in == null) {
                throw new IllegalStateException("the uPlot WebJar is not on the classpath (" + UPLOT_POM + ")");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = DashboardServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing from the jar: " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
        try {
            onClose.close();
        } catch (Exception e) {
            LOG.warn("dashboard: closing its database connection failed: {}", e.toString());
        }
    }
}
