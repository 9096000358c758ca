package com.gluu.kpi.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.testing.TestDatabase;
import com.gluu.kpi.traffic.TrafficRow;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.streaming.runtime.tasks.TestProcessingTimeService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The upsert writer against a real PostgreSQL: batching, buffering by key, lost connections. */
class PostgresUpsertSinkITCase {
    private static TestDatabase db;

    private final SimpleCounter rowsWritten = new SimpleCounter();
    private final SimpleCounter retries = new SimpleCounter();
    private final SimpleCounter unwritable = new SimpleCounter();
    private final TestProcessingTimeService timers = new TestProcessingTimeService();

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
    void writesFullBatchesAtOnceAndTheRestOnFlush() throws Exception {
        var writer = writer(db.jdbc(), 3, 2);
        for (int minute = 0; minute < 7; minute++) {
            writer.write(row(minute, 10), null);
        }
        assertThat(rowCount()).as("two full batches of 3").isEqualTo(6);
        writer.flush(true);
        assertThat(rowCount()).isEqualTo(7);
        assertThat(rowsWritten.getCount()).isEqualTo(7);
        writer.close();
    }

    @Test
    void aRowWrittenTwiceBeforeAFlushIsWrittenOnceWithItsNewestValues() throws Exception {
        var writer = writer(db.jdbc(), 100, 2);
        writer.write(row(0, 10), null);
        writer.write(row(0, 11), null); // the window fired again (a late event)
        writer.flush(false);
        assertThat(db.rows("SELECT requests FROM kpi.traffic")).containsExactly(Map.of("requests", 11L));
        assertThat(rowsWritten.getCount()).isEqualTo(1);
        writer.close();
    }

    @Test
    void aFlushTimerWritesRowsThatNeverFillABatch() throws Exception {
        var writer = writer(db.jdbc(), 100, 2);
        writer.write(row(0, 10), null);
        assertThat(rowCount()).isZero();
        timers.setCurrentTime(timers.getCurrentProcessingTime() + 1_000); // sink.flush_interval in writer()
        assertThat(rowCount()).isEqualTo(1);
        writer.close();
    }

    @Test
    void aLostConnectionIsReplacedAndTheBatchRetried() throws Exception {
        var writer = writer(db.jdbc(), 100, 3);
        writer.write(row(0, 10), null);
        writer.flush(false);
        // The server drops the writer's session (a failover, an idle timeout, a restart).
        List<Map<String, Object>> killed = db.rows(
                "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = 'gluu-kpi'"
                        + " AND pid <> pg_backend_pid()");
        assertThat(killed).isNotEmpty();
        writer.write(row(1, 20), null);
        writer.write(row(2, 30), null);
        writer.flush(false);
        assertThat(db.rows("SELECT requests FROM kpi.traffic ORDER BY window_start")).containsExactly(
                Map.of("requests", 10L), Map.of("requests", 20L), Map.of("requests", 30L));
        assertThat(retries.getCount()).isEqualTo(1);
        writer.close();
    }

    @Test
    void aDatabaseThatStaysDownFailsTheFlushAfterTheRetriesSoTheJobRestartsFromItsCheckpoint() {
        // Nothing listens on port 1: every attempt fails to connect.
        var unreachable = new JdbcSettings("jdbc:postgresql://127.0.0.1:1/postgres", null, null);
        var writer = writer(unreachable, 100, 2);
        assertThatThrownBy(() -> {
            writer.write(row(0, 10), null);
            writer.flush(false);
        }).isInstanceOf(IOException.class).hasMessageContaining("failed 3 times");
        assertThat(retries.getCount()).isEqualTo(2);
    }

    @Test
    void backoffDoublesFromTheFirstWaitUpToTheCapWithJitterOfAQuarter() {
        var options = new SinkOptions(1, Duration.ofSeconds(1), 8, Duration.ofMillis(200), Duration.ofSeconds(30));
        Random random = new Random(1);
        for (int i = 0; i < 1000; i++) {
            assertThat(options.backoffMs(1, random)).isBetween(150L, 250L);
            assertThat(options.backoffMs(4, random)).isBetween(1200L, 2000L); // 200 × 2³ = 1 600
            assertThat(options.backoffMs(20, random)).isBetween(22_500L, 37_500L); // capped at 30 s
        }
    }

    private PostgresUpsertSink.Writer<TrafficRow> writer(JdbcSettings jdbc, int batchSize, int maxRetries) {
        var options = new SinkOptions(batchSize, Duration.ofSeconds(1), maxRetries, Duration.ofMillis(1), Duration.ofMillis(5));
        var sink = new PostgresUpsertSink<>("kpi.traffic", jdbc, new KpiTables.Traffic(), options);
        return new PostgresUpsertSink.Writer<>(sink, timers, null, rowsWritten, retries, unwritable);
    }

    private long rowCount() throws Exception {
        return (Long) db.rows("SELECT count(*) AS n FROM kpi.traffic").get(0).get("n");
    }

    private static TrafficRow row(int minute, long requests) {
        TrafficRow r = new TrafficRow();
        r.windowStart = minute * 60_000L;
        r.windowEnd = r.windowStart + 60_000L;
        r.service = "analyze-api";
        r.route = "/analyze";
        r.model = "blip2";
        r.endpoint = "blip2-endpoint";
        r.requests = requests;
        r.ok = requests;
        r.errorRate = 0;
        return r;
    }
}
