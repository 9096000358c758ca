package com.gluu.kpi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.cli.KpiJob;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.sinks.cloudwatch.CloudWatchSettings;
import com.gluu.kpi.testing.HostileRecords;
import com.gluu.kpi.testing.HostileRecords.Hostile;
import com.gluu.kpi.testing.OperationsTrace;
import com.gluu.kpi.testing.PostgresExtension;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's promise, end to end: hostile records of every kind ({@link HostileRecords}: NUL and
 * lone surrogates anywhere, keys thousands of characters long, latencies of 1e308 ms, 1e12 tokens,
 * times in year 0 or hours ahead of the stream, broken UTF-8 and JSON, oversized records, …)
 * interleaved into the three-hour operations trace and replayed through {@code run}'s code path
 * into a real PostgreSQL. The job finishes; every row of every KPI and alert table equals the rows
 * of the same trace without the hostile records; every hostile record is a dead letter with its
 * expected reason (its detail naming the field for {@code bad_value}); and read = counted +
 * duplicates + dead letters.
 */
class HostileInputITCase {
    private static final List<String> KPI_TABLES = List.of("latency", "traffic", "accuracy", "cost", "endpoint_health",
            "alerts", "alert_evidence", "slo", "jobs", "tenant_usage");

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @TempDir
    static Path tmp;

    @Test
    void hostileRecordsChangeNoOrdinaryRowAndEachIsADeadLetterWithItsReason() throws Exception {
        OperationsTrace trace = OperationsTrace.generate(31, Instant.parse("2026-11-21T21:00:00Z"), 3_000);
        Path clean = tmp.resolve("clean.jsonl");
        trace.writeTo(clean);
        List<byte[]> ordinary = lines(Files.readAllBytes(clean));
        List<Hostile> hostile = HostileRecords.generate(7, trace.start, trace.maxTs(), trace.lineCount());

        // Interleave: each hostile record at a random place its kind allows, ordinary order kept.
        Random random = new Random(11);
        List<byte[]> mixed = new ArrayList<>(ordinary);
        List<Object> tags = new ArrayList<>(java.util.Collections.nCopies(ordinary.size(), (Object) "ordinary"));
        for (Hostile h : hostile) {
            int n = mixed.size();
            int at;
            switch (h.place) {
                case FIRST:
                    at = 0;
                    break;
                case EARLY:
                    at = n / 10 + random.nextInt(n * 4 / 10);
                    break;
                case AFTER_START:
                    at = n / 5 + random.nextInt(n - n / 5);
                    break;
                default:
                    at = 1 + random.nextInt(n);
            }
            mixed.add(at, h.line);
            tags.add(at, h);
        }
        if (!(tags.get(0) instanceof Hostile) || ((Hostile) tags.get(0)).place != HostileRecords.Place.FIRST) {
            throw new AssertionError("the first line must be the outlier");
        }
        Path dirty = tmp.resolve("hostile.jsonl");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] line : mixed) {
            out.writeBytes(line);
            out.write('\n');
        }
        Files.write(dirty, out.toByteArray());

        Path pricing = tmp.resolve("pricing.yaml");
        Files.writeString(pricing, OperationsTrace.PRICING_YAML);
        JobConfig config = JobConfig.defaults().with(Map.of(
                JobConfig.PRICING_FILE.key(), pricing.toString(),
                JobConfig.ACCURACY_HORIZON.key(), "2h"));

        POSTGRES.db().truncateKpiTables();
        JobCounts cleanCounts = JobCounts.of(KpiJob.replayFile(config, clean, POSTGRES.db().jdbc(), (CloudWatchSettings) null));
        Map<String, List<String>> expected = POSTGRES.db().tablesAsJson(KPI_TABLES);
        assertThat(cleanCounts.deadLetters).as("the ordinary trace is all valid").isZero();
        assertThat(expected.get("alerts")).as("the ordinary trace fires alerts").isNotEmpty();

        POSTGRES.db().truncateKpiTables();
        JobCounts counts = JobCounts.of(KpiJob.replayFile(config, dirty, POSTGRES.db().jdbc(), (CloudWatchSettings) null));

        assertThat(counts.records).as("records read").isEqualTo(mixed.size());
        assertThat(counts.deadLetters).as("dead letters").isEqualTo(hostile.size());
        assertThat(counts.duplicates).as("duplicates").isEqualTo(cleanCounts.duplicates);
        assertThat(counts.records).as("read = counted + duplicates + dead letters")
                .isEqualTo(counts.events() + counts.duplicates + counts.deadLetters);

        Map<String, List<String>> actual = POSTGRES.db().tablesAsJson(KPI_TABLES);
        for (String table : KPI_TABLES) {
            assertThat(actual.get(table)).as("kpi.%s with hostile records", table)
                    .containsExactlyElementsOf(expected.get(table));
        }

        Map<Integer, Hostile> byLine = new TreeMap<>();
        for (int i = 0; i < tags.size(); i++) {
            if (tags.get(i) instanceof Hostile) {
                byLine.put(i + 1, (Hostile) tags.get(i));
            }
        }
        Map<Integer, String[]> letters = new TreeMap<>();
        for (Map<String, Object> r : POSTGRES.db().rows("SELECT id, reason, detail, raw FROM kpi.dead_letters")) {
            String id = (String) r.get("id");
            int line = Integer.parseInt(id.substring(id.lastIndexOf(':') + 1));
            letters.put(line, new String[] {(String) r.get("reason"), (String) r.get("detail"), (String) r.get("raw")});
        }
        assertThat(letters.keySet()).as("dead-lettered lines").containsExactlyElementsOf(byLine.keySet());
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<Integer, Hostile> e : byLine.entrySet()) {
            Hostile h = e.getValue();
            String[] letter = letters.get(e.getKey());
            if (!h.reason.equals(letter[0]) || (h.detailNames != null && !letter[1].contains(h.detailNames))) {
                wrong.add(h.kind + ": expected " + h.reason + (h.detailNames == null ? "" : " naming " + h.detailNames)
                        + ", got " + letter[0] + " '" + abbreviate(letter[1]) + "'");
            }
            if (letter[2].isEmpty()) {
                wrong.add(h.kind + ": raw payload missing");
            }
        }
        assertThat(wrong).as("dead letters with the wrong reason or detail").isEmpty();
    }

    private static String abbreviate(String s) {
        return s.length() <= 160 ? s : s.substring(0, 160) + "…";
    }

    private static List<byte[]> lines(byte[] file) {
        List<byte[]> lines = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < file.length; i++) {
            if (file[i] == '\n') {
                if (i > from) {
                    lines.add(java.util.Arrays.copyOfRange(file, from, i));
                }
                from = i + 1;
            }
        }
        if (from < file.length) {
            lines.add(java.util.Arrays.copyOfRange(file, from, file.length));
        }
        return lines;
    }
}
