package com.gluu.kpi.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.cli.DemoCommand;
import com.gluu.kpi.dashboard.DashboardServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@code demo --serve}: after the summary the dashboard gets the demo's database as a login
 * granted only kpi_reader, and a URL query whose range holds every request of the trace.
 */
class DemoServeITCase {
    @Test
    void theDemoHandsTheDashboardAReaderLoginAndARangeHoldingEveryRequestOfTheTrace() throws Exception {
        AtomicReference<JsonNode> answer = new AtomicReference<>();
        AtomicReference<String> query = new AtomicReference<>();
        AtomicReference<String> deleteAsReader = new AtomicReference<>();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            DemoCommand.run(out, (reader, q) -> {
                query.set(q);
                try (Connection c = reader.connect(); Statement s = c.createStatement()) {
                    s.execute("DELETE FROM kpi.traffic");
                    deleteAsReader.set("ok");
                } catch (SQLException e) {
                    deleteAsReader.set(e.getSQLState());
                }
                try (DashboardServer server = DashboardServer.start(reader, "127.0.0.1", 0, null)) {
                    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(server.url() + "api/dashboard" + q)).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    answer.set(new ObjectMapper().readTree(r.body()));
                }
            });
        }
        assertThat(deleteAsReader.get()).as("the dashboard's login may not write").isEqualTo("42501");
        DemoTrace trace = DemoTrace.bundled();
        assertThat(query.get()).startsWith("?from=").contains("&to=");
        JsonNode range = answer.get().get("range");
        assertThat(Instant.parse(range.get("from").asText())).isBeforeOrEqualTo(trace.start());
        assertThat(Instant.parse(range.get("to").asText())).isAfter(trace.end());
        JsonNode summary = answer.get().get("summary");
        JsonNode all = summary.get(summary.size() - 1);
        assertThat(all.get("service").asText()).isEqualTo("*");
        assertThat(all.get("requests").asLong()).as("every row of the trace is one request").isEqualTo(trace.rows().size());
        assertThat(answer.get().get("alerts")).as("the injected incidents fire alerts").isNotEmpty();
    }
}
