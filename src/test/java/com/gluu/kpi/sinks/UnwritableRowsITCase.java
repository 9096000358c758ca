package com.gluu.kpi.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.alerts.AlertRecord;
import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.sinks.cloudwatch.CapturingAppender;
import com.gluu.kpi.testing.TestDatabase;
import com.gluu.kpi.traffic.TrafficRow;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.streaming.runtime.tasks.TestProcessingTimeService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rows PostgreSQL refuses (a NUL in a text, an index row over the btree limit, a timestamp past
 * year 294276, a check constraint, invalid JSON) against a real server: every good row is
 * written, each refused row becomes one {@code unwritable} dead letter, and no log line quotes a
 * bound value.
 */
class UnwritableRowsITCase {
    private static final String HOSTILE = "HOSTILE-value-hunter2";
    /** Year ~296 700: after Postgres's last timestamp (294276 AD), well inside java.time's. */
    private static final long PAST_POSTGRES_TIME = 9_300_000_000_000_000L;

    private static TestDatabase db;

    private final SimpleCounter rowsWritten = new SimpleCounter();
    private final SimpleCounter retries = new SimpleCounter();
    private final SimpleCounter unwritable = new SimpleCounter();
    private final TestProcessingTimeService timers = new TestProcessingTimeService();
    private final List<String> logs = new ArrayList<>();
    private CapturingAppender capture;

    @BeforeAll
    static void startDatabase() {
        db = TestDatabase.startMigrated();
    }

    @AfterAll
    static void stopDatabase() {
        db.close();
    }

    @BeforeEach
    void emptyTablesAndCaptureLogs() throws Exception {
        db.truncateKpiTables();
        capture = CapturingAppender.attach("com.gluu.kpi.sinks", logs);
    }

    @AfterEach
    void stopCapture() {
        capture.close();
    }

