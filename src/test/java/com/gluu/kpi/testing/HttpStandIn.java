package com.gluu.kpi.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The plumbing of the local service stand-ins: an HTTP server on 127.0.0.1 (free port) with a
 * daemon thread pool, a mode (answer, fail with 500, or hang until switched back), an optional
 * latency and the counters of failed and held requests. Subclasses speak the service's protocol.
 */
public abstract class HttpStandIn implements AutoCloseable {
    public enum Mode { OK, FAIL, HANG }

    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger hung = new AtomicInteger();
    private volatile Mode mode = Mode.OK;
    private volatile long latencyMillis;

    protected HttpStandIn(String threadName, String... contexts) throws IOException {
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        for (String context : contexts) {
            server.createContext(context, exchange -> {
                try (exchange) {
                    if (waitLatency()) {
                        handle(exchange);
                    }
                }
            });
        }
        server.setExecutor(executor);
        server.start();
    }

    /** Answers one request (the exchange is closed afterwards). */
    protected abstract void handle(HttpExchange exchange) throws IOException;

    public URI endpoint() {
        return URI.create(url());
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void mode(Mode mode) {
        this.mode = mode;
    }

    protected Mode mode() {
        return mode;
    }

    /** Every request waits this long before it is handled: a slow service, so that clients' requests overlap. */
    public void latency(Duration latency) {
        this.latencyMillis = latency.toMillis();
    }

    /** False if interrupted (stand-in closing). */
    private boolean waitLatency() {
        long ms = latencyMillis;
        if (ms <= 0) {
            return true;
        }
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** Requests answered with a failure. */
    public int failedRequests() {
        return failed.get();
    }

    /** Requests held without an answer. */
    public int hungRequests() {
        return hung.get();
    }

    protected void countFailed() {
        failed.incrementAndGet();
    }

    /** Holds the request while the mode is HANG; false if interrupted (stand-in closing). */
    protected boolean holdWhileHanging() {
        hung.incrementAndGet();
        while (mode == Mode.HANG) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return false;
            }
        }
        return true;
    }

    protected static byte[] body(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            return in.readAllBytes();
        }
    }

    protected static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        mode = Mode.OK;
        server.stop(0);
        executor.shutdownNow();
    }
}
