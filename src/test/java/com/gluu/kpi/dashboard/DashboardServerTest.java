package com.gluu.kpi.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server's doors, over real HTTP on loopback with a stand-in data source: who gets in with
 * and without a token, what a browser is allowed to load, and what a bad query gets back.
 * Requests are written by hand so the Host header can be what an attacker's page would send.
 */
class DashboardServerTest {
    private static final String TOKEN = "s3cret-token-0123456789abcdef";

    private final List<DashboardParams> asked = new CopyOnWriteArrayList<>();
    private DashboardServer server;

    private DashboardServer start(String token) throws IOException {
        server = DashboardServer.start(params -> {
            asked.add(params);
            return Map.of("answer", 42);
        }, "127.0.0.1", 0, token, () -> {});
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Status line, headers and body of one request. */
    private static final class Reply {
        int status;
        final List<String> headers = new ArrayList<>();
        String body;

        String header(String name) {
            return headers.stream().filter(h -> h.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                    .map(h -> h.substring(name.length() + 1).trim()).findFirst().orElse(null);
        }
    }

    private Reply send(String method, String target, String... headers) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            StringBuilder request = new StringBuilder(method + " " + target + " HTTP/1.1\r\n");
            boolean host = false;
            for (String h : headers) {
                request.append(h).append("\r\n");
                host |= h.startsWith("Host:");
            }
            if (!host) {
                request.append("Host: localhost:").append(server.port()).append("\r\n");
            }
            request.append("Connection: close\r\n\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String[] parts = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\r\n\r\n", 2);
            String[] lines = parts[0].split("\r\n");
            Reply reply = new Reply();
            reply.status = Integer.parseInt(lines[0].split(" ")[1]);
            for (int i = 1; i < lines.length; i++) {
                reply.headers.add(lines[i]);
            }
            reply.body = parts.length > 1 ? parts[1] : "";
            return reply;
        }
    }

    @Test
    void withoutATokenItAnswersToLoopbackNamesButNotToAnotherSitesName() throws IOException {
        start(null);
        assertThat(send("GET", "/").status).isEqualTo(200);
        assertThat(send("GET", "/", "Host: 127.0.0.1:" + server.port()).status).isEqualTo(200);
        assertThat(send("GET", "/", "Host: [::1]:" + server.port()).status).isEqualTo(200);
        // DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1
        Reply rebound = send("GET", "/api/dashboard", "Host: evil.example:" + server.port());
        assertThat(rebound.status).isEqualTo(403);
        assertThat(send("GET", "/", "Host: localhost.evil.example").status).isEqualTo(403);
        assertThat(asked).isEmpty();
    }

    @Test
    void aHostThatIsNotLoopbackIsRefusedWithoutATokenAndAShortTokenIsRefused() {
        assertThatThrownBy(() -> DashboardServer.start(p -> Map.of(), "0.0.0.0", 0, null, () -> {}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DASHBOARD_TOKEN");
        assertThatThrownBy(() -> DashboardServer.start(p -> Map.of(), "127.0.0.1", 0, "short", () -> {}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 16");
    }

    @Test
    void withATokenEveryRequestNeedsItByHeaderQueryOrTheCookieAQuerySets() throws IOException {
        start(TOKEN);
        for (String path : List.of("/", "/api/dashboard", "/assets/dashboard.js", "/assets/uPlot.iife.min.js", "/nope")) {
            Reply r = send("GET", path);
            assertThat(r.status).as(path).isEqualTo(401);
            assertThat(r.body).doesNotContain(TOKEN);
        }
        assertThat(send("GET", "/api/dashboard", "Authorization: Bearer wrong-token-0123456789").status).isEqualTo(401);
        assertThat(send("GET", "/api/dashboard?token=" + TOKEN.substring(1)).status).isEqualTo(401);
        assertThat(send("GET", "/api/dashboard", "Cookie: " + AccessGuard.COOKIE + "=nope").status).isEqualTo(401);
        assertThat(asked).isEmpty();

        Reply byHeader = send("GET", "/api/dashboard", "Authorization: Bearer " + TOKEN);
        assertThat(byHeader.status).isEqualTo(200);
        assertThat(byHeader.body).isEqualTo("{\"answer\":42}");

        // The page opened with ?token=: a cookie, and the same page without the token in its address.
        Reply page = send("GET", "/?from=2023-11-16T18:00:00Z&token=" + TOKEN + "&service=analyze-api");
        assertThat(page.status).isEqualTo(303);
        assertThat(page.header("Location")).isEqualTo("./?from=2023-11-16T18:00:00Z&service=analyze-api");
        String cookie = page.header("Set-Cookie");
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict");
        Reply withCookie = send("GET", "/api/dashboard?from=2023-11-16T18:00:00Z",
                "Cookie: other=1; " + cookie.substring(0, cookie.indexOf(';')));
        assertThat(withCookie.status).isEqualTo(200);
        assertThat(asked).hasSize(2);
        // and a host name of any kind is fine once the token is there
        assertThat(send("GET", "/assets/dashboard.css", "Host: kpi.internal.example", "Authorization: Bearer " + TOKEN)
                .status).isEqualTo(200);
    }

    @Test
    void thePageLoadsOnlyThisServersOwnScriptsAndStyles() throws IOException {
        start(null);
        Reply page = send("GET", "/");
        assertThat(page.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(page.header("Content-Security-Policy")).contains("default-src 'none'").contains("script-src 'self'")
                .contains("connect-src 'self'").doesNotContain("unsafe");
        assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
        // every script and style the page names is served here
        for (String asset : List.of("assets/uPlot.iife.min.js", "assets/uPlot.min.css", "assets/dashboard.js",
                "assets/dashboard.css", "assets/favicon.svg")) {
            assertThat(page.body).contains("\"" + asset + "\"");
            Reply r = send("GET", "/" + asset);
            assertThat(r.status).as(asset).isEqualTo(200);
            assertThat(r.body).as(asset).isNotEmpty();
        }
        assertThat(page.body).doesNotContain("http://").doesNotContain("https://");
        assertThat(send("GET", "/assets/uPlot.iife.min.js").body).contains("uPlot");
    }

    @Test
    void onlyGetAndHeadAreServedAndABadQueryGetsItsReason() throws IOException {
        start(null);
        Reply post = send("POST", "/api/dashboard", "Content-Length: 0");
        assertThat(post.status).isEqualTo(405);
        assertThat(post.header("Allow")).isEqualTo("GET, HEAD");
        assertThat(send("HEAD", "/").status).isEqualTo(200);
        Reply bad = send("GET", "/api/dashboard?from=yesterday");
        assertThat(bad.status).isEqualTo(400);
        assertThat(bad.body).startsWith("from: not an ISO-8601 time");
        assertThat(asked).isEmpty();
        Reply good = send("GET", "/api/dashboard?from=2023-11-16T18%3A00%3A00Z&service=analyze%2Dapi&window=1m");
        assertThat(good.status).isEqualTo(200);
        assertThat(good.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        assertThat(asked).singleElement().satisfies(p -> {
            assertThat(p.from).hasToString("2023-11-16T18:00:00Z");
            assertThat(p.service).isEqualTo("analyze-api");
            assertThat(p.window).isEqualTo(DashboardParams.Window.ONE_MINUTE);
        });
    }
}
