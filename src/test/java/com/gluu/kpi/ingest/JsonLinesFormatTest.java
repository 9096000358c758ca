package com.gluu.kpi.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.events.DeadLetterReason;
import com.gluu.kpi.events.EventParser;
import com.gluu.kpi.events.InputLimits;
import com.gluu.kpi.events.InvalidEventException;
import com.gluu.kpi.events.RawRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * JSON Lines replay input: one raw record per non-blank line, named by file and line number,
 * line endings removed, and a line over 1 MiB kept only as its first 64 KiB with its true size.
 */
class JsonLinesFormatTest {
    private static final int MIB = 1024 * 1024;

    /** An in-memory file that hands out at most {@code chunk} bytes per read, like a slow stream. */
    private static final class BytesInput extends FSDataInputStream {
        private final byte[] data;
        private final int chunk;
        private int pos;

        BytesInput(byte[] data, int chunk) {
            this.data = data;
            this.chunk = chunk;
        }

        @Override
        public void seek(long desired) {
            pos = (int) desired;
        }

        @Override
        public long getPos() {
            return pos;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, chunk), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    private static List<RawRecord> read(byte[] file, int chunk) throws IOException {
        return read(new JsonLinesFormat("events.jsonl"), file, chunk);
    }

    private static List<RawRecord> read(JsonLinesFormat format, byte[] file, int chunk) throws IOException {
        StreamFormat.Reader<RawRecord> reader = format.createReader(new Configuration(), new BytesInput(file, chunk));
        List<RawRecord> records = new ArrayList<>();
        RawRecord r;
        while ((r = reader.read()) != null) {
            records.add(r);
        }
        reader.close();
        return records;
    }

    private static List<RawRecord> read(String file, int chunk) throws IOException {
        return read(file.getBytes(StandardCharsets.UTF_8), chunk);
    }

    /** "position:text:size" for each record. */
    private static List<String> describe(List<RawRecord> records) {
        List<String> out = new ArrayList<>();
        for (RawRecord r : records) {
            assertThat(r.origin).isEqualTo("events.jsonl");
            out.add(r.position + ":" + new String(r.payload, StandardCharsets.UTF_8) + ":" + r.size);
        }
        return out;
    }

    @ParameterizedTest(name = "reads of {0} bytes")
    @ValueSource(ints = {1, 3, 65_536})
    void eachLineIsARecordNamedByItsLineNumber(int chunk) throws IOException {
        List<RawRecord> records = read("{\"a\":1}\n{\"b\":22}\n[3]\n", chunk);

        assertThat(describe(records)).containsExactly("1:{\"a\":1}:7", "2:{\"b\":22}:8", "3:[3]:3");
        assertThat(records.get(1).id()).isEqualTo("events.jsonl:2");
    }

    @ParameterizedTest(name = "reads of {0} bytes")
    @ValueSource(ints = {1, 3, 65_536})
    void blankLinesAreSkippedButStillCounted(int chunk) throws IOException {
        List<RawRecord> records = read("\n{\"a\":1}\n\n   \n\t \n{\"b\":2}\n\n", chunk);

        assertThat(describe(records)).containsExactly("2:{\"a\":1}:7", "6:{\"b\":2}:7");
    }

    @ParameterizedTest(name = "reads of {0} bytes")
    @ValueSource(ints = {1, 3, 65_536})
    void crlfLineEndingsAreStripped(int chunk) throws IOException {
        List<RawRecord> records = read("{\"a\":1}\r\n\r\n  \r\n{\"b\":2}\r\n", chunk);

        assertThat(describe(records)).containsExactly("1:{\"a\":1}:7", "4:{\"b\":2}:7");
    }

    @Test
    void onlyTheLineEndingCarriageReturnIsStripped() throws IOException {
        // A CR inside the line is content; JSON will reject it later, not the reader.
        assertThat(describe(read("{\"a\":\r1}\r\n", 65_536))).containsExactly("1:{\"a\":\r1}:8");
    }

    @ParameterizedTest(name = "reads of {0} bytes")
    @ValueSource(ints = {1, 3, 65_536})
    void lastLineWithoutNewlineIsARecord(int chunk) throws IOException {
        assertThat(describe(read("{\"a\":1}\n{\"b\":2}", chunk))).containsExactly("1:{\"a\":1}:7", "2:{\"b\":2}:7");
        assertThat(describe(read("{\"b\":2}\r", chunk))).containsExactly("1:{\"b\":2}:7");
    }

