package com.gluu.kpi.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.gluu.kpi.bench.SyntheticEvents;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PlainJsonReader} against Jackson's reading (the parser's other path): whenever the plain
 * reader returns an object, Jackson must accept the same bytes (UTF-8 check and JSON) and read
 * the same fields, names, types and exact values; when it returns null, Jackson decides alone.
 * The inputs are generated traces, the parser's test fixtures, random numbers and random
 * mutations of valid records; the numbers are also checked against {@code Double.parseDouble}
 * and {@code Long.parseLong}, which are correctly rounded by specification.
 */
class PlainJsonReaderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventParser jackson = new EventParser();
    // With the parser's dimensions: every comparison below also goes through the value cache.
    private final PlainJsonReader plain = new PlainJsonReader(EventParser.DIMENSIONS);

    /** Whether the plain reader took the record; if it did, Jackson reads the same object. */
    private boolean readsAsJackson(byte[] record) {
        FlatObject fast = plain.read(record);
        if (fast == null) {
            return false;
        }
        FlatObject slow;
        try {
            jackson.checkUtf8(record);
            slow = jackson.readJson(record);
        } catch (InvalidEventException e) {
            return fail("the plain reader took a record Jackson rejects (%s): %s", e.getMessage(),
                    new String(record, StandardCharsets.ISO_8859_1));
        }
        assertThat(fast.canonical()).as(new String(record, StandardCharsets.ISO_8859_1)).isEqualTo(slow.canonical());
        return true;
    }

    private static List<byte[]> syntheticRecords(Path dir) throws IOException {
        Path file = dir.resolve("trace.jsonl");
        SyntheticEvents.writeProductionShaped(file, 1, 2, Instant.parse("2026-11-22T08:00:00Z"), 7);
        List<byte[]> records = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            records.add(line.getBytes(StandardCharsets.UTF_8));
        }
        SyntheticEvents.write(file, 2_000, 50, Instant.parse("2026-11-22T08:00:00Z"), 11);
        for (String line : Files.readAllLines(file)) {
            records.add(line.getBytes(StandardCharsets.UTF_8));
        }
        for (Object fixture : List.of(EventParserTest.fullInference(), EventParserTest.minimalInference(),
                EventParserTest.fullFeedback(), EventParserTest.minimalFeedback())) {
            records.add(JSON.writeValueAsBytes(fixture));
        }
        return records;
    }

    @Test
    void everyGeneratedRecordIsReadPlainAndAsJacksonReadsIt(@TempDir Path dir) throws IOException {
        List<byte[]> records = syntheticRecords(dir);
        assertThat(records).hasSizeGreaterThan(9_000); // 1 h at 2 requests/s, plus 2,000
        for (byte[] record : records) {
            assertThat(readsAsJackson(record)).as(new String(record, StandardCharsets.UTF_8)).isTrue();
        }
    }

    @Test
    void randomNumbersAreReadExactlyOrLeftToJackson() {
        Random random = new Random(42);
        int plainIntegers = 0;
        int plainDecimals = 0;
        int leftToJackson = 0;
        for (int n = 0; n < 50_000; n++) {
            String number = randomNumber(random);
            byte[] record = ("{\"n\":" + number + "}").getBytes(StandardCharsets.US_ASCII);
            if (!readsAsJackson(record)) {
                leftToJackson++;
                continue;
            }
            Object value = plain.read(record).get("n");
            if (value instanceof Long) {
                assertThat((Long) value).as(number).isEqualTo(Long.parseLong(number));
                plainIntegers++;
            } else {
                assertThat(Double.doubleToRawLongBits((Double) value)).as(number)
                        .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(number)));
                plainDecimals++;
            }
        }
        // Each kind occurs often enough for the comparison to mean something.
        assertThat(plainIntegers).isGreaterThan(3_000);
        assertThat(plainDecimals).isGreaterThan(3_000);
        assertThat(leftToJackson).isGreaterThan(3_000);
    }

    /** Numbers near and beyond the plain reader's bounds, valid or not: signs, leading zeros, long fractions, exponents. */
    private static String randomNumber(Random random) {
        StringBuilder s = new StringBuilder();
        if (random.nextInt(4) == 0) {
            s.append('-');
        }
        int shape = random.nextInt(10);
        if (shape == 0) {
            s.append('0');
        } else if (shape == 1) {
            s.append("0").append(random.nextInt(10)); // a leading zero (invalid), or "00"
        } else if (shape != 2) { // shape 2: no integer part at all (invalid)
            s.append(1 + random.nextInt(9));
            digits(s, random, random.nextInt(21));
        }
        if (random.nextBoolean()) {
            s.append('.');
            digits(s, random, random.nextInt(26)); // 0 digits is invalid
        }
        if (random.nextInt(8) == 0) {
            s.append(random.nextBoolean() ? 'e' : 'E').append(random.nextBoolean() ? "-" : "").append(random.nextInt(30));
        }
        return s.toString();
    }

    private static void digits(StringBuilder s, Random random, int count) {
        for (int i = 0; i < count; i++) {
            // Runs of 0 and 9 reach the rounding edges more often than uniform digits.
            int kind = random.nextInt(4);
            s.append(kind == 0 ? '0' : kind == 1 ? '9' : (char) ('0' + random.nextInt(10)));
        }
    }

    @Test
    void mutatedRecordsAreReadAsJacksonReadsThemOrLeftToIt(@TempDir Path dir) throws IOException {
        List<byte[]> bases = syntheticRecords(dir);
        // JSON punctuation and literals' letters, escapes, control bytes, non-ASCII and invalid UTF-8.
        byte[] alphabet = "{}[]\",:\\ \t\r\n0123456789.-+eEtrufalsn/x\u007f".getBytes(StandardCharsets.ISO_8859_1);
        byte[] hostile = {0, 1, 0x1f, (byte) 0x80, (byte) 0xc3, (byte) 0xa9, (byte) 0xff, (byte) 0xed};
        Random random = new Random(2026);
        int taken = 0;
        int left = 0;
        for (int n = 0; n < 60_000; n++) {
            byte[] base = bases.get(random.nextInt(bases.size()));
            byte[] record = base;
            for (int edits = 1 + random.nextInt(2); edits > 0; edits--) {
                record = mutate(record, random, random.nextInt(5) == 0 ? hostile : alphabet);
            }
            if (readsAsJackson(record)) {
                taken++;
            } else {
                left++;
            }
        }
        // Both outcomes are common: the comparison is made on thousands of altered records.
        assertThat(taken).isGreaterThan(3_000);
        assertThat(left).isGreaterThan(10_000);
    }

    private static byte[] mutate(byte[] record, Random random, byte[] alphabet) {
        int at = random.nextInt(record.length + 1);
        byte b = alphabet[random.nextInt(alphabet.length)];
        switch (random.nextInt(4)) {
            case 0: // replace
                if (at == record.length) {
                    return record;
                }
                byte[] replaced = record.clone();
                replaced[at] = b;
                return replaced;
            case 1: { // insert
                byte[] out = new byte[record.length + 1];
                System.arraycopy(record, 0, out, 0, at);
                out[at] = b;
                System.arraycopy(record, at, out, at + 1, record.length - at);
                return out;
            }
            case 2: { // delete
                if (at == record.length) {
                    return record;
                }
                byte[] out = new byte[record.length - 1];
                System.arraycopy(record, 0, out, 0, at);
                System.arraycopy(record, at + 1, out, at, record.length - at - 1);
                return out;
            }
            default: // truncate
                return java.util.Arrays.copyOf(record, at);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{}", " {\"a\" : 1 , \"b\":\t\"x\"}\r\n", "{\"a\":{\"b\":{\"c\":true}},\"d\":false,\"e\":null}",
        "{\"a\":1,\"a\":2}", "{\"a\":1,\"a\":null}", "{\"\":\"\"}", "{\"a\":-0}", "{\"a\":-0.0}",
        "{\"a\":0.1}", "{\"a\":9007199254740.991}", "{\"a\":999999999999999999}", "{\"a\":\"~\u007f/\"}",
    })
    void plainShapesAreTaken(String record) {
        assertThat(readsAsJackson(record.getBytes(StandardCharsets.ISO_8859_1))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "[]", "\"a\"", "{\"a\":\"\\n\"}", "{\"a\":\"\u00e9\"}", "{\"a\":[1]}", "{\"a\":{\"b\":{\"c\":{}}}}",
        "{\"a\":1e3}", "{\"a\":1000000000000000000}", "{\"a\":9007199254740.992}", "{\"a\":0.00000000000000000000001}",
        "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":-}", "{\"a\":truex}", "{\"a\":1}x", "{\"a\":1,}", "{,}",
        "{\"a\" 1}", "{\"a\":1", "{\"a\":\"x", "{\"a\":\"\t\"}", "{\"a\":1}\u000b", "{\"a\":NaN}", "{'a':1}",
    })
    void everythingElseIsLeftToJackson(String record) {
        assertThat(plain.read(record.getBytes(StandardCharsets.ISO_8859_1))).isNull();
    }

    @Test
    void objectsWiderThanTheirStartingRoomKeepEveryField() {
        // 40 top-level fields (past the 16 a top-level object starts with) and 20 nested ones
        // (past 8), then a repeat of the first name, which replaces its value and adds nothing.
        StringBuilder json = new StringBuilder("{\"inner\":{");
        for (int i = 0; i < 20; i++) {
            json.append(i == 0 ? "" : ",").append("\"in").append(i).append("\":").append(i * 3);
        }
        json.append('}');
        for (int i = 0; i < 40; i++) {
            json.append(",\"top").append(i).append("\":").append(i * 7);
        }
        json.append(",\"top0\":-1}");
        FlatObject root = plain.read(json.toString().getBytes(StandardCharsets.US_ASCII));
        assertThat(root).isNotNull();
        assertThat(root.get("top0")).isEqualTo(-1L);
        for (int i = 1; i < 40; i++) {
            assertThat(root.get(("top" + i).intern())).as("top%d", i).isEqualTo(i * 7L);
        }
        FlatObject inner = (FlatObject) root.get("inner");
        for (int i = 0; i < 20; i++) {
            assertThat(inner.get(("in" + i).intern())).as("in%d", i).isEqualTo(i * 3L);
        }
        assertThat(readsAsJackson(json.toString().getBytes(StandardCharsets.US_ASCII))).isTrue();
    }

    /**
     * The reader hands out the same objects for every record: each read must start from empty
     * objects, whatever the record before held (more fields, other nested objects, more nested
     * objects than the reader keeps), and read exactly what Jackson reads.
     */
    @Test
    void everyRecordStartsFromEmptyObjectsWhateverTheOneBeforeHeld() {
        Random random = new Random(11);
        for (int n = 0; n < 2_000; n++) {
            // 0–24 nested objects of 0–5 fields (the reader keeps 16 per depth), some with an
            // object inside, beside 0–30 top-level numbers: the field sets of consecutive records differ.
            StringBuilder json = new StringBuilder("{\"id\":").append(n);
            int nested = random.nextInt(25);
            for (int o = 0; o < nested; o++) {
                json.append(",\"o").append(o).append("\":{");
                int fields = random.nextInt(6);
                for (int f = 0; f < fields; f++) {
                    json.append(f == 0 ? "" : ",").append("\"f").append(f).append("\":").append(o * 10 + f);
                }
                if (random.nextInt(3) == 0) {
                    json.append(fields == 0 ? "" : ",").append("\"deep\":{\"d\":").append(o).append('}');
                }
                json.append('}');
            }
            int numbers = random.nextInt(31);
            for (int i = 0; i < numbers; i++) {
                json.append(",\"t").append(i).append("\":").append(n + i);
            }
            json.append('}');
            byte[] record = json.toString().getBytes(StandardCharsets.US_ASCII);
            assertThat(readsAsJackson(record)).as(json.toString()).isTrue();
            // And by field: exactly the fields written, with their values (names not written
            // read as absent), worked out from the loop above, not from either reader.
            FlatObject root = plain.read(record);
            assertThat(root.get("id")).isEqualTo((long) n);
            for (int o = 0; o < 25; o++) {
                Object value = root.get(("o" + o).intern());
                assertThat(value == null).as("o%d in record %d", o, n).isEqualTo(o >= nested);
            }
            for (int i = 0; i < 31; i++) {
                Object value = root.get(("t" + i).intern());
                assertThat(value).as("t%d in record %d", i, n).isEqualTo(i < numbers ? (Object) (long) (n + i) : null);
            }
        }
    }

    @Test
    void namesAreInternedAndAFloodOfNewNamesIsLeftToJackson() {
        for (int i = 0; i < 600; i++) {
            byte[] record = ("{\"field" + i + "\":" + i + "}").getBytes(StandardCharsets.US_ASCII);
            // The table holds 512 names; past that, a record with a new name is Jackson's.
            assertThat(readsAsJackson(record)).as("name %d", i).isEqualTo(i < 512);
        }
        assertThat(readsAsJackson("{\"field7\":1}".getBytes(StandardCharsets.US_ASCII))).isTrue(); // known names still are plain
        String longName = "n".repeat(129);
        assertThat(plain.read(("{\"" + longName + "\":1}").getBytes(StandardCharsets.US_ASCII))).isNull();
    }

    @Test
    void dimensionValuesComeFromTheCacheAndAreAlwaysTheirOwnBytes() {
        java.util.function.Function<String, FlatObject> read =
                json -> plain.read(json.getBytes(StandardCharsets.US_ASCII));
        // The reader's objects live until its next read: keep the first record's values.
        FlatObject first = read.apply("{\"service\":\"report-api\",\"request_id\":\"r-1\",\"llm\":{\"model\":\"gpt-4o\"}}");
        Object firstService = first.get("service");
        Object firstModel = ((FlatObject) first.get("llm")).get("model");
        Object firstRequestId = first.get("request_id");
        FlatObject second = read.apply("{\"service\":\"report-api\",\"request_id\":\"r-1\",\"llm\":{\"model\":\"gpt-4o\"}}");
        assertThat(second.get("service")).isEqualTo("report-api").isSameAs(firstService);
        assertThat(((FlatObject) second.get("llm")).get("model")).isSameAs(firstModel);
        assertThat(second.get("request_id")).as("ids are not cached").isEqualTo("r-1").isNotSameAs(firstRequestId);
        // Many distinct values through 1,024 slots, each read twice, out of order: whatever the
        // cache evicts or keeps, every value read is the record's own.
        Random random = new Random(5);
        for (int n = 0; n < 20_000; n++) {
            String value = "svc-" + random.nextInt(5_000) + (random.nextBoolean() ? "" : "-" + "x".repeat(random.nextInt(80)));
            FlatObject object = read.apply("{\"service\":\"" + value + "\",\"status\":\"ok\"}");
            assertThat(object.get("service")).isEqualTo(value);
            assertThat(object.get("status")).isEqualTo("ok");
        }
    }
}
