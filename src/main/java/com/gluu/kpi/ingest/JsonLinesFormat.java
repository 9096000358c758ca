package com.gluu.kpi.ingest;

import com.gluu.kpi.events.DeadLetter;
import com.gluu.kpi.events.EventParser;
import com.gluu.kpi.events.InputLimits;
import com.gluu.kpi.events.RawRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * Reads a JSON Lines file as raw byte records, one per line, without decoding them: validating
 * UTF-8 and JSON is the parser's job, so that a bad line becomes a dead letter, not a failed job.
 *
 * <p>Each record is named {@code <file name>:<line number>}. Blank lines are not records. A line
 * longer than the 1 MiB record limit is kept only up to the 64 KiB a dead letter stores, with its
 * true size, so a huge line cannot exhaust memory.
 *
 * <p>Given the job's input limits, each record is also parsed as it is read ({@link
 * EventParser#parseAhead}), in Flink's split-fetcher thread rather than the source task's:
 * {@code ParseEvents} then takes the result instead of parsing, so a replay's parsing runs on
 * the other core, beside its task thread. Verdicts and messages are the parser's either way.
 */
public final class JsonLinesFormat extends SimpleStreamFormat<RawRecord> {
    private static final long serialVersionUID = 1L;

    private final String origin;
    /** The limits to parse ahead under; null: records are only read (parsed by the parse step). */
    private final InputLimits parseAheadUnder;

    public JsonLinesFormat(String origin) {
        this(origin, null);
    }

    public JsonLinesFormat(String origin, InputLimits parseAheadUnder) {
        this.origin = origin;
        this.parseAheadUnder = parseAheadUnder;
    }

    @Override
    public Reader<RawRecord> createReader(Configuration config, FSDataInputStream stream) {
        return new LineReader(origin, stream, parseAheadUnder == null ? null : new EventParser(parseAheadUnder));
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }

    private static final class LineReader implements StreamFormat.Reader<RawRecord> {
        private final String origin;
        private final InputStream in;
        private final byte[] buffer = new byte[1 << 16];
        private int position;
        private int limit;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
        private long lineNumber;
        /** One per reader: the parser is single-threaded, and a reader lives in one fetcher thread. */
        private final EventParser parser;

        LineReader(String origin, InputStream in, EventParser parser) {
            this.origin = origin;
            this.in = in;
            this.parser = parser;
        }

        @Override
        public RawRecord read() throws IOException {
            while (true) {
                byte[] bytes;
                long size;
                // Nearly every line lies whole in the buffer (lines are far shorter than it): then
                // its bytes are copied once, and without a CR they are the payload as they are.
                int newline = indexOfNewline();
                if (newline >= 0) {
                    bytes = Arrays.copyOfRange(buffer, position, newline);
                    size = bytes.length;
                    position = newline + 1;
                } else {
                    bytes = lineAcrossBuffers();
                    if (bytes == null) {
                        return null; // end of file
                    }
                    size = lineSize;
                }
                lineNumber++;
                int length = bytes.length;
                // Strip a CR only when it is the line's real last byte, i.e. the whole line was kept
                // (up to the limit plus one byte, so a 1 MiB line with CRLF still qualifies).
                if (length > 0 && length == size && bytes[length - 1] == '\r') {
                    length--; // CRLF line ending
                    size--;
                }
                if (isBlank(bytes, length)) {
                    continue;
                }
                if (size > EventParser.MAX_RECORD_BYTES) {
                    length = Math.min(length, DeadLetter.MAX_RAW_BYTES);
                }
                byte[] payload = length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
                RawRecord record = new RawRecord(origin, Long.toString(lineNumber), payload, (int) Math.min(size, Integer.MAX_VALUE));
                if (parser != null) {
                    parser.parseAhead(record);
                }
                return record;
            }
        }

        /** The index of the next newline in the buffer's unread bytes, or -1. */
        private int indexOfNewline() {
            for (int i = position; i < limit; i++) {
                if (buffer[i] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        /** Set by {@link #lineAcrossBuffers}: the size of its line in the file, without the newline. */
        private long lineSize;

        /**
         * The next line when it does not lie whole in the buffer: read through as many fills as it
         * takes, its bytes kept up to one past the size limit (enough to know it is too large) and
         * its whole size in {@link #lineSize}; null at the end of the file.
         */
        private byte[] lineAcrossBuffers() throws IOException {
            line.reset();
            long size = 0;
            boolean sawNewline = false;
            while (!sawNewline) {
                if (position == limit && !fill()) {
                    break;
                }
                int start = position;
                while (position < limit && buffer[position] != '\n') {
                    position++;
                }
                int chunk = position - start;
                int keep = (int) Math.max(0, Math.min(chunk, EventParser.MAX_RECORD_BYTES + 1 - size));
                line.write(buffer, start, keep);
                size += chunk;
                if (position < limit) {
                    position++; // consume the newline
                    sawNewline = true;
                }
            }
            if (!sawNewline && size == 0) {
                return null;
            }
            lineSize = size;
            return line.toByteArray();
        }

        private boolean fill() throws IOException {
            int n = in.read(buffer, 0, buffer.length);
            position = 0;
            limit = Math.max(n, 0);
            return n > 0;
        }

        private static boolean isBlank(byte[] bytes, int length) {
            for (int i = 0; i < length; i++) {
                if (bytes[i] != ' ' && bytes[i] != '\t') {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