    @Test
    void givenTheJobsLimitsEveryRecordIsParsedAheadValidOrNot() throws Exception {
        byte[] file = ("{\"event_id\":\"e1\",\"type\":\"feedback\",\"ts\":1795305600000,\"request_id\":\"r1\","
                + "\"verdict\":\"correct\"}\n{not json\n").getBytes(StandardCharsets.UTF_8);

        List<RawRecord> ahead = read(new JsonLinesFormat("events.jsonl", InputLimits.defaults()), file, 65_536);
        assertThat(ahead).hasSize(2).allSatisfy(r -> assertThat(r.isParsedAhead()).isTrue());
        assertThat(read(file, 65_536)).hasSize(2).allSatisfy(r -> assertThat(r.isParsedAhead()).isFalse());
        // What the parse step then takes (ParseAheadTest shows it is what it would parse itself).
        assertThat(new EventParser(InputLimits.defaults()).parseOrTake(ahead.get(0)).routingKey()).isEqualTo("r1");
        assertThatThrownBy(() -> new EventParser(InputLimits.defaults()).parseOrTake(ahead.get(1)))
                .isInstanceOf(InvalidEventException.class);
    }

    @Test
    void emptyFileHasNoRecords() throws IOException {
        assertThat(read("", 65_536)).isEmpty();
        assertThat(read("\n\n\r\n", 65_536)).isEmpty();
    }

    @Test
    void bytesArePassedThroughUndecoded() throws IOException {
        byte[] file = {'{', (byte) 0xFF, (byte) 0xC3, '}', '\n', '"', (byte) 0xC3, (byte) 0xA9, '"', '\n'};

        List<RawRecord> records = read(file, 2);

        assertThat(records).hasSize(2);
        assertThat(records.get(0).payload).containsExactly('{', (byte) 0xFF, (byte) 0xC3, '}');
        assertThat(records.get(1).payload).containsExactly('"', (byte) 0xC3, (byte) 0xA9, '"');
    }

    @Test
    void lineOverOneMebibyteIsCutTo64KibAndKeepsItsTrueSize() throws Exception {
        int hugeSize = 3 * MIB + 17;
        byte[] huge = new byte[hugeSize];
        Arrays.fill(huge, (byte) 'x');
        huge[0] = '{';
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes("{\"first\":1}\n".getBytes(StandardCharsets.US_ASCII));
        file.writeBytes(huge);
        file.writeBytes("\n{\"after\":3}\n".getBytes(StandardCharsets.US_ASCII));

        List<RawRecord> records = read(file.toByteArray(), 65_536);

        assertThat(records).hasSize(3);
        RawRecord big = records.get(1);
        assertThat(big.position).isEqualTo("2");
        assertThat(big.size).isEqualTo(hugeSize);
        assertThat(big.payload).hasSize(DeadLetter.MAX_RAW_BYTES);
        assertThat(Arrays.equals(big.payload, Arrays.copyOf(huge, 65_536))).as("payload is the line's first 64 KiB").isTrue();
        assertThat(describe(List.of(records.get(2)))).containsExactly("3:{\"after\":3}:11");

        InvalidEventException rejected = catchInvalid(big);
        assertThat(rejected.reason()).isEqualTo(DeadLetterReason.TOO_LARGE);
        assertThat(rejected.getMessage()).contains(Integer.toString(hugeSize));
    }

    @Test
    void lineOfExactlyOneMebibyteIsKeptWhole() throws IOException {
        byte[] line = new byte[MIB];
        Arrays.fill(line, (byte) 'y');
        byte[] file = Arrays.copyOf(line, MIB + 1);
        file[MIB] = '\n';

        List<RawRecord> records = read(file, 65_536);

        assertThat(records).hasSize(1);
        assertThat(records.get(0).size).isEqualTo(MIB);
        assertThat(records.get(0).payload).hasSize(MIB);
    }

    @Test
    void lineOfExactlyOneMebibyteWithCrlfIsNotTooLarge() throws IOException {
        // The CR is the line ending, not content: the record is 1 MiB, within the limit.
        byte[] file = new byte[MIB + 2];
        Arrays.fill(file, (byte) 'z');
        file[MIB] = '\r';
        file[MIB + 1] = '\n';

        List<RawRecord> records = read(file, 65_536);

        assertThat(records).hasSize(1);
        assertThat(records.get(0).size).isEqualTo(MIB);
        assertThat(records.get(0).payload).hasSize(MIB);
        assertThat(records.get(0).payload[MIB - 1]).isEqualTo((byte) 'z');
    }

    @Test
    void lineOneByteOverOneMebibyteIsTooLarge() throws Exception {
        byte[] file = new byte[MIB + 2];
        Arrays.fill(file, (byte) 'w');
        file[MIB + 1] = '\n';

        List<RawRecord> records = read(file, 65_536);

        assertThat(records).hasSize(1);
        assertThat(records.get(0).size).isEqualTo(MIB + 1);
        assertThat(records.get(0).payload).hasSize(DeadLetter.MAX_RAW_BYTES);
        assertThat(catchInvalid(records.get(0)).reason()).isEqualTo(DeadLetterReason.TOO_LARGE);
    }

    private static InvalidEventException catchInvalid(RawRecord record) {
        try {
            new EventParser().parse(record);
        } catch (InvalidEventException e) {
            return e;
        }
        throw new AssertionError("expected a rejection of record " + record.id());
    }
}
