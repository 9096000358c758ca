package com.gluu.kpi.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.sinks.cloudwatch.CapturingAppender;
import com.gluu.kpi.testing.TestDatabase;
import com.gluu.kpi.traffic.TrafficRow;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.streaming.runtime.tasks.TestProcessingTimeService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The upsert writer against a real PostgreSQL: batching, buffering by key, lost connections
 * (between batches and in the middle of one). Refused rows: {@link UnwritableRowsITCase}.
 */
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
    void aConnectionKilledInTheMiddleOfABatchIsRetriedAndEveryRowIsWrittenOnce() throws Exception {
        // The row with this value makes the insert trigger sleep, the first time only: a sequence
        // is not rolled back with the killed transaction, so the retry does not sleep again.
        long sleepy = 918_273_645L;
        db.execute("CREATE SEQUENCE public.sleep_once");
        db.execute("CREATE FUNCTION public.sleep_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " IF NEW.requests = " + sleepy + " THEN IF nextval('public.sleep_once') = 1 THEN PERFORM pg_sleep(30);"
                + " END IF; END IF; RETURN NEW; END $$");
        db.execute("CREATE TRIGGER sleep_once BEFORE INSERT ON kpi.traffic FOR EACH ROW EXECUTE FUNCTION public.sleep_once()");
        List<String> logs = new ArrayList<>();
        AtomicBoolean killed = new AtomicBoolean();
        Thread killer = new Thread(() -> killed.set(terminateTheBackendThatSleeps()), "killer");
        try (var capture = CapturingAppender.attach("com.gluu.kpi.sinks", logs)) {
            var writer = writer(db.jdbc(), 100, 3);
            for (int minute = 0; minute < 6; minute++) {
                writer.write(row(minute, minute == 3 ? sleepy : 10 + minute, "/kill-test-route"), null);
            }
            killer.start();
            writer.flush(false); // rows 0-2 are inserted, row 3 sleeps in its trigger, the backend is killed
            killer.join();
            writer.close();
        } finally {
            db.execute("DROP TRIGGER sleep_once ON kpi.traffic");
            db.execute("DROP FUNCTION public.sleep_once()");
            db.execute("DROP SEQUENCE public.sleep_once");
        }
        assertThat(killed).as("the writer's backend was terminated while it slept").isTrue();
        assertThat(db.rows("SELECT (extract(epoch FROM window_start) / 60)::int AS minute, route, requests FROM kpi.traffic"
                + " ORDER BY window_start")).containsExactly(
                        Map.of("minute", 0, "route", "/kill-test-route", "requests", 10L),
                        Map.of("minute", 1, "route", "/kill-test-route", "requests", 11L),
                        Map.of("minute", 2, "route", "/kill-test-route", "requests", 12L),
                        Map.of("minute", 3, "route", "/kill-test-route", "requests", sleepy),
                        Map.of("minute", 4, "route", "/kill-test-route", "requests", 14L),
                        Map.of("minute", 5, "route", "/kill-test-route", "requests", 15L));
        assertThat(retries.getCount()).isEqualTo(1);
        assertThat(rowsWritten.getCount()).isEqualTo(6);
        assertThat(unwritable.getCount()).isZero();
        assertThat(logs).containsExactly("writing 6 rows to kpi.traffic failed with SQLSTATE 57P01, transient (attempt 1 of 4),"
                + " retrying in " + logs.get(0).replaceAll(".*retrying in (\\d+) ms.*", "$1") + " ms on a fresh connection");
        assertThat(String.join("\n", logs)).doesNotContain("/kill-test-route").doesNotContain(String.valueOf(sleepy));
    }

    /** From a connection of its own: waits for a gluu-kpi backend asleep in pg_sleep and terminates it. */
    private static boolean terminateTheBackendThatSleeps() {
        long deadline = System.nanoTime() + 20_000_000_000L;
        try {
            while (System.nanoTime() < deadline) {
                List<Map<String, Object>> killed = db.rows("SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity"
                        + " WHERE application_name = 'gluu-kpi' AND wait_event = 'PgSleep' AND pid <> pg_backend_pid()");
                if (!killed.isEmpty()) {
                    return Boolean.TRUE.equals(killed.get(0).get("killed"));
                }
                Thread.sleep(10);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return false;
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
        var sink = new PostgresUpsertSink<>("kpi.traffic", jdbc, KpiTables.TRAFFIC, options);
        return new PostgresUpsertSink.Writer<>(sink, timers, null, rowsWritten, retries, unwritable);
    }

    private long rowCount() throws Exception {
        return (Long) db.rows("SELECT count(*) AS n FROM kpi.traffic").get(0).get("n");
    }

    private static TrafficRow row(int minute, long requests) {
        return row(minute, requests, "/analyze");
    }

    private static TrafficRow row(int minute, long requests, String route) {
        TrafficRow r = new TrafficRow();
        r.windowStart = minute * 60_000L;
        r.windowEnd = r.windowStart + 60_000L;
        r.service = "analyze-api";
        r.route = route;
        r.model = "blip2";
        r.endpoint = "blip2-endpoint";
        r.requests = requests;
        r.ok = requests;
        r.errorRate = 0;
        return r;
    }
}