    @Test
    void everyGoodRowIsWrittenAndEachRefusedRowBecomesOneUnwritableDeadLetter() throws Exception {
        String longEndpoint = randomLetters(3_000, 7); // random letters do not compress below the btree limit
        List<TrafficRow> good = new ArrayList<>();
        for (int minute = 0; minute < 8; minute++) {
            good.add(traffic(minute * 60_000L, "/analyze", "blip2-endpoint", 100 + minute));
        }
        TrafficRow nul = traffic(20 * 60_000L, "/ana\0lyze", "blip2-endpoint", 1);
        TrafficRow tooLong = traffic(21 * 60_000L, "/analyze", longEndpoint, 2);
        TrafficRow tooLate = traffic(PAST_POSTGRES_TIME, "/analyze", "blip2-endpoint", 3);
        List<TrafficRow> batch = List.of(good.get(0), good.get(1), nul, good.get(2), good.get(3), tooLong, good.get(4),
                good.get(5), good.get(6), tooLate, good.get(7));

        var writer = trafficWriter(KpiTables.TRAFFIC, 100);
        for (TrafficRow r : batch) {
            writer.write(r, null);
        }
        writer.flush(false);
        writer.close();

        assertThat(trafficRows()).containsExactly(
                "0|/analyze|blip2-endpoint|100", "60000|/analyze|blip2-endpoint|101", "120000|/analyze|blip2-endpoint|102",
                "180000|/analyze|blip2-endpoint|103", "240000|/analyze|blip2-endpoint|104",
                "300000|/analyze|blip2-endpoint|105", "360000|/analyze|blip2-endpoint|106",
                "420000|/analyze|blip2-endpoint|107");
        assertThat(rowsWritten.getCount()).isEqualTo(8);
        assertThat(unwritable.getCount()).isEqualTo(3);

        List<Map<String, Object>> letters = deadLetters();
        assertThat(letters).hasSize(3);
        assertThat(letters).allSatisfy(d -> {
            assertThat(d.get("reason")).isEqualTo("unwritable");
            assertThat((String) d.get("id")).matches("unwritable:kpi\\.traffic:[0-9a-f]{32}");
            assertThat(d.get("event_id")).isEqualTo("");
            assertThat(d.get("event_ts")).isNull();
            String raw = (String) d.get("raw");
            assertThat(raw).doesNotContain("\0");
            assertThat(raw.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(64 * 1024);
        });
        assertThat(letters).extracting(d -> d.get("id")).doesNotHaveDuplicates();
        // Ordered by detail: SQLSTATE 22008, 22021, 54000.
        assertThat((String) letters.get(0).get("detail")).startsWith("kpi.traffic: SQLSTATE 22008: ").contains("out of range");
        assertThat((String) letters.get(1).get("detail"))
                .isEqualTo("kpi.traffic: SQLSTATE 22021: invalid byte sequence for encoding \"UTF8\": 0x00");
        assertThat((String) letters.get(2).get("detail")).startsWith("kpi.traffic: SQLSTATE 54000: index row size ")
                .contains("exceeds btree version 4 maximum 2704 for index \"traffic_pkey\"");

        JsonNode tooLateRaw = json(letters.get(0));
        assertThat(tooLateRaw.get("key").get(0).asLong()).isEqualTo(PAST_POSTGRES_TIME);
        assertThat(tooLateRaw.get("values").get("window_start").asText()).startsWith("+296");
        JsonNode nulRaw = json(letters.get(1));
        assertThat(nulRaw.get("table").asText()).isEqualTo("kpi.traffic");
        assertThat(nulRaw.get("key").toString())
                .isEqualTo("[1200000,1260000,\"analyze-api\",\"/ana\uFFFDlyze\",\"blip2\",\"blip2-endpoint\"]");
        assertThat(nulRaw.get("values").get("route").asText()).isEqualTo("/ana\uFFFDlyze");
        assertThat(nulRaw.get("values").get("window_start").asText()).isEqualTo("1970-01-01T00:20Z");
        assertThat(nulRaw.get("values").get("requests").asLong()).isEqualTo(1);
        assertThat(json(letters.get(2)).get("values").get("endpoint").asText()).isEqualTo(longEndpoint);

        // Each refused row is logged with table, key and SQLSTATE; the long key is capped.
        assertThat(logs).anySatisfy(line -> assertThat(line).contains("kpi.traffic refused row",
                "[1200000, 1260000, analyze-api, /ana\uFFFDlyze, blip2, blip2-endpoint]", "SQLSTATE 22021"));
        assertThat(logs).anySatisfy(line -> assertThat(line).contains("kpi.traffic refused row", "SQLSTATE 54000",
                "[1260000, 1320000, analyze-api, /analyze, blip2, " + longEndpoint.substring(0, 10)));
        assertThat(logs).noneSatisfy(line -> assertThat(line).contains(longEndpoint.substring(0, 80)));

        // A replay (a restart from a checkpoint) rewrites the same dead letters: no new rows.
        var replay = trafficWriter(KpiTables.TRAFFIC, 100);
        for (TrafficRow r : batch) {
            replay.write(r, null);
        }
        replay.flush(false);
        replay.close();
        assertThat(trafficRows()).hasSize(8);
        assertThat(deadLetters()).extracting(d -> d.get("id"), d -> d.get("received_at"))
                .containsExactlyElementsOf(letters.stream().map(d -> org.assertj.core.groups.Tuple.tuple(d.get("id"),
                        d.get("received_at"))).toList());
    }

    @Test
    void aBatchWithoutBadRowsIsOneStatementAndOneBadRowInEightCostsSixMore() throws Exception {
        CountingTraffic counting = new CountingTraffic();
        var writer = trafficWriter(counting, 100);
        for (int minute = 0; minute < 8; minute++) {
            writer.write(traffic(minute * 60_000L, "/analyze", "blip2-endpoint", minute), null);
        }
        writer.flush(false);
        assertThat(counting.binds).as("one batch, each row bound once").isEqualTo(8);

        counting.binds = 0;
        for (int minute = 0; minute < 8; minute++) {
            writer.write(traffic(minute * 60_000L, minute == 5 ? "/bad\0" : "/analyze", "blip2-endpoint", minute), null);
        }
        writer.flush(false);
        writer.close();
        // Rows 0-7 (refused), 0-3, 4-7 (refused), 4-5 (refused), 4, 5 (refused: the culprit), 6-7.
        assertThat(counting.binds).isEqualTo(8 + 4 + 4 + 2 + 1 + 1 + 2);
        assertThat(trafficRows()).as("the second batch updated the first's rows but minute 5").hasSize(8);
        assertThat(deadLetters()).hasSize(1);
    }

    @Test
    void twoKeysJavaTellsApartButPostgresDoesNotAreEachWrittenInTheirOrder() throws Exception {
        // The driver sends an unpaired surrogate as '?': one key for Postgres, two for the buffer,
        // and "ON CONFLICT DO UPDATE command cannot affect row a second time" (21000) in one INSERT.
        var writer = trafficWriter(KpiTables.TRAFFIC, 100);
        writer.write(traffic(0, "/a\uD800", "e", 1), null);
        writer.write(traffic(0, "/a?", "e", 2), null);
        writer.flush(false);
        writer.close();
        assertThat(trafficRows()).containsExactly("0|/a?|e|2");
        assertThat(deadLetters()).isEmpty();
        assertThat(rowsWritten.getCount()).isEqualTo(2);
        assertThat(logs).anySatisfy(line -> assertThat(line).contains("kpi.traffic refused a batch of 2 rows (SQLSTATE 21000"));
    }

    @Test
    void aDeadLetterTheDatabaseRefusesTooIsWrittenWithTheSqlstateOnly() throws Exception {
        db.execute("CREATE FUNCTION public.no_raw() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " IF NEW.raw <> '' THEN RAISE EXCEPTION 'no raw today' USING ERRCODE = '22023'; END IF; RETURN NEW; END $$");
        db.execute("CREATE TRIGGER no_raw BEFORE INSERT OR UPDATE ON kpi.dead_letters FOR EACH ROW EXECUTE FUNCTION public.no_raw()");
        try {
            var writer = trafficWriter(KpiTables.TRAFFIC, 100);
            writer.write(traffic(0, "/good", "e", 1), null);
            writer.write(traffic(60_000, "/bad\0", "e", 2), null);
            writer.flush(false);
            writer.close();
        } finally {
            db.execute("DROP TRIGGER no_raw ON kpi.dead_letters");
            db.execute("DROP FUNCTION public.no_raw()");
        }
        assertThat(trafficRows()).containsExactly("0|/good|e|1");
        List<Map<String, Object>> minimal = deadLetters();
        assertThat(minimal).hasSize(1);
        assertThat(minimal.get(0)).containsEntry("reason", "unwritable").containsEntry("detail", "kpi.traffic: SQLSTATE 22021")
                .containsEntry("raw", "");
        assertThat(unwritable.getCount()).isEqualTo(1);

        // The same row again, the dead-letter table healthy: the same id now gets the whole story.
        var replay = trafficWriter(KpiTables.TRAFFIC, 100);
        replay.write(traffic(60_000, "/bad\0", "e", 2), null);
        replay.flush(false);
        replay.close();
        List<Map<String, Object>> whole = deadLetters();
        assertThat(whole).extracting(d -> d.get("id")).containsExactly(minimal.get(0).get("id"));
        assertThat((String) whole.get(0).get("detail")).startsWith("kpi.traffic: SQLSTATE 22021: invalid byte sequence");
        assertThat((String) whole.get(0).get("raw")).contains("/bad\uFFFD");
    }

    @Test
    void aDeadLetterTableThatRefusesEverythingFailsTheFlushAfterItsRetriesInsteadOfLooping() throws Exception {
        db.execute("CREATE FUNCTION public.no_letters() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " RAISE EXCEPTION 'none today' USING ERRCODE = '23514'; END $$");
        db.execute("CREATE TRIGGER no_letters BEFORE INSERT OR UPDATE ON kpi.dead_letters FOR EACH ROW"
                + " EXECUTE FUNCTION public.no_letters()");
        IOException failure;
        try {
            var writer = trafficWriter(KpiTables.TRAFFIC, 100);
            writer.write(traffic(0, "/good", "e", 1), null);
            writer.write(traffic(60_000, "/bad\0", "e", 2), null);
            failure = catchThrowableOfType(IOException.class, () -> writer.flush(false));
            writer.close();
        } finally {
            db.execute("DROP TRIGGER no_letters ON kpi.dead_letters");
            db.execute("DROP FUNCTION public.no_letters()");
        }
        assertThat(failure).hasMessageContaining("writing 1 rows to kpi.traffic failed 3 times")
                .hasMessageContaining("SQLSTATE 23514");
        assertThat(trafficRows()).as("the good row committed before the dead letters").containsExactly("0|/good|e|1");
        assertThat(retries.getCount()).isEqualTo(2);
        assertThat(unwritable.getCount()).isZero();
    }

    @Test
    void theDeadLetterSinkSetsAsideItsOwnRefusedRowsLikeAnyTable() throws Exception {
        var options = new SinkOptions(100, Duration.ofSeconds(1), 2, Duration.ofMillis(1), Duration.ofMillis(5));
        var sink = new PostgresUpsertSink<>("kpi.dead_letters", db.jdbc(), KpiTables.DEAD_LETTERS, options);
        var writer = new PostgresUpsertSink.Writer<>(sink, timers, null, rowsWritten, retries, unwritable);
        writer.write(deadLetter("f.jsonl:1", "fine"), null);
        writer.write(deadLetter("f.jsonl:2", "{\"a\":\"\0\"}"), null); // made by hand, not through DeadLetter.of
        writer.write(deadLetter("f.jsonl:3", "fine too"), null);
        writer.flush(false);
        writer.close();
        List<Map<String, Object>> letters = deadLetters();
        assertThat(letters).extracting(d -> d.get("id") + "|" + d.get("reason") + "|" + d.get("raw")).contains(
                "f.jsonl:1|malformed_json|fine", "f.jsonl:3|malformed_json|fine too");
        assertThat(letters).hasSize(3);
        Map<String, Object> refused = letters.stream().filter(d -> d.get("reason").equals("unwritable")).findFirst().orElseThrow();
        assertThat((String) refused.get("id")).startsWith("unwritable:kpi.dead_letters:");
        assertThat((String) refused.get("detail")).startsWith("kpi.dead_letters: SQLSTATE 22021: invalid byte sequence");
        JsonNode raw = json(refused);
        assertThat(raw.get("key").get(0).asText()).isEqualTo("f.jsonl:2");
        assertThat(raw.get("values").get("raw").asText()).isEqualTo("{\"a\":\"\uFFFD\"}");
        assertThat(unwritable.getCount()).isEqualTo(1);
    }

    @Test
    void logsNameTableSqlstateAndKeyButNeverABoundValue() throws Exception {
        String letters = randomLetters(3_000, 11);
        String hostileKey = "evil\n\0" + letters;
        var writer = alertWriter(db.jdbc());
        writer.write(alert("alert-good-1", "warning", "{}"), null);
        writer.write(alert("alert-check", HOSTILE, "{}"), null); // check constraint: 23514, detail quotes the row
        writer.write(alert("alert-json", "info", "{\"service\": " + HOSTILE), null); // 22P02, detail quotes the token
        writer.write(alert(hostileKey, "info", "{}"), null); // a NUL in the key: 22021
        writer.write(alert("alert-good-2", "critical", "{\"service\":\"analyze-api\"}"), null);
        writer.flush(false);
        writer.close();

        assertThat(db.rows("SELECT alert_id, severity FROM kpi.alerts ORDER BY alert_id")).containsExactly(
                Map.of("alert_id", "alert-good-1", "severity", "warning"),
                Map.of("alert_id", "alert-good-2", "severity", "critical"));
        assertThat(deadLetters()).extracting(d -> ((String) d.get("detail")).substring(0, "kpi.alerts: SQLSTATE 22021".length()))
                .containsExactly("kpi.alerts: SQLSTATE 22021", "kpi.alerts: SQLSTATE 22P02", "kpi.alerts: SQLSTATE 23514");
        assertThat(deadLetters()).extracting(d -> (String) d.get("raw")).allSatisfy(raw -> assertThat(raw).contains(HOSTILE));

        assertThat(logs).anySatisfy(line -> assertThat(line).contains("kpi.alerts refused row alert-check (SQLSTATE 23514"));
        assertThat(logs).anySatisfy(line -> assertThat(line).contains("kpi.alerts refused row alert-json (SQLSTATE 22P02"));
        // The hostile key: NUL replaced, newline escaped, cut after 80 characters.
        assertThat(logs).anySatisfy(line -> assertThat(line).contains(
                "kpi.alerts refused row evil\\u000a\uFFFD" + letters.substring(0, 69) + "…(3006 chars) (SQLSTATE 22021"));
        assertNoBoundValueIn(logs, letters.substring(0, 80));
    }

    @Test
    void aDeploymentErrorFailsTheFlushWithTableAndSqlstateButNoBoundValueInMessageOrCauses() throws Exception {
        db.execute("DO $$ BEGIN CREATE ROLE gluu_no_grants LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
        assertThat(db.jdbc().url()).contains("user=postgres");
        var noGrants = new JdbcSettings(db.jdbc().url().replace("user=postgres", "user=gluu_no_grants"), null, null);
        var writer = alertWriter(noGrants);
        writer.write(alert("alert-1", "warning", "{}"), null);
        IOException failure = catchThrowableOfType(IOException.class, () -> writer.flush(false));
        writer.close();

        assertThat(failure).hasMessage("writing 1 rows to kpi.alerts failed 3 times (last: SQLSTATE 42501, not a transient"
                + " error: check the deployment (grants, schema, settings)); the job restarts from its last checkpoint");
        assertThat(failure.getCause()).isInstanceOf(SQLException.class);
        assertThat(((SQLException) failure.getCause()).getSQLState()).isEqualTo("42501");
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString()).doesNotContain(HOSTILE).doesNotContain("INSERT");
        assertThat(logs).anySatisfy(line -> assertThat(line).contains("kpi.alerts", "SQLSTATE 42501"));
        assertNoBoundValueIn(logs);
        assertThat(db.rows("SELECT count(*) AS n FROM kpi.alerts")).containsExactly(Map.of("n", 0L));
    }

    /** No line quotes a value, the statement or the server's detail, nor holds a line break or NUL. */
    private static void assertNoBoundValueIn(List<String> logs, String... alsoForbidden) {
        assertThat(logs).isNotEmpty().allSatisfy(line -> {
            assertThat(line).doesNotContain(HOSTILE).doesNotContain("hunter2").doesNotContain("INSERT").doesNotContain("\n")
                    .doesNotContain("\0").doesNotContain("Failing row").doesNotContain("Token");
            for (String forbidden : alsoForbidden) {
                assertThat(line).doesNotContain(forbidden);
            }
        });
    }

    private PostgresUpsertSink.Writer<TrafficRow> trafficWriter(UpsertStatement<TrafficRow> statement, int batchSize) {
        var options = new SinkOptions(batchSize, Duration.ofSeconds(1), 2, Duration.ofMillis(1), Duration.ofMillis(5));
        var sink = new PostgresUpsertSink<>("kpi.traffic", db.jdbc(), statement, options);
        return new PostgresUpsertSink.Writer<>(sink, timers, null, rowsWritten, retries, unwritable);
    }

    private PostgresUpsertSink.Writer<AlertRecord> alertWriter(JdbcSettings jdbc) {
        var options = new SinkOptions(100, Duration.ofSeconds(1), 2, Duration.ofMillis(1), Duration.ofMillis(5));
        var sink = new PostgresUpsertSink<>("kpi.alerts", jdbc, KpiTables.ALERTS, options);
        return new PostgresUpsertSink.Writer<>(sink, timers, null, rowsWritten, retries, unwritable);
    }

    private static List<String> trafficRows() throws SQLException {
        return db.rows("SELECT (extract(epoch FROM window_start) * 1000)::bigint AS start_ms, route, endpoint, requests"
                + " FROM kpi.traffic ORDER BY window_start, route").stream()
                .map(r -> r.get("start_ms") + "|" + r.get("route") + "|" + r.get("endpoint") + "|" + r.get("requests"))
                .toList();
    }

    private static List<Map<String, Object>> deadLetters() throws SQLException {
        return db.rows("SELECT id, reason, detail, raw, event_id, event_ts, received_at FROM kpi.dead_letters ORDER BY detail, id");
    }

    private static JsonNode json(Map<String, Object> deadLetter) throws IOException {
        return new ObjectMapper().readTree((String) deadLetter.get("raw"));
    }

    private static String randomLetters(int n, long seed) {
        Random random = new Random(seed);
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            s.append((char) ('a' + random.nextInt(26)));
        }
        return s.toString();
    }

    private static TrafficRow traffic(long windowStart, String route, String endpoint, long requests) {
        TrafficRow r = new TrafficRow();
        r.windowStart = windowStart;
        r.windowEnd = windowStart + 60_000L;
        r.service = "analyze-api";
        r.route = route;
        r.model = "blip2";
        r.endpoint = endpoint;
        r.requests = requests;
        r.ok = requests;
        return r;
    }

    private static AlertRecord alert(String id, String severity, String labels) {
        AlertRecord a = new AlertRecord();
        a.alertId = id;
        a.rule = "latency_p95";
        a.severity = severity;
        a.labelsJson = labels;
        a.state = AlertRecord.FIRING;
        a.startedAt = 1_700_000_000_000L;
        a.transitionAt = a.startedAt;
        a.value = 12.5;
        a.threshold = 10;
        a.summary = "p95 12.5 s " + HOSTILE;
        a.notifySeq = 1;
        return a;
    }

    private static DeadLetter deadLetter(String id, String raw) {
        DeadLetter d = new DeadLetter();
        d.id = id;
        d.reason = "malformed_json";
        d.detail = "not JSON";
        d.raw = raw;
        return d;
    }

    /** kpi.traffic, counting the rows bound to the real statement (not to the sink's value recorder). */
    private static final class CountingTraffic implements UpsertStatement<TrafficRow> {
        private static final long serialVersionUID = 1L;
        private final UpsertStatement<TrafficRow> traffic = KpiTables.TRAFFIC;
        int binds;

        @Override
        public String sql() {
            return traffic.sql();
        }

        @Override
        public Object key(TrafficRow row) {
            return traffic.key(row);
        }

        @Override
        public void bind(PreparedStatement statement, TrafficRow row) throws SQLException {
            if (!java.lang.reflect.Proxy.isProxyClass(statement.getClass())) {
                binds++;
            }
            traffic.bind(statement, row);
        }
    }
}
