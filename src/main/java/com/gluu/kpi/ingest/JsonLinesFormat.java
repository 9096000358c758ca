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
 *
 * <p><b>Byte ranges</b> ({@link #inRanges}): at parallelism above 1 a file is cut into
 * line-aligned ranges ({@link LineRanges}) that the source subtasks read and parse side by side.
 * A reader then reads its range only, numbers lines within it, marks each record with the
 * range's first byte and ends the range with a {@link RawRecord#rangeEnd} marker; {@code
 * FileOrder} puts the ranges back in file order and numbers the lines within the file, so the
 * records reach the parse step exactly as one reader would have delivered them. Whole-file
 * reading (one split, parallelism 1) has no markers and numbers lines itself, as before.
 */
public final class JsonLinesFormat implements StreamFormat<RawRecord> {
    private static final long serialVersionUID = 2L;

    private final String origin;
    /** The limits to parse ahead under; null: records are only read (parsed by the parse step). */
    private final InputLimits parseAheadUnder;
    private final boolean ranges;

    public JsonLinesFormat(String origin) {
        this(origin, null);
    }

    public JsonLinesFormat(String origin, InputLimits parseAheadUnder) {
        this(origin, parseAheadUnder, false);
    }

    private JsonLinesFormat(String origin, InputLimits parseAheadUnder, boolean ranges) {
        this.origin = origin;
        this.parseAheadUnder = parseAheadUnder;
        this.ranges = ranges;
    }

    /** Reads the byte ranges {@link LineRanges} cut (each split one range), marked for {@code FileOrder}. */
    public static JsonLinesFormat inRanges(String origin, InputLimits parseAheadUnder) {
        return new JsonLinesFormat(origin, parseAheadUnder, true);
    }

    @Override
    public Reader<RawRecord> createReader(Configuration config, FSDataInputStream stream, long fileLen, long splitEnd)
            throws IOException {
        EventParser parser = parseAheadUnder == null ? null : new EventParser(parseAheadUnder);
        if (!ranges) {
            return new LineReader(origin, stream, parser, -1, Long.MAX_VALUE);
        }
        long start = stream.getPos();
        return new LineReader(origin, stream, parser, start, splitEnd - start);
    }

    /** A reader of the whole file from {@code stream}'s position (as a single split is read). */
    public Reader<RawRecord> createReader(Configuration config, FSDataInputStream stream) throws IOException {
        return createReader(config, stream, -1, Long.MAX_VALUE);
    }

    /** Never called: the reader has no checkpointed offset, so a restore re-reads its split and skips what was emitted. */
    @Override
    public Reader<RawRecord> restoreReader(Configuration config, FSDataInputStream stream, long restoredOffset,
            long fileLen, long splitEnd) throws IOException {
        stream.seek(restoredOffset);
        return createReader(config, stream, fileLen, splitEnd);
    }

    /** Splittable only in ranges: whole-file reading must start at the first line to number lines. */
    @Override
    public boolean isSplittable() {
        return ranges;
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
        /** The first byte of the range read, or -1 reading the whole file. */
        private final long rangeStart;
        /** Bytes of the range (lines end exactly at its end), Long.MAX_VALUE reading the whole file. */
        private final long rangeBytes;
        /** Bytes read from the stream so far; those consumed are this minus the buffer's unread ones. */
        private long filled;
        private boolean rangeEndSent;

        LineReader(String origin, InputStream in, EventParser parser, long rangeStart, long rangeBytes) {
            this.origin = origin;
            this.in = in;
            this.parser = parser;
            this.rangeStart = rangeStart;
            this.rangeBytes = rangeBytes;
        }

        private long consumed() {
            return filled - (limit - position);
        }

        @Override
        public RawRecord read() throws IOException {
            while (true) {
                if (consumed() >= rangeBytes) {
                    return endOfRange();
                }
                // The line is source[start, end), size its length in the file without the newline.
                byte[] source;
                int start;
                int end;
                long size;
                // Nearly every line lies whole in the buffer (lines are far shorter than it): it is
                // judged there (CR, blank) and copied once, straight into the payload.
                int newline = indexOfNewline();
                if (newline >= 0) {
                    source = buffer;
                    start = position;
                    end = newline;
                    size = end - start;
                    position = newline + 1;
                } else {
                    source = lineAcrossBuffers();
                    if (source == null) {
                        return rangeStart < 0 ? null : endOfRange(); // end of file
                    }
                    start = 0;
                    end = source.length;
                    size = lineSize;
                }
                lineNumber++;
                // Strip a CR only when it is the line's real last byte, i.e. the whole line was kept
                // (up to the limit plus one byte, so a 1 MiB line with CRLF still qualifies).
                if (end > start && end - start == size && source[end - 1] == '\r') {
                    end--; // CRLF line ending
                    size--;
                }
                if (isBlank(source, start, end)) {
                    continue;
                }
                if (size > EventParser.MAX_RECORD_BYTES) {
                    end = Math.min(end, start + DeadLetter.MAX_RAW_BYTES);
                }
                // A line read across buffers is already a copy of its own (from 0): kept when it is the payload.
                byte[] payload = source != buffer && end == source.length
                        ? source : Arrays.copyOfRange(source, start, end);
                RawRecord record = new RawRecord(origin, Long.toString(lineNumber), payload, (int) Math.min(size, Integer.MAX_VALUE));
                record.rangeStart = rangeStart;
                if (parser != null) {
                    parser.parseAhead(record);
                }
                return record;
            }
        }

        /** The range's end marker, once; then the end of the split. */
        private RawRecord endOfRange() {
            if (rangeEndSent) {
                return null;
            }
            rangeEndSent = true;
            return RawRecord.rangeEnd(origin, rangeStart, rangeStart + consumed(), lineNumber);
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
            filled += limit;
            return n > 0;
        }

        private static boolean isBlank(byte[] bytes, int from, int to) {
            for (int i = from; i < to; i++) {
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
