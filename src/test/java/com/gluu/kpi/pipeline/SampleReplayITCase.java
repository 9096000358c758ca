package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.testing.TestDatabase;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Replays SPEC's sample events (a copy of {@code shared/samples/events.jsonl}) through the real
 * job into a real PostgreSQL, and checks every row against values worked out by hand from the
 * file.
 */
class SampleReplayITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static TestDatabase db;
    static final Path SAMPLES = Paths.get("src/test/resources/samples/events.jsonl");

    @BeforeAll
    static void startDatabase() {
        db = TestDatabase.startMigrated();
    }

    @AfterAll
    static void stopDatabase() {
        db.close();
    }

    @BeforeEach
    void emptyTables() throws Exception {
        db.truncateKpiTables();
    }

    @Test
    void sampleFileFillsTrafficLatencyAndDeadLettersAsWorkedOutByHand() throws Exception {
        KpiJob.replayFile(JobConfig.defaults(), SAMPLES, db.jdbc());

        // Three inferences at 08:00:12–14 (e-0003 ok sync 1 image, e-0004 error async 2 images,
        // e-0005 client_error no images); the repeat of e-0003 counts once.
        List<Map<String, Object>> traffic = db.rows("SELECT window_start::text AS ws, window_end::text AS we, service, route,"
                + " model, endpoint, requests, ok, client_errors, errors, error_rate, async_requests, images"
                + " FROM kpi.traffic ORDER BY window_end");
        assertThat(traffic).hasSize(2);
        for (Map<String, Object> row : traffic) {
            assertThat(row).containsEntry("service", "analyze-api").containsEntry("route", "/analyze")
                    .containsEntry("model", "blip2").containsEntry("endpoint", "blip2-endpoint")
                    .containsEntry("requests", 3L).containsEntry("ok", 1L).containsEntry("client_errors", 1L)
                    .containsEntry("errors", 1L).containsEntry("async_requests", 1L).containsEntry("images", 3L);
            assertThat((Double) row.get("error_rate")).isCloseTo(1.0 / 3, within(1e-12));
        }
        assertThat(traffic.get(0)).containsEntry("ws", "2026-11-22 08:00:00+00").containsEntry("we", "2026-11-22 08:01:00+00");
        assertThat(traffic.get(1)).containsEntry("ws", "2026-11-22 08:00:00+00").containsEntry("we", "2026-11-22 09:00:00+00");

        // Latency per stage: total {6234, 30000, 12}, model {4120, 30000}, llm {1800}.
        List<Map<String, Object>> latency = db.rows("SELECT stage, count, p50_ms, p99_ms, max_ms, mean_ms, length(sketch) AS sketch_bytes"
                + " FROM kpi.latency WHERE window_end = '2026-11-22T08:01:00Z' ORDER BY stage");
        assertThat(latency).extracting(r -> r.get("stage")).containsExactly("llm", "model", "total");
        Map<String, Object> llm = latency.get(0);
        Map<String, Object> model = latency.get(1);
        Map<String, Object> total = latency.get(2);
        assertThat(total).containsEntry("count", 3L).containsEntry("max_ms", 30000.0);
        assertThat((Double) total.get("mean_ms")).isCloseTo((6234 + 30000 + 12) / 3.0, within(1e-9));
        assertThat((Double) total.get("p50_ms")).isCloseTo(6234, within(6234 * 0.01));
        // DDSketch ranks q·(n−1): for n = 3, p99 is rank 1.98, i.e. the 2nd smallest value (6234).
        assertThat((Double) total.get("p99_ms")).isCloseTo(6234, within(6234 * 0.01));
        assertThat(model).containsEntry("count", 2L).containsEntry("max_ms", 30000.0).containsEntry("mean_ms", 17060.0);
        assertThat(llm).containsEntry("count", 1L).containsEntry("max_ms", 1800.0).containsEntry("mean_ms", 1800.0);
        assertThat((Double) llm.get("p50_ms")).isCloseTo(1800, within(18.0));
        assertThat((Integer) total.get("sketch_bytes")).isPositive();
        assertThat(db.rows("SELECT 1 FROM kpi.latency")).hasSize(6); // 3 stages × (1 min + 1 h)

        // Lines 12–14 of the file are the bad ones (samples/README.md). Line 10, the producer's
        // retry of e-0003 (ts 08:00:12), comes after e-0009 (08:24:00): the watermark is then
        // 08:23:29.999, more than the 5 min allowed lateness past it, so the retry is too_late
        // before it could be a duplicate. Either way the original is counted once.
        List<Map<String, Object>> deadLetters = db.rows("SELECT id, reason FROM kpi.dead_letters ORDER BY id");
        assertThat(deadLetters).containsExactly(
                Map.of("id", "events.jsonl:10", "reason", "too_late"),
                Map.of("id", "events.jsonl:12", "reason", "bad_value"),
                Map.of("id", "events.jsonl:13", "reason", "malformed_json"),
                Map.of("id", "events.jsonl:14", "reason", "unknown_type"));
    }

    @Test
    void replayingTheSameFileTwiceLeavesIdenticalRows() throws Exception {
        String snapshot = "SELECT t.*::text FROM (SELECT window_start, window_end, service, model, endpoint, stage, count,"
                + " p50_ms, p90_ms, p95_ms, p99_ms, max_ms, mean_ms, encode(sketch, 'hex') FROM kpi.latency"
                + " UNION ALL SELECT window_start, window_end, service, route, model, endpoint, NULL, requests, ok,"
                + " client_errors, errors, error_rate, async_requests, images::text FROM kpi.traffic) t ORDER BY 1";
        KpiJob.replayFile(JobConfig.defaults(), SAMPLES, db.jdbc());
        List<Map<String, Object>> first = db.rows(snapshot);
        List<Map<String, Object>> firstDead = db.rows("SELECT id, reason, detail, raw, received_at FROM kpi.dead_letters ORDER BY id");
        KpiJob.replayFile(JobConfig.defaults(), SAMPLES, db.jdbc());
        assertThat(db.rows(snapshot)).isEqualTo(first).isNotEmpty();
        assertThat(db.rows("SELECT id, reason, detail, raw, received_at FROM kpi.dead_letters ORDER BY id")).isEqualTo(firstDead);
    }
}
