package com.gluu.kpi.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.traffic.TrafficRow;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The text the sink writes and logs about a refused row. */
class RowTextTest {
    @Test
    void aKeyInALogIsCleanedEscapedAndCapped() {
        assertThat(RowText.keyForLog(List.of(60_000L, "analyze-api", "a\0b"))).isEqualTo("[60000, analyze-api, a\uFFFDb]");
        assertThat(RowText.keyForLog("line\nforged\u2028x\ud800")).isEqualTo("line\\u000aforged\\u2028x\uFFFD");
        String long100 = "k".repeat(100);
        assertThat(RowText.keyForLog(long100)).isEqualTo("k".repeat(80) + "…(100 chars)");
        // A surrogate pair cut by the cap does not leave half a character behind.
        assertThat(RowText.keyForLog("k".repeat(79) + "\uD83D\uDE00" + "k")).isEqualTo("k".repeat(79) + "\uFFFD…(82 chars)");
    }

    @Test
    void theDeadLetterIdDependsOnTableAndEveryKeyPartOnly() {
        String id = RowText.deadLetterId("kpi.traffic", List.of(0L, "a", "b"));
        assertThat(id).matches("unwritable:kpi\\.traffic:[0-9a-f]{32}");
        assertThat(RowText.deadLetterId("kpi.traffic", List.of(0L, "a", "b"))).isEqualTo(id);
        assertThat(RowText.deadLetterId("kpi.latency", List.of(0L, "a", "b"))).isNotEqualTo(id);
        // Parts are length-prefixed: moving a separator changes the id.
        assertThat(RowText.deadLetterId("kpi.traffic", List.of(0L, "a, b"))).isNotEqualTo(
                RowText.deadLetterId("kpi.traffic", List.of(0L, "a", "b")));
        assertThat(RowText.deadLetterId("kpi.traffic", List.of(0L, "ab", "")))
                .isNotEqualTo(RowText.deadLetterId("kpi.traffic", List.of(0L, "a", "b")));
    }

    @Test
    void theColumnOfEachParameterComesFromTheInsertList() {
        assertThat(RowText.parameterColumns(KpiTables.ALERTS.sql())).containsExactly("alert_id", "rule", "severity",
                "labels", "state", "started_at", "resolved_at", "value", "threshold", "summary", "notify_seq",
                "last_transition_at", "inhibited_by", "posthog_seq", "sns_seq", "group_id");
        assertThat(RowText.parameterColumns("INSERT INTO t (a, b) VALUES (?, coalesce(?, ?))")).containsExactly("a", "b", "b");
        assertThat(RowText.parameterColumns("INSERT INTO t (a, b) VALUES (?)")).isEmpty();
        assertThat(RowText.parameterColumns("UPDATE t SET a = ?")).isEmpty();
    }

    @Test
    void aRenderingIsJsonWithTheKeyAndEveryBoundValueByColumn() throws Exception {
        TrafficRow r = new TrafficRow();
        r.windowStart = 120_000L;
        r.windowEnd = 180_000L;
        r.service = "svc\0\"quoted\"\n";
        r.route = "/r";
        r.model = "m";
        r.endpoint = "e";
        r.requests = 7;
        r.errorRate = Double.NaN;
        var statement = KpiTables.TRAFFIC;
        JsonNode json = new ObjectMapper().readTree(RowText.render("kpi.traffic", statement.key(r), statement, r, 65_536));
        assertThat(json.get("table").asText()).isEqualTo("kpi.traffic");
        assertThat(json.get("key").toString()).isEqualTo("[120000,180000,\"svc\uFFFD\\\"quoted\\\"\\n\",\"/r\",\"m\",\"e\"]");
        JsonNode values = json.get("values");
        assertThat(values.get("window_start").asText()).isEqualTo("1970-01-01T00:02Z");
        assertThat(values.get("service").asText()).isEqualTo("svc\uFFFD\"quoted\"\n");
        assertThat(values.get("requests").asLong()).isEqualTo(7);
        assertThat(values.get("error_rate").asText()).isEqualTo("NaN");
        assertThat(values.size()).isEqualTo(13);
    }

    @Test
    void aRenderingStaysWithinItsByteLimitWithoutCuttingACharacter() {
        String text = "é".repeat(100); // 200 bytes
        String capped = RowText.capBytes(text, 101);
        assertThat(capped).isEqualTo("é".repeat(49) + "…");
        assertThat(capped.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(101);
        assertThat(RowText.capBytes(text, 200)).isEqualTo(text);
    }
}
