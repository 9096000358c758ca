package com.gluu.kpi.dashboard;

import com.sun.net.httpserver.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Who may read the dashboard. Bound to a loopback address without a token, anyone on this
 * machine may — but only under a loopback host name, so a web page elsewhere cannot reach it by
 * pointing a name of its own at 127.0.0.1 (DNS rebinding). With a token, every request must
 * carry it: {@code Authorization: Bearer TOKEN}, {@code ?token=TOKEN}, or the cookie the server
 * sets after a {@code ?token=} (so the page's scripts and polls need not repeat it, and the
 * token leaves the address bar). Tokens are compared in constant time and never logged.
 */
final class AccessGuard {
    /** Shorter tokens are refused at start: a guessable token protects nothing. */
    static final int MIN_TOKEN_LENGTH = 16;
    static final String COOKIE = "gluu_dashboard_token";
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");

    /** What a request may do. */
    enum Verdict {
        ALLOW,
        /** Allowed by a {@code ?token=}: set the cookie. */
        ALLOW_BY_QUERY,
        UNAUTHORIZED,
        WRONG_HOST
    }

    private final byte[] tokenDigest;

    /** {@code token} null: loopback only, no token. */
    AccessGuard(String token) {
        if (token != null && !token.matches("[A-Za-z0-9._~+/=-]{" + MIN_TOKEN_LENGTH + ",}")) {
            // the token also travels in a cookie and a query string: keep it to characters both carry as they are
            throw new IllegalArgumentException("DASHBOARD_TOKEN must be at least " + MIN_TOKEN_LENGTH
                    + " characters of A-Z a-z 0-9 . _ ~ + / = - (e.g. openssl rand -hex 24)");
        }
        this.tokenDigest = token == null ? null : sha256(token);
    }

    boolean tokenRequired() {
        return tokenDigest != null;
    }

    Verdict check(Headers headers, Map<String, String> query) {
        if (tokenDigest == null) {
            return loopbackHost(headers.getFirst("Host")) ? Verdict.ALLOW : Verdict.WRONG_HOST;
        }
        String bearer = headers.getFirst("Authorization");
        if (bearer != null && bearer.regionMatches(true, 0, "Bearer ", 0, 7) && matches(bearer.substring(7).trim())) {
            return Verdict.ALLOW;
        }
        if (matches(query.get("token"))) {
            return Verdict.ALLOW_BY_QUERY;
        }
        return matches(cookie(headers, COOKIE)) ? Verdict.ALLOW : Verdict.UNAUTHORIZED;
    }

    /** The Set-Cookie value that lets the browser carry {@code token} from now on. */
    static String cookieFor(String token) {
        // HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it.
        return COOKIE + "=" + token + "; Path=/; HttpOnly; SameSite=Strict";
    }

    private boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(tokenDigest, sha256(candidate));
    }

    static boolean loopbackHost(String hostHeader) {
        if (hostHeader == null) {
            return false;
        }
        String host = hostHeader.trim().toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            host = end < 0 ? host : host.substring(0, end + 1);
        } else if (host.indexOf(':') >= 0) {
            host = host.substring(0, host.indexOf(':'));
        }
        return LOOPBACK_NAMES.contains(host) || host.matches("127(\\.\\d{1,3}){3}");
    }

    private static String cookie(Headers headers, String name) {
        for (String header : headers.getOrDefault("Cookie", java.util.List.of())) {
            for (String part : header.split(";")) {
                int eq = part.indexOf('=');
                if (eq > 0 && part.substring(0, eq).trim().equals(name)) {
                    return part.substring(eq + 1).trim();
                }
            }
        }
        return null;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
