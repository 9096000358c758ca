package com.gluu.kpi.cli;

import com.gluu.kpi.dashboard.DashboardServer;
import com.gluu.kpi.db.Migrations;
import com.gluu.kpi.sinks.JdbcSettings;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code dashboard [--jdbc-url URL] [--port P] [--host H]} (SPEC §7, §8): serves the KPI
 * dashboard until stopped (Ctrl-C). It reads as the role of {@code KPI_JDBC_USER}, which needs
 * no more than {@code kpi_reader}. Binds 127.0.0.1 unless {@code --host} says otherwise; any
 * other address needs {@code DASHBOARD_TOKEN} in the environment.
 */
final class DashboardCommand {
    static final String DEFAULT_HOST = "127.0.0.1";
    static final int DEFAULT_PORT = 8090;

    private DashboardCommand() {}

    static int run(List<String> argv) throws Exception {
        Args args = Args.parse(argv, Set.of("jdbc-url", "port", "host"));
        int port = port(args.get("port", String.valueOf(DEFAULT_PORT)));
        String host = args.get("host", DEFAULT_HOST);
        String token = token(System.getenv("DASHBOARD_TOKEN"));
        DashboardServer.checkBinding(host, token); // before any connection: a refusal costs nothing
        JdbcSettings jdbc = JdbcSettings.fromEnvironment(args.get("jdbc-url"));
        Migrations.ensureCurrent(jdbc);
        CtrlC ctrlC = CtrlC.install();
        try (DashboardServer server = DashboardServer.start(jdbc, host, port, token)) {
            announce(System.out, server, null);
            ctrlC.await();
        } finally {
            ctrlC.done();
        }
        return 0;
    }

    static int port(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // the message below says what is wanted
        }
        throw new Args.UsageException("--port: a TCP port 0–65535 (0: any free one), got " + value);
    }

    /** The token from the environment; empty counts as unset. */
    static String token(String fromEnvironment) {
        return fromEnvironment == null || fromEnvironment.isEmpty() ? null : fromEnvironment;
    }

    /** Prints where to open the page ({@code query} appended if given), never the token itself. */
    static void announce(PrintStream out, DashboardServer server, String query) {
        String url = server.url() + (query == null ? "" : query);
        out.println("dashboard: " + url);
        if (server.tokenRequired()) {
            out.println("  every request needs the token: open it with " + (query == null ? "?" : "&")
                    + "token=<DASHBOARD_TOKEN> once (a cookie keeps it), or send Authorization: Bearer <DASHBOARD_TOKEN>");
        }
        out.println("  Ctrl-C stops it");
        out.flush();
    }

    /**
     * Ctrl-C (or a TERM signal) as something the main thread waits for: the JVM's shutdown hook
     * lets it go, then waits (up to {@link #CLEAN_UP}) until it has closed the server and whatever
     * it holds, so the process never exits half-way through cleaning up.
     */
    static final class CtrlC {
        static final Duration CLEAN_UP = Duration.ofSeconds(30);
        private final CountDownLatch stop = new CountDownLatch(1);
        private final CountDownLatch done = new CountDownLatch(1);

        static CtrlC install() {
            CtrlC c = new CtrlC();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                c.stop.countDown();
                try {
                    c.done.await(CLEAN_UP.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "dashboard-stop"));
            return c;
        }

        void await() throws InterruptedException {
            stop.await();
        }

        void done() {
            done.countDown();
        }
    }
}
