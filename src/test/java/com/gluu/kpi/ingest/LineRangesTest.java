package com.gluu.kpi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.gluu.kpi.events.InputLimits;
import com.gluu.kpi.events.RawRecord;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.assigners.FileSplitAssigner;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A file cut into byte ranges and read range by range gives the lines of the file, each once,
 * each whole: checked against the file split at its newlines by hand, for range sizes from one
 * byte (every line its own range) to more than the file.
 */
class LineRangesTest {
    @TempDir
    java.nio.file.Path tmp;

    /** Short and long lines, blank ones, a CRLF, a line far longer than a range, no newline at the end. */
    private static byte[] file() {
        Random random = new Random(7);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            switch (i % 7) {
                case 0 -> text.append("\n");
                case 1 -> text.append("{\"n\":").append(i).append("}\r\n");
                case 2 -> text.append("x".repeat(5_000 + random.nextInt(3_000))).append("\n");
                case 3 -> text.append("  \t\n");
                default -> text.append("{\"line\":").append(i).append(",\"pad\":\"").append("p".repeat(random.nextInt(200)))
                        .append("\"}\n");
            }
        }
        text.append("{\"last\":true}"); // no newline
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The records one reader of the whole file gives, worked out from the text: line number and payload. */
    private static List<String> expectedRecords(byte[] bytes) {
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (!line.isBlank()) {
                expected.add((i + 1) + " " + line);
            }
        }
        return expected;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 100, 4_096, 9_000, 65_536, 10_000_000})
    void rangesCoverTheFileAtLineStartsAndReadBackAsTheWholeFile(long rangeBytes) throws Exception {
        byte[] bytes = file();
        java.nio.file.Path file = tmp.resolve("t.jsonl");
        Files.write(file, bytes);
        Path path = new Path(file.toUri());
        Collection<FileSourceSplit> splits = new LineRanges(rangeBytes).enumerateSplits(new Path[] {path}, 1);

        // Handed out lowest first, whatever order they are added in.
        List<FileSourceSplit> shuffled = new ArrayList<>(splits);
        java.util.Collections.shuffle(shuffled, new Random(3));
        FileSplitAssigner assigner = LineRanges.inFileOrder(shuffled);
        List<FileSourceSplit> inOrder = new ArrayList<>();
        for (var next = assigner.getNext(null); next.isPresent(); next = assigner.getNext(null)) {
            inOrder.add(next.get());
        }
        assertThat(inOrder).hasSameSizeAs(splits);

        long expectedStart = 0;
        List<String> read = new ArrayList<>();
        long linesBefore = 0;
        JsonLinesFormat format = JsonLinesFormat.inRanges("t.jsonl", InputLimits.defaults());
        for (FileSourceSplit split : inOrder) {
            assertThat(split.offset()).isEqualTo(expectedStart);
            assertThat(split.offset() == 0 || bytes[(int) split.offset() - 1] == '\n')
                    .as("range at %d starts a line", split.offset()).isTrue();
            assertThat(split.length()).isGreaterThanOrEqualTo(Math.min(rangeBytes, bytes.length - split.offset()));
            expectedStart = split.offset() + split.length();
            try (FSDataInputStream in = path.getFileSystem().open(path)) {
                in.seek(split.offset());
                StreamFormat.Reader<RawRecord> reader = format.createReader(new Configuration(), in, bytes.length,
                        split.offset() + split.length());
                RawRecord r;
                RawRecord end = null;
                while ((r = reader.read()) != null) {
                    assertThat(end).as("nothing after the range's end marker").isNull();
                    assertThat(r.rangeStart).isEqualTo(split.offset());
                    if (r.isRangeEnd()) {
                        end = r;
                    } else {
                        read.add((linesBefore + Long.parseLong(r.position)) + " "
                                + new String(r.payload, StandardCharsets.UTF_8));
                    }
                }
                assertThat(end).as("range end marker").isNotNull();
                assertThat(end.rangeEnd).isEqualTo(split.offset() + split.length());
                linesBefore += end.rangeLines;
            }
        }
        assertThat(expectedStart).isEqualTo(bytes.length);
        assertThat(linesBefore).as("lines of the file").isEqualTo(new String(bytes, StandardCharsets.UTF_8).split("\n", -1).length);
        assertThat(read).isEqualTo(expectedRecords(bytes));
    }

    @Test
    void aRangeNeverEndsInsideALine() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("ab\ncdefgh\ni\n".getBytes(StandardCharsets.UTF_8));
        java.nio.file.Path file = tmp.resolve("s.jsonl");
        Files.write(file, out.toByteArray());
        Path path = new Path(file.toUri());
        List<long[]> ranges = new ArrayList<>();
        for (FileSourceSplit s : LineRanges.inFileOrder(new LineRanges(4).enumerateSplits(new Path[] {path}, 1)).remainingSplits()) {
            ranges.add(new long[] {s.offset(), s.offset() + s.length()});
        }
        // the nominal end 4 falls inside "cdefgh" (bytes 3..8, newline at 9): moved to just after it
        assertThat(ranges).containsExactly(new long[] {0, 10}, new long[] {10, 12});
    }
}
