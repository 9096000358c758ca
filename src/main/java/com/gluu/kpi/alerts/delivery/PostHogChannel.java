package com.gluu.kpi.alerts.delivery;

import com.posthog.PostHogEvent;
import com.posthog.internal.GzipRequestInterceptor;
import com.posthog.internal.PostHogApi;
import com.posthog.internal.PostHogApiError;
import com.posthog.server.PostHogConfig;
import java.time.Duration;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/**
 * Alerts to PostHog as {@code kpi_alert} events, through the official {@code posthog-server}
 * client (2.3.3).
 *
 * <p>Why not {@code PostHog.capture}: capture only queues the event; a background thread sends
 * it later and retries on its own, and nothing tells the caller whether it arrived ({@code
 * flush()} right after may send nothing, {@code close()} drops what is queued). The outbox must
 * know, so that the row stays behind until PostHog has the event. This channel therefore builds
 * the client's own configuration (the server {@link PostHogConfig} with {@code flushAt(1)},
 * turned into the core configuration the client itself uses) and sends each event with the
 * client's {@link PostHogApi#batch} — the same request {@code capture} ends in (gzipped JSON to
 * {@code {host}/batch} with the API key), but blocking: it returns when PostHog answered 2xx and
 * throws {@code PostHogApiError} or an {@code IOException} otherwise. Its HTTP client is the
 * library's (OkHttp with its gzip interceptor) with connect/read/write timeouts, so a hanging
 * endpoint fails the attempt instead of stalling the loop.
 *
 * <p>The event: distinct_id = the labels' {@code service}, else {@code gluu-kpi}; uuid =
 * {@link Notification#uuid()} (PostHog drops a repeat of the same uuid); timestamp = the row's
 * latest transition; {@code $process_person_profile: false} (no person profile for a service).
 * The client's JSON leaves out null properties: a rule without a value has no {@code value},
 * a firing episode no {@code window.end}.
 */
public final class PostHogChannel implements NotificationChannel {
    public static final String EVENT = "kpi_alert";
    public static final String DEFAULT_DISTINCT_ID = "gluu-kpi";

    private final PostHogApi api;
    private final String apiKey;
    private final String host;

    public PostHogChannel(String apiKey, String host, Duration timeout) {
        this.apiKey = apiKey;
        this.host = host;
        PostHogConfig.Builder builder = PostHogConfig.builder(apiKey).flushAt(1);
        if (host != null && !host.isBlank()) {
            builder.host(host);
        }
        com.posthog.PostHogConfig core = coreConfig(builder.build());
        long ms = timeout.toMillis();
        core.setHttpClient(new OkHttpClient.Builder()
                .connectTimeout(ms, TimeUnit.MILLISECONDS)
                .readTimeout(ms, TimeUnit.MILLISECONDS)
                .writeTimeout(ms, TimeUnit.MILLISECONDS)
                .callTimeout(2 * ms, TimeUnit.MILLISECONDS)
                .addInterceptor(new GzipRequestInterceptor(core))
                .build());
        this.api = new PostHogApi(core);
    }

    /**
     * The core configuration the server client builds from its own ({@code asCoreConfig}, Kotlin
     * {@code internal}, so javac cannot see it: called reflectively, once, at construction; a
     * library upgrade that renames it fails here and in PostHogChannel's tests, not silently).
     */
    static com.posthog.PostHogConfig coreConfig(PostHogConfig server) {
        try {
            var m = PostHogConfig.class.getDeclaredMethod("asCoreConfig$posthog_server");
            m.setAccessible(true);
            return (com.posthog.PostHogConfig) m.invoke(server);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("posthog-server changed: no PostHogConfig.asCoreConfig", e);
        }
    }

    @Override
    public String name() {
        return "posthog";
    }

    public static String distinctId(Notification n) {
        Object service = n.labels.get("service");
        return service == null || service.toString().isEmpty() ? DEFAULT_DISTINCT_ID : service.toString();
    }

    /** The event's properties. {@code window}: the episode's span so far (start, and end once resolved). */
    public static Map<String, Object> properties(Notification n) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("alert_id", n.alertId);
        p.put("rule", n.rule);
        p.put("state", n.state);
        p.put("severity", n.severity);
        p.put("value", n.value);
        p.put("threshold", n.threshold);
        p.put("labels", n.labels);
        Map<String, Object> window = new LinkedHashMap<>();
        window.put("start", n.startedAt == null ? null : n.startedAt.toString());
        window.put("end", n.resolvedAt == null ? null : n.resolvedAt.toString());
        p.put("window", window);
        p.put("summary", n.summary);
        if (n.link != null) {
            p.put("link", n.link);
        }
        p.put("seq", n.seq);
        if (n.groupId != null) {
            p.put("group_id", n.groupId); // the SNS message it went out in: one incident's events share it
        }
        p.put("$process_person_profile", false);
        return p;
    }

    @Override
    public void send(Notification n) throws Exception {
        Date timestamp = n.transitionAt == null ? new Date() : Date.from(n.transitionAt);
        PostHogEvent event = new PostHogEvent(EVENT, distinctId(n), new LinkedHashMap<>(properties(n)), timestamp,
                n.uuid(), null, null, null, null);
        try {
            api.batch(List.of(event));
        } catch (PostHogApiError e) {
            throw new java.io.IOException("PostHog answered HTTP " + e.getStatusCode() + " " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "PostHog(" + (host == null ? "default host" : host) + ", key " + (apiKey.length() > 4 ? apiKey.substring(0, 4) + "…" : "…") + ")";
    }
}
